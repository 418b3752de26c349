"""vPDQ video signals: PDQ hashes of sampled frames, decoded with PyAV, matched as Meta's vPDQ.

Follows Meta's vpdq (facebook/ThreatExchange ``vpdq/cpp/vpdq/cpp/hashing``) step for step:
the first video stream is decoded frame by frame; a frame is sampled when its decode index is a
multiple of ``int(seconds_per_hash * fps)`` (at least 1; ``0`` samples every frame), with fps the
stream's average rate (its base rate when that is unknown); each sampled frame is converted to
RGB24 by swscale with area interpolation (resized to ``downsample`` when given) and PDQ-hashed by
the reference C++ (``pdqhash``). The ``vpdq`` package itself is not used: it is a C++ build
against a system FFmpeg, while PyAV's wheels carry their own.

Frames are returned uncollapsed (the reference files list every sampled frame); ``dedupe`` and
``match_videos`` follow python-threatexchange's ``vpdq_util`` and ``vpdq_brute_matcher``.

The time limit is checked between decoded frames: a decode call that blocks inside FFmpeg cannot
be interrupted from Python, so callers that scan untrusted files also run each file in a worker
process with a hard deadline.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import IO, Any

import av
import numpy as np
import pdqhash

from crible.model.errors import InvalidList, MediaError
from crible.model.signals import PDQ_DEFAULT_THRESHOLD, PDQ_MIN_QUALITY, VideoFrame, VideoHash

# The banded PDQ sampling of crible.signals.pdq's fast mode, used here at scale 1 (_frame_pdq).
from crible.signals.pdq import (
    LUMA_WEIGHTS,
    bits_to_hex,
    describe_error,
    hamming,
    luma64,
    luma_to_rgb,
)

MATCH_SHARE_THRESHOLD = 0.8
"""vPDQ's default: a video matches when both shares of matching frames reach 80%."""

DEFAULT_MAX_DURATION = 24 * 3600.0
"""A video claiming to last longer than this (seconds) is refused as absurd."""

_MIN_SIDE = 5
"""Smaller frames cannot be PDQ-hashed (vpdq refuses them too)."""

_IN_FLIGHT = 2
"""Sampled frames converted to RGB and waiting for the hashing thread, at most."""

VideoSource = str | Path | IO[bytes]


_VIDEO_MAGIC: tuple[tuple[int, bytes], ...] = (
    (4, b"ftyp"),  # MP4, MOV, 3GP, M4V
    (0, b"\x1a\x45\xdf\xa3"),  # Matroska, WebM
    (0, b"FLV"),
    (0, b"\x00\x00\x01\xba"),  # MPEG program stream
    (0, b"\x00\x00\x01\xb3"),  # MPEG video
)


def looks_like_video(head: bytes) -> bool:
    """Whether the first bytes (16 or more) are those of a video container crible decodes."""
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return True
    return any(head[at : at + len(magic)] == magic for at, magic in _VIDEO_MAGIC)


def hash_video(
    source: VideoSource,
    *,
    seconds_per_hash: float = 1.0,
    downsample: tuple[int, int] | None = None,
    time_limit: float = 120.0,
    max_frames: int = 200_000,
    max_pixels: int = 8192 * 8192,
    max_duration: float = DEFAULT_MAX_DURATION,
) -> VideoHash:
    """The vPDQ hash of a video file (path or binary stream); raises MediaError with a reason.

    ``max_frames`` bounds the decoded frames, ``max_pixels`` the frame size, ``max_duration``
    the duration the container claims, and ``time_limit`` the wall time spent decoding.
    Errors opening a path (OSError: missing file, no permission) propagate.
    """
    if seconds_per_hash < 0 or not math.isfinite(seconds_per_hash):
        raise ValueError(f"seconds_per_hash must be >= 0, not {seconds_per_hash}")
    name = source if isinstance(source, str | Path) else getattr(source, "name", None)
    shown = None if name is None else str(name)
    limits = _Limits(time.monotonic() + time_limit, time_limit, max_frames, max_pixels)
    if isinstance(source, str | Path) and Path(source).stat().st_size == 0:
        raise MediaError("empty file (0 bytes)", source=shown)
    try:
        container = av.open(source if not isinstance(source, Path) else str(source), "r")
    except av.FFmpegError as exc:
        raise MediaError(f"not a readable video: {describe_error(exc)}", source=shown) from exc
    with container:
        stream = _video_stream(container, shown)
        width, height, fps, duration = _check_stream(
            container, stream, max_pixels, max_duration, shown
        )
        step = max(1, int(seconds_per_hash * fps))
        try:
            frames = _hash_frames(_decoded(container, stream, limits, shown), step, fps, downsample)
        except av.FFmpegError as exc:
            reason = f"cannot convert a frame: {describe_error(exc)}"
            raise MediaError(reason, source=shown) from exc
        if not frames:
            raise MediaError("the video stream holds no decodable frame", source=shown)
    return VideoHash(tuple(frames), duration, width, height, fps)


