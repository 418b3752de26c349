"""The chat file of an export: a file on disk, or the entry of a zip archive that holds it.

"Export chat" on a phone gives a .zip: the chat's text (``WhatsApp Chat with X.txt`` on
Android, ``_chat.txt`` on iOS) and, "with media", the files it names. The archive is read
where it lies, never unpacked: the chat entry is streamed from it, and the media entries
are hashed by the scan pipeline as entries of any archive are (``crible.sources``).

An archive is the item that was seized, so it is checked before anything is read: an
entry whose name leaves the archive (absolute, a drive, ``..``) is never read and is
reported; the chat entry must be a plain, readable entry of at most ``MAX_CHAT_BYTES``,
compressed no more than ``MAX_RATIO`` times (a zip bomb is refused before it is inflated),
and reading it stops with an error past the size it declares.
"""

from __future__ import annotations

import os
import posixpath
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePath, PurePosixPath
from typing import BinaryIO

from crible.model.errors import BadInput
from crible.model.media import MediaLocation
from crible.sources.open import ARCHIVE_ERRORS, open_location
from crible.sources.walk import ENCRYPTED_FLAG, READABLE_METHODS, ZIP_HEADS, unsafe_name

MAX_CHAT_BYTES = 2 * 1024**3
"""Largest chat text read from an archive (years of a busy group take tens of MB)."""

MAX_RATIO = 100
"""Most times a chat entry over ``RATIO_FLOOR`` bytes may be compressed: chat text deflates
3 to 10 times; a zip bomb, about a thousand."""

RATIO_FLOOR = 1024**2

CHAT_FILE = re.compile(r"_chat|WhatsApp.*|.*WhatsApp", re.I)
"""Stems of the chat file among several .txt files of an export."""


@dataclass(frozen=True)
class ChatFile:
    """Where a chat's text is: ``path`` on disk, or the entry ``member`` of the archive
    ``path``; ``entries`` maps the archive's safe entry names, normalised, to the names as
    stored; ``unsafe`` lists the entries that are never read, and why."""

    path: Path
    member: str | None = None
    size: int | None = None
    entries: dict[str, str] = field(default_factory=dict, compare=False)
    unsafe: tuple[tuple[str, str], ...] = ()

    @property
    def display(self) -> str:
        """How the chat file is named in messages: ``archive.zip!/entry`` for an entry."""
        return f"{self.path}!/{self.member}" if self.member is not None else str(self.path)

    @property
    def named(self) -> PurePath:
        """A path whose file and folder names say what the export's are: for an entry,
        the entry's name inside a folder named as the archive (``WhatsApp Chat - X``)."""
        if self.member is None:
            return self.path
        return PurePosixPath(self.path.stem) / posixpath.basename(self.member)

    @property
    def folder(self) -> str:
        """The folder of the entry inside the archive ("" at its top)."""
        return posixpath.dirname(self.member) if self.member is not None else ""

    @contextmanager
    def open(self) -> Iterator[BinaryIO]:
        """The chat file's bytes; an entry's stop with MediaError past its declared size."""
        if self.member is None:
            with self.path.open("rb") as stream:
                yield stream
            return
        where = os.fsencode(self.path)
        location = MediaLocation(
            where + b"!/" + self.member.encode(), self.display, where, self.member
        )
        with open_location(location, max_bytes=self.size or 0) as stream:
            yield stream


def is_zip(path: Path) -> bool:
    """Whether a file is named or starts as a zip archive."""
    if path.suffix.lower() == ".zip":
        return True
    try:
        with path.open("rb") as stream:
            return stream.read(4) in ZIP_HEADS
    except OSError:
        return False


def chat_in_zip(path: Path) -> ChatFile:
    """The chat entry of a zipped export, checked; BadInput naming the archive otherwise."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except ARCHIVE_ERRORS as exc:
        raise BadInput(f"not a readable zip archive: {exc}", source=str(path)) from exc
    unsafe: list[tuple[str, str]] = []
    texts: list[zipfile.ZipInfo] = []
    entries: dict[str, str] = {}
    for info in infos:
        problem = unsafe_name(info.filename)
        if problem is not None:
            unsafe.append((info.filename, problem[1]))
        elif not info.is_dir():
            entries[posixpath.normpath(info.filename.replace("\\", "/"))] = info.filename
            if info.filename.lower().endswith(".txt"):
                texts.append(info)
    if len(texts) > 1:
        texts = [i for i in texts if CHAT_FILE.fullmatch(PurePosixPath(i.filename).stem)]
    if not texts:
        raise BadInput("no WhatsApp chat .txt file in this zip archive", source=str(path))
    if len(texts) > 1:
        names = ", ".join(i.filename for i in texts[:5])
        raise BadInput(f"several chat .txt files in the archive ({names})", source=str(path))
    info = texts[-1]
    _check_entry(path, info)
    return ChatFile(path, info.filename, info.file_size, entries, tuple(unsafe))


def _check_entry(path: Path, info: zipfile.ZipInfo) -> None:
    """Refuse a chat entry that cannot or must not be read."""
    where = f"{path}!/{info.filename}"
    if info.flag_bits & ENCRYPTED_FLAG:
        raise BadInput("the chat entry is encrypted", source=where)
    if info.compress_type not in READABLE_METHODS:
        raise BadInput(f"compression method {info.compress_type} cannot be read", source=where)
    if info.file_size > MAX_CHAT_BYTES:
        raise BadInput(
            f"{info.file_size} bytes, over the cap of {MAX_CHAT_BYTES} for a chat file",
            source=where,
        )
    if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        ratio = info.file_size // max(info.compress_size, 1)
        raise BadInput(
            f"compressed {ratio} times ({info.compress_size} bytes inflating to "
            f"{info.file_size}): refused as a zip bomb",
            source=where,
        )


def media_key(chat: ChatFile, written: str) -> tuple[str, str | None, bytes | None]:
    """Where in the archive a media file the chat names lies: (status, reason, location key
    as the scan keys archive entries), like ``ingest._resolve`` for a folder."""
    name = written.replace("\\", "/")
    if name.startswith("/") or re.match(r"[A-Za-z]:", name):
        return "refused", "absolute path: refused, it leaves the archive", None
    entry = posixpath.normpath(posixpath.join(chat.folder, name))
    if entry == ".." or entry.startswith("../"):
        return "refused", "path leaves the archive", None
    stored = chat.entries.get(entry)
    if stored is None:
        return "missing", "named in the export but not in its archive", None
    return "pending", None, os.fsencode(chat.path) + b"!/" + stored.encode()
