"""Media found by a scan: where each file was seen, and what could not be read."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MediaLocation:
    """A place a file was found: a path on disk, or an entry inside a zip archive.

    ``key`` is the exact location as bytes (file names need not be valid UTF-8) and
    identifies it within a scan; ``display`` is a printable form of it.
    """

    key: bytes
    display: str
    fs_path: bytes
    member: str | None = None
    size: int | None = None


@dataclass(frozen=True)
class RejectedMedia:
    """A location that could not be hashed (or only partly), and why."""

    key: bytes
    display: str
    reason: str
    code: str