def _video_stream(container: Any, source: str | None) -> Any:
    """The first video stream, or MediaError (no stream, audio only)."""
    if not container.streams.video:
        kinds = sorted({s.type for s in container.streams}) or ["none"]
        raise MediaError(
            f"no video stream (streams: {', '.join(kinds)})",
            source=source,
        )
    stream = container.streams.video[0]
    stream.thread_type = "AUTO"
    return stream


def _check_stream(
    container: Any, stream: Any, max_pixels: int, max_duration: float, source: str | None
) -> tuple[int, int, float, float | None]:
    """Width, height, frame rate and duration, refusing absurd ones."""
    width, height = int(stream.width or 0), int(stream.height or 0)
    if width < _MIN_SIDE or height < _MIN_SIDE:
        raise MediaError(f"frame size {width}x{height} is too small to hash", source=source)
    if width * height > max_pixels:
        raise MediaError(
            f"frame size {width}x{height} = {width * height} pixels is over the limit "
            f"of {max_pixels}",
            source=source,
        )
    rate = stream.average_rate or stream.base_rate
    fps = float(rate) if rate else 0.0
    if not math.isfinite(fps) or fps <= 0 or fps > 1000:
        raise MediaError(f"absurd frame rate {fps}", source=source)
    duration = _duration(container, stream)
    if duration is not None and duration > max_duration:
        raise MediaError(
            f"duration {duration:.0f} s is over the limit of {max_duration:.0f} s", source=source
        )
    return width, height, fps, duration


def _duration(container: Any, stream: Any) -> float | None:
    """The duration in seconds the stream (or else the container) claims, if it is sensible."""
    seconds: float | None = None
    if stream.duration is not None and stream.time_base is not None:
        seconds = float(stream.duration * stream.time_base)
    elif container.duration is not None:
        seconds = float(container.duration) / av.time_base
    return seconds if seconds is not None and math.isfinite(seconds) and seconds >= 0 else None


@dataclass(frozen=True)
class _Limits:
    """What decoding one file may cost."""

    deadline: float
    time_limit: float
    max_frames: int
    max_pixels: int

    def check(self, count: int, frame: Any, source: str | None) -> None:
        """Raise MediaError when the next frame goes over a limit."""
        if time.monotonic() > self.deadline:
            raise MediaError(
                f"decoding took longer than the time limit of {self.time_limit:g} s "
                f"({count} frames decoded)",
                source=source,
            )
        if count >= self.max_frames:
            raise MediaError(f"more than {self.max_frames} frames", source=source)
        if frame.width * frame.height > self.max_pixels:
            raise MediaError(
                f"frame {count} is {frame.width}x{frame.height}, over the limit of "
                f"{self.max_pixels} pixels",
                source=source,
            )


def _decoded(
    container: Any, stream: Any, limits: _Limits, source: str | None
) -> Iterator[tuple[int, float | None, Any]]:
    """Decoded frames with their index and time, enforcing the limits between frames."""
    start = stream.start_time or 0
    base: Fraction | None = stream.time_base
    count = 0
    try:
        for frame in container.decode(stream):
            limits.check(count, frame, source)
            seconds = (
                None if frame.pts is None or base is None else float((frame.pts - start) * base)
            )
            yield count, seconds, frame
            count += 1
    except av.FFmpegError as exc:
        raise MediaError(
            f"corrupt video after {count} frames: {describe_error(exc)}", source=source
        ) from exc
    if time.monotonic() > limits.deadline:
        raise MediaError(
            f"decoding took longer than the time limit of {limits.time_limit:g} s", source=source
        )
    expected = int(stream.frames or 0)
    if expected and count < expected * 0.9:
        raise MediaError(f"truncated video: {count} of {expected} frames decoded", source=source)


def _hash_frames(
    decoded: Iterable[tuple[int, float | None, Any]],
    step: int,
    fps: float,
    downsample: tuple[int, int] | None,
) -> list[VideoFrame]:
    """PDQ-hash every ``step``-th decoded frame; the others are never converted to RGB.

    Hashing runs in one helper thread while decoding goes on (numpy and FFmpeg release the
    GIL): measured with benchmarks/video.py, 1.27x decoding time instead of 1.41x. At most
    _IN_FLIGHT frames wait for it, so memory stays bounded when hashing every frame.
    """
    width, height = downsample if downsample is not None else (None, None)
    frames: list[VideoFrame] = []
    waiting: deque[tuple[int, float, Future[tuple[str, int]]]] = deque()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="vpdq") as pool:
        for number, seconds, frame in decoded:
            if number % step:
                continue
            rgb = frame.reformat(width, height, "rgb24", interpolation="AREA").to_ndarray()
            timestamp = round(seconds if seconds is not None else number / fps, 6)
            waiting.append((number, timestamp, pool.submit(_frame_pdq, rgb)))
            while len(waiting) > _IN_FLIGHT:
                frames.append(_collect(*waiting.popleft()))
        frames.extend(_collect(*entry) for entry in waiting)
    return frames


