"""Scan runs and what they found."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from crible.model.matches import Match
from crible.model.media import MediaLocation, RejectedMedia
from crible.model.signals import MediaHashes


class ScanStatus(StrEnum):
    """The state of a scan run."""

    RUNNING = "running"
    INTERRUPTED = "interrupted"
    """Stopped before the end (Ctrl-C, or its process is gone); running it again resumes it."""
    COMPLETED = "completed"
    COMPLETED_WITH_ERRORS = "completed_with_errors"


@dataclass(frozen=True)
class ProcessRef:
    """The process that runs a scan: its host, its id and when it started (an id that the
    system gave to a later process is then not taken for the scan's)."""

    host: str
    pid: int
    started: str = ""

    def __str__(self) -> str:
        return f"{self.host} {self.pid} {self.started}".strip()

    @classmethod
    def parse(cls, text: str | None) -> ProcessRef | None:
        """The reference stored as ``host pid [start]``; None if absent or unreadable."""
        parts = (text or "").split()
        if len(parts) not in (2, 3) or not parts[1].isdigit():
            return None
        return cls(parts[0], int(parts[1]), parts[2] if len(parts) == 3 else "")


@dataclass(frozen=True)
class ScanOptions:
    """How a scan hashes and matches; a run is resumed only with the same options."""

    fast: bool = False
    threshold: int = 31
    max_pixels: int = 89_478_485
    max_file_bytes: int = 4 * 1024**3
    seconds_per_frame: float = 1.0
    """Video frames hashed: one per this many seconds (0: every frame)."""
    video_time_limit: float = 300.0
    """Seconds of decoding allowed for one video before it is refused."""


@dataclass(frozen=True)
class ScanRun:
    """One run of ``crible scan`` over a set of roots."""

    id: int
    roots: tuple[str, ...]
    options: ScanOptions
    status: ScanStatus
    started_at: datetime
    finished_at: datetime | None = None
    owner: ProcessRef | None = None
    """The process that runs (or last ran) it."""


@dataclass(frozen=True)
class ScanSummary:
    """What a scan run found: counts, matches and rejected inputs."""

    run: ScanRun
    files_seen: int
    files_hashed: int
    files_skipped: int
    distinct_media: int
    low_quality: int
    matches: tuple[Match, ...] = ()
    rejected: tuple[RejectedMedia, ...] = ()
    resumed: bool = False
    already_done: int = 0
    recorded_now: int = 0
    hashed_now: int | None = None
    """Files read and hashed by this invocation (None when showing a past run)."""
    matched_media: int = 0
    locations: dict[str, tuple[str, ...]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ScannedItem:
    """The outcome for one location of a scan: its hashes and matches, or why it was rejected.

    A location can have both hashes and a rejection reason when it was hashed
    cryptographically but its image could not be decoded.
    """

    location: MediaLocation
    hashes: MediaHashes | None
    rejection: RejectedMedia | None = None
    matches: tuple[Match, ...] = ()
    mtime_ns: int | None = None
    reused: bool = False
