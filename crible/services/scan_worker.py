"""The part of a scan that runs in worker processes: read one location and hash it."""

from __future__ import annotations

from dataclasses import dataclass, replace

from crible.model.errors import MediaError
from crible.model.media import MediaLocation, RejectedMedia
from crible.model.scans import ScanOptions
from crible.model.signals import MediaHashes, PdqStatus, VideoHash
from crible.signals.deadline import with_deadline
from crible.signals.media import hash_media
from crible.signals.vpdq import hash_video, looks_like_video
from crible.sources import open_location

HARD_MARGIN = 10.0
_DECODE_FAILURES = {PdqStatus.CORRUPT: "corrupt_image", PdqStatus.TOO_LARGE: "image_too_large"}


@dataclass(frozen=True)
class HashOutcome:
    """What a worker sends back: the hashes, a rejection, or both."""

    location: MediaLocation
    hashes: MediaHashes | None
    rejection: RejectedMedia | None


def hash_location(location: MediaLocation, options: ScanOptions) -> HashOutcome:
    """Hash the file or zip entry at ``location``; bad content is a rejection, not a crash."""
    try:
        with open_location(location, max_bytes=options.max_file_bytes) as stream:
            hashes = hash_media(
                stream, fast=options.fast, max_pixels=options.max_pixels, source=location.display
            )
    except MediaError as exc:
        return HashOutcome(location, None, _rejected(location, "unreadable", exc.reason))
    except OSError as exc:
        return HashOutcome(location, None, _rejected(location, "unreadable", _os_reason(exc)))
    if hashes.pdq_status is PdqStatus.NOT_IMAGE:
        return _with_video(location, hashes, options)
    code = _DECODE_FAILURES.get(hashes.pdq_status)
    if code is None:
        return HashOutcome(location, hashes, None)
    reason = hashes.pdq_reason or str(hashes.pdq_status)
    return HashOutcome(location, hashes, _rejected(location, code, reason))


def _with_video(location: MediaLocation, hashes: MediaHashes, options: ScanOptions) -> HashOutcome:
    """Hash a video's frames (vPDQ) when the file is one; a broken video is a rejection
    that keeps the file's cryptographic hashes. Only a file that looks like a video is
    decoded, under a hard deadline (the soft time limit plus half, plus HARD_MARGIN seconds)
    in case FFmpeg hangs inside a call; other files cost a 32-byte read, not a process."""
    try:
        with open_location(location, max_bytes=options.max_file_bytes) as stream:
            is_video = looks_like_video(stream.read(32))
    except OSError as exc:
        return HashOutcome(location, hashes, _rejected(location, "unreadable", _os_reason(exc)))
    if not is_video:
        return HashOutcome(location, hashes, None)
    deadline = options.video_time_limit * 1.5 + HARD_MARGIN
    try:
        video = with_deadline(
            lambda: _video_of(location, options), deadline, source=location.display
        )
    except MediaError as exc:
        if exc.reason.startswith("no video stream"):
            return HashOutcome(location, hashes, None)
        return HashOutcome(location, hashes, _rejected(location, "corrupt_video", exc.reason))
    return HashOutcome(location, replace(hashes, video=video), None)


def _video_of(location: MediaLocation, options: ScanOptions) -> VideoHash:
    """The vPDQ hash of the video at ``location`` (runs in the deadline's child process)."""
    try:
        with open_location(location, max_bytes=options.max_file_bytes) as stream:
            return hash_video(
                stream,
                seconds_per_hash=options.seconds_per_frame,
                time_limit=options.video_time_limit,
            )
    except OSError as exc:
        raise MediaError(f"unreadable: {_os_reason(exc)}") from exc


def _rejected(location: MediaLocation, code: str, reason: str) -> RejectedMedia:
    return RejectedMedia(location.key, location.display, reason, code)


def _os_reason(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__
