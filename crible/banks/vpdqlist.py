"""vPDQ video hashes as Meta's vpdq writes them: one file a video, one line a sampled frame,
``frame_number,quality,pdq_hex,timestamp_seconds``. The entry's value is the SHA-256 of the
frames in canonical form, so importing the same video twice adds nothing."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from typing import BinaryIO, TextIO

from crible.banks.formats import ParseOptions, ParseResult, rejected
from crible.model.banks import Bank, HashEntry
from crible.model.errors import InvalidList
from crible.model.signals import SignalType, VideoFrame
from crible.signals.vpdq import format_reference, parse_reference

MAX_BYTES = 64 * 1024**2
"""Largest vPDQ file read (about 700k frames): a video's hash, not a list of videos."""


def digest(frames: Iterable[VideoFrame]) -> str:
    """The value that identifies a video entry: SHA-256 of its canonical frame lines."""
    return hashlib.sha256(format_reference(frames).encode()).hexdigest()


def parse(stream: BinaryIO, source: str, options: ParseOptions) -> Iterator[ParseResult]:
    """One entry for the whole file, or the first bad line as a rejection."""
    raw = stream.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        yield rejected(1, f"larger than {MAX_BYTES} bytes: not one video's vPDQ hash", "")
        return
    try:
        frames = tuple(parse_reference(raw.decode("utf-8")))
    except UnicodeDecodeError as exc:
        yield rejected(1, f"not UTF-8 text: {exc.reason}", "")
        return
    except InvalidList as exc:
        yield rejected(exc.line or 1, exc.reason, "")
        return
    if not frames:
        yield rejected(1, "no frame in the file", "")
        return
    yield HashEntry(
        SignalType.VPDQ, digest(frames), options.default_category(), line=1, frames=frames
    )


def export(entries: Iterable[HashEntry], out: TextIO, bank: Bank) -> int:
    """Every video entry's frames, each video after a comment line naming it."""
    count = 0
    for entry in entries:
        if entry.signal_type is SignalType.VPDQ:
            out.write(f"# {bank.name} vpdq {entry.value}\n{format_reference(entry.frames)}")
            count += 1
    return count