def _collect(number: int, timestamp: float, pending: Future[tuple[str, int]]) -> VideoFrame:
    """The VideoFrame of a frame once its hash is computed."""
    pdq, quality = pending.result()
    return VideoFrame(number, timestamp, pdq, quality)


def _frame_pdq(rgb: Any) -> tuple[str, int]:
    """The PDQ hash and quality of an RGB frame.

    Computes the 64x64 luma that PDQ's Jarosz filter and decimation would give (the banded
    weights of crible.signals.pdq's fast mode, at scale 1) and lets pdqhash hash that, on
    which its filter is the identity. Measured on the 720p doorknob sample: 3 ms a frame
    instead of 16 ms for pdqhash on the full frame, 0-2 bits from its hash, same quality;
    benchmarks/video.py needs the difference to stay within 1.5x of decoding alone.
    """
    height, width = rgb.shape[:2]
    luma = np.asarray(rgb, dtype=np.float32) @ LUMA_WEIGHTS
    vector, quality = pdqhash.compute(luma_to_rgb(luma64(luma, width, height, 1)))
    return bits_to_hex(vector), int(quality)


def dedupe(frames: Iterable[VideoFrame]) -> list[VideoFrame]:
    """The frames without repeated hashes, first occurrence kept (python-threatexchange's rule)."""
    seen: set[str] = set()
    unique: list[VideoFrame] = []
    for frame in frames:
        if frame.pdq not in seen:
            seen.add(frame.pdq)
            unique.append(frame)
    return unique


def match_videos(
    query: Sequence[VideoFrame],
    reference: Sequence[VideoFrame],
    *,
    distance: int = PDQ_DEFAULT_THRESHOLD,
    quality: int = PDQ_MIN_QUALITY,
) -> tuple[float, float]:
    """Shares (0 to 1) of query frames matching a reference frame, and of reference frames matched.

    As vPDQ's brute matcher: both sides deduplicated, frames under ``quality`` ignored, frames
    match within ``distance`` bits; (0, 0) when either side has no frame left.
    """
    left = [f.pdq for f in dedupe(query) if f.quality >= quality]
    right = [f.pdq for f in dedupe(reference) if f.quality >= quality]
    if not left or not right:
        return 0.0, 0.0
    close = np.array([[hamming(a, b) <= distance for b in right] for a in left], dtype=bool)
    return float(close.any(axis=1).mean()), float(close.any(axis=0).mean())


def is_match(shares: tuple[float, float], threshold: float = MATCH_SHARE_THRESHOLD) -> bool:
    """Whether both shares of a match_videos result reach the threshold."""
    return min(shares) >= threshold


def parse_reference(text: str) -> list[VideoFrame]:
    """Frames from vPDQ's text format, one ``frame_number,quality,pdq_hex,timestamp`` a line."""
    frames: list[VideoFrame] = []
    for line_number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        frames.append(_parse_line(line, line_number))
    return frames


def format_reference(frames: Iterable[VideoFrame]) -> str:
    """Frames in vPDQ's text format (the inverse of parse_reference)."""
    return "".join(f"{f.number},{f.quality},{f.pdq},{f.timestamp:.3f}\n" for f in frames)


def _parse_line(line: str, line_number: int) -> VideoFrame:
    """One line of the vPDQ text format; raises InvalidList naming the line."""
    parts = [part.strip() for part in line.split(",")]
    try:
        if len(parts) not in (3, 4):
            raise ValueError(f"expected 3 or 4 fields, found {len(parts)}")
        number, quality, pdq = int(parts[0]), int(parts[1]), parts[2].lower()
        timestamp = float(parts[3]) if len(parts) == 4 else math.nan
        if len(pdq) != 64 or not all(c in "0123456789abcdef" for c in pdq):
            raise ValueError(f"not a PDQ hash: {parts[2]!r}")
        if number < 0 or not 0 <= quality <= 100:
            raise ValueError("frame number or quality out of range")
        if timestamp < 0:
            raise ValueError(f"negative timestamp {timestamp}")
    except ValueError as exc:
        raise InvalidList(f"bad vPDQ line: {exc}", line=line_number) from exc
    return VideoFrame(number, timestamp, pdq, quality)
