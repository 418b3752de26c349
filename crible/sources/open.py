"""Open a media location (a file, or an entry of a zip archive) as a size-capped binary stream.

A zip entry may lie about its size: reading stops with a MediaError as soon as the stream
goes past ``max_bytes``, so a zip bomb is never decompressed past the cap. Errors of damaged
archives and compressed data become MediaError naming the location. Each process keeps a few
archives open (their central directory is parsed once, not once per entry); a process forked
from one that had them open starts with none, since the open files' offsets would be shared.
"""

from __future__ import annotations

import io
import lzma
import os
import stat
import struct
import threading
import zipfile
import zlib
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, BinaryIO, Protocol

from crible.model.errors import MediaError
from crible.model.media import MediaLocation

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC  # a FIFO never blocks
ARCHIVE_ERRORS = (
    zipfile.BadZipFile,  # bad headers, bad CRC, overlapping entries (Python 3.12+)
    zlib.error,
    lzma.LZMAError,
    EOFError,  # compressed data ends early
    OSError,  # bz2's "Invalid data stream", seeks past the ends of the file
    RuntimeError,  # an encrypted entry
    NotImplementedError,  # an unknown compression method or zip version
    ValueError,  # negative seeks, names that are not UTF-8
    struct.error,
)
ARCHIVES_KEPT_OPEN = 4


class _Source(Protocol):
    """What the capped stream reads from: a file or a zip entry."""

    def read(self, size: int = -1, /) -> bytes: ...
    def seek(self, offset: int, whence: int = 0, /) -> int: ...
    def seekable(self) -> bool: ...
    def close(self) -> None: ...


@contextmanager
def open_location(loc: MediaLocation, *, max_bytes: int) -> Iterator[BinaryIO]:
    """Open ``loc`` for reading; reading past ``max_bytes`` or damaged data raises MediaError."""
    with _as_media_error(loc.display):
        if loc.member is None:
            source: _Source = _open_file(loc.fs_path, loc.display)
        else:
            source = _open_member(loc.fs_path, loc.member, loc.display)
    with io.BufferedReader(_CappedReader(source, max_bytes, loc.display)) as stream:
        yield stream


class _CappedReader(io.RawIOBase):
    """A raw stream that fails once its position goes past a cap, and names its location."""

    def __init__(self, source: _Source, max_bytes: int, display: str) -> None:
        super().__init__()
        self._source = source
        self._max_bytes = max_bytes
        self._display = display
        self._position = 0

    def readable(self) -> bool:
        """Always true."""
        return True

    def seekable(self) -> bool:
        """Whether the source can seek (a zip entry can, by decompressing again)."""
        return self._source.seekable()

    def readinto(self, buffer: WriteableBuffer) -> int:
        """Read into ``buffer`` up to the cap; at the cap, one more byte in the source fails."""
        view = memoryview(buffer).cast("B")
        wanted = min(len(view), self._max_bytes - self._position)
        with _as_media_error(self._display):
            data = self._source.read(max(wanted, 1))
        if wanted <= 0 and data:
            raise MediaError(f"more than {self._max_bytes} bytes", source=self._display)
        view[: len(data)] = data
        self._position += len(data)
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """Move in the source; reading from past the cap fails."""
        with _as_media_error(self._display):
            self._position = self._source.seek(offset, whence)
        return self._position

    def tell(self) -> int:
        """The position in the source."""
        return self._position

    def close(self) -> None:
        """Close the source too."""
        if not self.closed:
            try:
                self._source.close()
            finally:
                super().close()


@contextmanager
def _as_media_error(display: str) -> Iterator[None]:
    """Turn the errors of reading files, archives and compressed data into MediaError."""
    try:
        yield
    except MediaError:
        raise
    except KeyError as exc:
        raise MediaError(f"no such entry in the archive: {exc}", source=display) from exc
    except ARCHIVE_ERRORS as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        kind = type(exc).__name__
        raise MediaError(
            f"cannot be read ({kind}): {reason or 'unexpected end'}", source=display
        ) from exc


def _open_file(path: bytes, display: str) -> BinaryIO:
    """Open a regular file without blocking on a FIFO that took its place."""
    stream = os.fdopen(os.open(path, OPEN_FLAGS), "rb", buffering=0)
    if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
        stream.close()
        raise MediaError("not a regular file", source=display)
    return stream


def _open_member(path: bytes, member: str, display: str) -> _Source:
    """Open the entry ``member`` of the archive at ``path`` (the last entry of that name)."""
    with _archives.lock:
        return _archives.get(path, display).open(member)


class _OpenArchives:
    """The few archives this process keeps open, most recently used last."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pid = os.getpid()
        self.open: OrderedDict[bytes, tuple[tuple[int, ...], zipfile.ZipFile]] = OrderedDict()

    def get(self, path: bytes, display: str) -> zipfile.ZipFile:
        """The archive at ``path``, opened again if it changed on disk; call with the lock."""
        if self.pid != os.getpid():
            self.pid, self.open = os.getpid(), OrderedDict()
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            raise MediaError("archive is not a regular file", source=display)
        stamp = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
        kept = self.open.pop(path, None)
        if kept is not None and kept[0] == stamp:
            self.open[path] = kept
            return kept[1]
        if kept is not None:
            kept[1].close()
        # os.fsdecode gives back the same bytes when the name is opened; the stat above
        # keeps a FIFO out, short of one swapped in between the two calls.
        archive = zipfile.ZipFile(os.fsdecode(path))
        self.open[path] = (stamp, archive)
        while len(self.open) > ARCHIVES_KEPT_OPEN:
            self.open.popitem(last=False)[1][1].close()
        return archive


_archives = _OpenArchives()
