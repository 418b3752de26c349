"""Walk media roots (files, folders, zip archives) in a stable order, rejecting hostile input.

Paths are bytes from end to end, so a file name that is not valid UTF-8 is found and keyed
exactly. Each folder's entries are visited sorted by their bytes name, depth first, so an
interrupted scan re-walks in the same order; only the folders on the current path and the
identities of the folders already walked are held in memory.

A zip archive (found by its magic bytes, or by its end record when it is appended to another
file) is yielded as a file itself, so its own hashes are recorded, and then each of its entries,
keyed ``archive!/name``; an archive whose directory cannot be read is rejected under the key
``archive!/``. An archive over the size cap is rejected as a file but its entries are listed.
"""

from __future__ import annotations

import errno
import os
import posixpath
import re
import stat
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import BinaryIO, Literal

from crible.model.media import MediaLocation, RejectedMedia
from crible.sources.open import ARCHIVE_ERRORS, OPEN_FLAGS

Found = MediaLocation | RejectedMedia
RootPath = str | bytes | os.PathLike[str] | os.PathLike[bytes]
ArchiveKind = Literal["none", "head", "tail"]
Problem = tuple[str, str]  # (code, reason) of a rejection

DEFAULT_MAX_FILE_BYTES = 4 * 1024**3
ZIP_HEADS = (b"PK\x03\x04", b"PK\x05\x06")  # a local file header, or an empty archive's end
READABLE_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
ENCRYPTED_FLAG, PATCHED_FLAG = 0x01, 0x20
DRIVE = re.compile(r"[A-Za-z]:")
_CONTROLS = (*range(0x20), *range(0x7F, 0xA0))
_BIDI = (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
ESCAPES = {c: f"\\x{c:02x}" for c in _CONTROLS} | {c: f"\\u{c:04x}" for c in _BIDI}


def walk(
    roots: Sequence[RootPath],
    *,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    follow_symlinks: bool = True,
) -> Iterator[Found]:
    """Yield every file under ``roots``, and every entry of their zip archives, or why not."""
    if isinstance(roots, str | bytes):
        raise TypeError("roots is a sequence of paths, not one path")
    walker = _Walker(max_file_bytes, follow_symlinks)
    for root in roots:
        yield from walker.root(os.fsencode(root))


def walk_keys(
    keys: Sequence[bytes], *, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
) -> Iterator[Found]:
    """What ``walk`` finds at keys it gave: a path is walked as by ``walk``; an archive's entry
    (``archive!/name``) is checked as ``walk`` checks entries, the archive's directory read once
    for the keys of one archive that follow each other."""
    walker = _Walker(max_file_bytes, True)
    archive: bytes | None = None
    entries: dict[str, zipfile.ZipInfo] | str = {}
    for key in keys:
        member = split_member(key) if not os.path.lexists(key) else None
        if member is None:
            yield from walker.root(key)
            continue
        if member[0] != archive:
            archive, entries = member[0], _entries(member[0])
        if isinstance(entries, str):
            yield _reject(key, "corrupt_archive", entries)
        elif (info := entries.get(member[1])) is None:
            yield _reject(key, "missing", "no such entry in the archive")
        elif (found := walker.member(archive, info, None)) is not None:
            yield found


def split_member(key: bytes) -> tuple[bytes, str] | None:
    """``(archive, entry name)`` of a key ``archive!/name`` whose archive is a file on disk."""
    start = 0
    while (at := key.find(b"!/", start)) >= 0:
        if os.path.isfile(key[:at]):
            try:
                return key[:at], key[at + 2 :].decode("utf-8")
            except UnicodeDecodeError:
                return None
        start = at + 2
    return None


def _entries(archive: bytes) -> dict[str, zipfile.ZipInfo] | str:
    """The entries of an archive by name (the last of a name), or why they cannot be read."""
    try:
        probe = _probe(archive)
    except OSError as exc:
        return _os_message(exc)
    if isinstance(probe, RejectedMedia):
        return probe.reason
    if probe.archive_error is not None:
        return probe.archive_error
    return {info.filename: info for info in probe.entries}


def display_path(path: bytes) -> str:
    """A printable form of a path: bad UTF-8 as ``\\xNN``, control and bidi characters escaped."""
    return path.decode("utf-8", "backslashreplace").translate(ESCAPES)


@dataclass
class _Folder:
    """A folder on the current path: its identity and the entries left to visit."""

    ident: tuple[int, int]
    entries: Iterator[os.DirEntry[bytes]]


@dataclass(frozen=True)
class _Probe:
    """What opening a regular file told: its size, whether it is a zip, and the zip's entries."""

    size: int
    archive: ArchiveKind
    entries: tuple[zipfile.ZipInfo, ...] = ()
    archive_error: str | None = None


class _Walker:
    """One walk: its options, the folders on the current path, the folders already walked."""

    def __init__(self, max_file_bytes: int, follow_symlinks: bool) -> None:
        self.max_file_bytes = max_file_bytes
        self.follow_symlinks = follow_symlinks
        self.walked: set[tuple[int, int]] = set()
        self.on_path: set[tuple[int, int]] = set()
        self.stack: list[_Folder] = []

    def root(self, path: bytes) -> Iterator[Found]:
        """Walk one root; a root that is a symbolic link is always followed."""
        try:
            st = os.stat(path)
        except OSError as exc:
            yield _stat_rejection(path, exc)
            return
        if stat.S_ISDIR(st.st_mode):
            yield from self.tree(path, st)
        else:
            yield from self.file(path, st)

    def tree(self, top: bytes, st: os.stat_result) -> Iterator[Found]:
        """Walk a folder depth first with an explicit stack, so deep trees need no recursion."""
        yield from self.enter(top, st)
        while self.stack:
            entry = next(self.stack[-1].entries, None)
            if entry is None:
                self.on_path.discard(self.stack.pop().ident)
            else:
                yield from self.child(entry)

    def enter(self, path: bytes, st: os.stat_result) -> Iterator[Found]:
        """Push a folder on the stack, unless it loops back or was already walked."""
        ident = (st.st_dev, st.st_ino)
        if ident in self.on_path:
            yield _reject(path, "symlink_loop", "leads back to a folder above it; not followed")
            return
        if ident in self.walked:
            yield _reject(path, "already_walked", "folder already walked under another path")
            return
        try:
            with os.scandir(path) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as exc:
            yield _reject(path, "unreadable", _os_message(exc))
            return
        self.walked.add(ident)
        self.on_path.add(ident)
        self.stack.append(_Folder(ident, iter(entries)))

    def child(self, entry: os.DirEntry[bytes]) -> Iterator[Found]:
        """Visit one entry of a folder: a sub-folder is pushed, anything else is a file."""
        try:
            if not self.follow_symlinks and entry.is_symlink():
                yield _reject(entry.path, "not_a_file", "symbolic link; links are not followed")
                return
            st = entry.stat(follow_symlinks=True)
        except OSError as exc:
            yield _stat_rejection(entry.path, exc)
            return
        if stat.S_ISDIR(st.st_mode):
            yield from self.enter(entry.path, st)
        else:
            yield from self.file(entry.path, st)

    def file(self, path: bytes, st: os.stat_result) -> Iterator[Found]:
        """Yield a file (or why it is skipped), then the entries of a zip archive."""
        if not stat.S_ISREG(st.st_mode):
            yield _reject(path, "not_a_file", _kind(st.st_mode))
            return
        try:
            probe = _probe(path)
        except OSError as exc:
            yield _reject(path, "unreadable", _os_message(exc))
            return
        if isinstance(probe, RejectedMedia):
            yield probe
            return
        yield self.sized(path, probe.size)
        if probe.archive_error is not None and probe.archive == "head":
            inside = path + b"!/"  # keyed apart from the archive's own location
            yield _reject(inside, "corrupt_archive", probe.archive_error)
        last = {info.filename: index for index, info in enumerate(probe.entries)}
        for index, info in enumerate(probe.entries):
            shadowed = index if last[info.filename] != index else None
            found = self.member(path, info, shadowed)
            if found is not None:
                yield found

    def sized(self, path: bytes, size: int) -> Found:
        """The location of a regular file, unless it is empty or over the size cap."""
        problem = self.size_problem(size)
        if problem is not None:
            return _reject(path, *problem)
        return MediaLocation(key=path, display=display_path(path), fs_path=path, size=size)

    def member(self, path: bytes, info: zipfile.ZipInfo, shadowed: int | None) -> Found | None:
        """The location of one archive entry, why it is skipped, or None for a folder entry.

        An entry shadowed by a later one of the same name is told apart by its index after a
        NUL byte, which no entry name or path holds, so that its key is unique.
        """
        name = info.filename
        key = path + b"!/" + name.encode("utf-8")
        display = f"{display_path(path)}!/{name.translate(ESCAPES)}"
        if shadowed is not None:
            key, display = key + b"\x00%d" % shadowed, f"{display} (entry {shadowed})"
        problem = unsafe_name(name)
        if problem is None and info.is_dir():
            if info.file_size == 0:
                return None
            problem = ("not_a_file", f"folder entry carrying {info.file_size} bytes")
        problem = problem or self.entry_problem(info, shadowed is not None)
        if problem is not None:
            return RejectedMedia(key=key, display=display, code=problem[0], reason=problem[1])
        return MediaLocation(key, display, fs_path=path, member=name, size=info.file_size)

    def entry_problem(self, info: zipfile.ZipInfo, shadowed: bool) -> Problem | None:
        """Why an archive entry with a safe name cannot be read, if it cannot."""
        if shadowed:
            return ("duplicate_entry", "a later entry has the same name; only the last is read")
        if info.flag_bits & ENCRYPTED_FLAG:
            return ("encrypted", "entry is encrypted")
        if info.compress_type not in READABLE_METHODS or info.flag_bits & PATCHED_FLAG:
            return ("unsupported_compression", f"compression method {info.compress_type}")
        return self.size_problem(info.file_size)

    def size_problem(self, size: int) -> Problem | None:
        """Why a file or entry of ``size`` bytes is not hashed, if it is not."""
        if size == 0:
            return ("empty", "no content (0 bytes)")
        if size > self.max_file_bytes:
            return ("too_large", f"{size} bytes, over the cap of {self.max_file_bytes}")
        return None


def _probe(path: bytes) -> _Probe | RejectedMedia:
    """Open a file without blocking, check it is still a regular file, read a zip directory."""
    with os.fdopen(os.open(path, OPEN_FLAGS), "rb") as stream:
        st = os.fstat(stream.fileno())
        if not stat.S_ISREG(st.st_mode):
            return _reject(path, "not_a_file", _kind(st.st_mode))
        kind = _archive_kind(stream, st.st_size)
        if kind == "none":
            return _Probe(st.st_size, kind)
        try:
            with zipfile.ZipFile(stream) as archive:
                return _Probe(st.st_size, kind, tuple(archive.infolist()))
        except ARCHIVE_ERRORS as exc:
            return _Probe(st.st_size, kind, archive_error=f"cannot read the zip directory: {exc}")


def _archive_kind(stream: BinaryIO, size: int) -> ArchiveKind:
    """``head`` for a file that starts as a zip, ``tail`` for one that only ends as one."""
    if size == 0:
        return "none"
    if stream.read(4) in ZIP_HEADS:
        return "head"
    return "tail" if zipfile.is_zipfile(stream) else "none"


def unsafe_name(name: str) -> Problem | None:
    """Why an entry name would leave the archive when extracted (backslashes count as ``/``)."""
    slashed = name.replace("\\", "/")
    normal = posixpath.normpath(slashed) if slashed else ""
    if slashed.startswith("/"):
        return ("unsafe_path", "absolute path")
    if DRIVE.match(slashed):
        return ("unsafe_path", "path starts with a drive letter")
    if normal == ".." or normal.startswith("../"):
        return ("unsafe_path", "path leaves the archive")
    if normal in ("", "."):
        return ("unsafe_path", "entry has no file name")
    return None


def _reject(path: bytes, code: str, reason: str) -> RejectedMedia:
    """A rejection of the file or folder at ``path``."""
    return RejectedMedia(key=path, display=display_path(path), reason=reason, code=code)


def _os_message(exc: OSError) -> str:
    """The operating system's message for ``exc``, without the path (the caller has it)."""
    return exc.strerror or str(exc)


def _stat_rejection(path: bytes, exc: OSError) -> RejectedMedia:
    """Why a path could not be looked at: missing, a broken link, a loop, or no permission."""
    if exc.errno == errno.ELOOP:
        return _reject(path, "symlink_loop", "symbolic link loops back on itself")
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        if os.path.islink(path):
            return _reject(path, "unreadable", "broken symbolic link: its target does not exist")
        return _reject(path, "missing", "no such file or folder")
    return _reject(path, "unreadable", _os_message(exc))


def _kind(mode: int) -> str:
    """What a special file is; it is never opened."""
    for test, name in (
        (stat.S_ISFIFO, "named pipe (FIFO)"),
        (stat.S_ISSOCK, "socket"),
        (stat.S_ISCHR, "character device"),
        (stat.S_ISBLK, "block device"),
    ):
        if test(mode):
            return f"{name}, not a regular file"
    return "not a regular file"
