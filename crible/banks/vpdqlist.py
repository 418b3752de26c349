"""vPDQ video hashes, one file a video: Meta's vpdq text (one line a sampled frame,
``frame_number,quality,pdq_hex,timestamp_seconds``), or HMA/python-threatexchange's signal
value (JSON: a list of ``"pdq_hex,quality,timestamp"`` strings, or the older object
``{frame_number: {"quality", "hash", "timestamp"}}``). The entry's value is the SHA-256 of the
frames in canonical form, so importing the same video twice adds nothing."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Iterator
from typing import BinaryIO, TextIO

from crible.banks.formats import ParseOptions, ParseResult, rejected
from crible.model.banks import Bank, HashEntry
from crible.model.errors import InvalidHash, InvalidList
from crible.model.signals import SignalType, VideoFrame
from crible.signals.registry import normalise
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
        text = raw.decode("utf-8").lstrip("\ufeff")
        stripped = text.lstrip()
        json_shaped = stripped.startswith(("[", "{"))
        frames = tuple(_from_json(stripped) if json_shaped else parse_reference(text))
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


def _from_json(text: str) -> list[VideoFrame]:
    """Frames from HMA's JSON shapes; any malformed part raises InvalidList."""
    try:
        data = json.loads(text)
        if isinstance(data, list):
            return [_compact(i, item) for i, item in enumerate(data)]
        if isinstance(data, dict):
            return sorted(
                (_legacy(number, item) for number, item in data.items()),
                key=lambda f: f.number,
            )
    except (ValueError, TypeError, KeyError, RecursionError, InvalidHash) as exc:
        raise InvalidList(f"not a vPDQ signal value: {exc}", line=1) from exc
    raise InvalidList("not a vPDQ signal value: expected a JSON list or object", line=1)


def _compact(number: int, item: object) -> VideoFrame:
    pdq, quality, timestamp = str(item).split(",")
    return _checked(VideoFrame(number, float(timestamp), pdq.lower(), int(quality)))


def _legacy(number: str, item: dict[str, object]) -> VideoFrame:
    frame = VideoFrame(
        int(number),
        float(str(item["timestamp"])),
        str(item["hash"]).lower(),
        int(str(item["quality"])),
    )
    return _checked(frame)


def _checked(frame: VideoFrame) -> VideoFrame:
    normalise(SignalType.PDQ, frame.pdq)
    # The same ranges as vpdq's text format (parse_reference), which also has no NaN here.
    if frame.number < 0 or not 0 <= frame.quality <= 100:
        raise ValueError(f"frame {frame.number}: frame number or quality out of range")
    if not math.isfinite(frame.timestamp) or frame.timestamp < 0:
        raise ValueError(f"frame {frame.number}: timestamp {frame.timestamp} out of range")
    return frame


def export(entries: Iterable[HashEntry], out: TextIO, bank: Bank) -> int:
    """Every video entry's frames, each video after a comment line naming it."""
    count = 0
    for entry in entries:
        if entry.signal_type is SignalType.VPDQ:
            out.write(f"# {bank.name} vpdq {entry.value}\n{format_reference(entry.frames)}")
            count += 1
    return count
