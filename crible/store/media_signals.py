"""A file's signals as rows of ``media_signals``: one row a (kind, locator).

The locator says what part of the file a value describes: "" the whole file,
"variant=<name>" a PDQ dihedral variant, "t=<seconds>;frame=<number>" a video frame (derived
content at a time; picture regions will use a bounding box the same way).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection, delete, select

from crible.model.signals import DIHEDRAL_VARIANTS, MediaHashes, PdqHash, SignalType, VideoFrame
from crible.store.sql import insert_ignoring_duplicates
from crible.store.tables import media_signals

WHOLE = ""
PDQ = str(SignalType.PDQ)


def frame_locator(frame: VideoFrame) -> str:
    """The locator of a video frame: its time in seconds, then its decode index."""
    return f"t={frame.timestamp!r};frame={frame.number}"


def frame_of(locator: str, value: str, quality: int | None) -> VideoFrame | None:
    """The frame a locator names, or None when it names something else."""
    if not locator.startswith("t="):
        return None
    seconds, _, number = locator[2:].partition(";frame=")
    return VideoFrame(int(number), float(seconds), value, int(quality or 0))


def signal_rows(hashes: MediaHashes) -> Iterator[dict[str, Any]]:
    """The rows of one file's signals (crypto digests stay columns of ``media``)."""
    sha256 = hashes.sha256
    pdq = hashes.pdq
    if pdq is not None:
        yield _row(sha256, PDQ, WHOLE, pdq.value, pdq.quality)
        for name, value in zip(DIHEDRAL_VARIANTS, pdq.variants, strict=False):
            yield _row(sha256, PDQ, f"variant={name}", value, None)
    for kind, value in hashes.extra.items():
        yield _row(sha256, kind, WHOLE, value, None)
    if hashes.video is not None:
        for frame in hashes.video.frames:
            yield _row(sha256, PDQ, frame_locator(frame), frame.pdq, frame.quality)


def _row(sha256: str, kind: str, locator: str, value: str, quality: int | None) -> dict[str, Any]:
    return {"sha256": sha256, "kind": kind, "locator": locator, "value": value, "quality": quality}


def record(conn: Connection, rows: Iterable[dict[str, Any]]) -> None:
    """Store signal rows, keeping those already stored."""
    insert_ignoring_duplicates(conn, media_signals, list(rows), keys=("sha256", "kind", "locator"))


def replace_file_signals(conn: Connection, hashes: MediaHashes) -> None:
    """Replace a file's picture signals (a fast hash upgraded to the exact one); frames stay."""
    conn.execute(
        delete(media_signals).where(
            media_signals.c.sha256 == hashes.sha256, ~media_signals.c.locator.startswith("t=")
        )
    )
    record(conn, (r for r in signal_rows(replace(hashes, video=None))))


def with_signals(conn: Connection, hashes: MediaHashes) -> tuple[MediaHashes, list[VideoFrame]]:
    """The file's stored picture signals put back, and its stored frames in decode order."""
    rows = conn.execute(
        select(
            media_signals.c.kind,
            media_signals.c.locator,
            media_signals.c.value,
            media_signals.c.quality,
        )
        .where(media_signals.c.sha256 == hashes.sha256)
        .order_by(media_signals.c.id)
    ).all()
    pdq: tuple[str, int] | None = None
    variants: dict[str, str] = {}
    extra: dict[str, str] = {}
    frames: list[VideoFrame] = []
    for kind, locator, value, quality in rows:
        frame = frame_of(locator, value, quality) if kind == PDQ else None
        if frame is not None:
            frames.append(frame)
        elif kind == PDQ and locator == WHOLE:
            pdq = (value, int(quality or 0))
        elif kind == PDQ and locator.startswith("variant="):
            variants[locator.removeprefix("variant=")] = value
        elif locator == WHOLE:
            extra[kind] = value
    found = None
    if pdq is not None:
        ordered = tuple(variants[n] for n in DIHEDRAL_VARIANTS if n in variants)
        found = PdqHash(pdq[0], pdq[1], ordered)
    frames.sort(key=lambda f: f.number)
    return replace(hashes, pdq=found, extra=extra), frames


def whole_file_pdq(conn: Connection, sha256: str) -> str | None:
    """The PDQ hash of the whole file, if it has one."""
    value = conn.scalar(
        select(media_signals.c.value).where(
            media_signals.c.sha256 == sha256,
            media_signals.c.kind == PDQ,
            media_signals.c.locator == WHOLE,
        )
    )
    return None if value is None else str(value)
