"""The hard deadline around video decoding: a hang costs the deadline, never the scan."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from crible.model.errors import MediaError
from crible.model.media import MediaLocation
from crible.model.scans import ScanOptions
from crible.services import scan_worker
from crible.services.demo_media import picture, write_slideshow
from crible.signals.deadline import with_deadline


def _hang() -> int:
    time.sleep(600)
    return 0


def _fail() -> int:
    raise MediaError("no frame decodes")


def _die() -> int:
    os._exit(9)


def test_result_error_and_kill() -> None:
    assert with_deadline(lambda: [1, 2, 3], 30) == [1, 2, 3]
    with pytest.raises(MediaError, match=r"clip.mp4: no frame decodes"):
        with_deadline(_fail, 30, source="clip.mp4")
    with pytest.raises(MediaError, match="died without an answer"):
        with_deadline(_die, 30)
    # _hang sleeps ten minutes: returning at all means the child was killed
    with pytest.raises(MediaError, match=r"hard time limit of 0\.5 s"):
        with_deadline(_hang, 0.5, source="clip.mp4")


def test_a_hanging_decoder_is_a_rejection(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """FFmpeg stuck inside one call is simulated by a decoder that never returns."""
    clip = write_slideshow(tmp_path / "clip.mp4", [picture(1), picture(2)])
    monkeypatch.setattr(scan_worker, "hash_video", lambda *_a, **_k: _hang())
    monkeypatch.setattr(scan_worker, "HARD_MARGIN", 0.5)
    location = MediaLocation(bytes(clip), str(clip), bytes(clip))
    outcome = scan_worker.hash_location(location, ScanOptions(video_time_limit=0.2))
    assert outcome.hashes is not None and outcome.hashes.sha256  # the file's hashes are kept
    assert outcome.rejection is not None and outcome.rejection.code == "corrupt_video"
    assert "hard time limit" in outcome.rejection.reason


def test_files_that_are_not_videos_start_no_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only a file that looks like a video is decoded in a child: a text file is not."""

    def refuse(*_a: object, **_k: object) -> None:
        raise AssertionError("a child process was started for a file that is no video")

    monkeypatch.setattr(scan_worker, "with_deadline", refuse)
    notes = tmp_path / "notes.txt"
    notes.write_text("plain text, neither a picture nor a video\n")
    location = MediaLocation(bytes(notes), str(notes), bytes(notes))
    outcome = scan_worker.hash_location(location, ScanOptions())
    assert outcome.rejection is None and outcome.hashes is not None
    assert outcome.hashes.video is None
