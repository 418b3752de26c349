"""Videos in containers other than MP4 (Matroska, WebM, AVI, QuickTime) are decoded and
vPDQ-hashed like the MP4 of the same pictures: same sampled times, frames within a few bits of
the MP4's, each close to the pdqhash (called here directly) of the picture it shows, and each
matched by a vPDQ list made from the MP4. The clips are generated with PyAV in the test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from PIL import Image
from sqlalchemy import select

from crible.services.banks import import_list
from crible.services.demo_media import picture
from crible.services.scan import scan
from crible.signals.crypto import hash_file
from crible.signals.vpdq import format_reference, hash_video
from crible.store import Store
from crible.store.tables import media_videos
from tests import oracles
from tests.rows import stored_frames

SIZE = (320, 240)
FPS = 10
SECONDS_EACH = 2
SCENES = (310, 311, 312)
CONTAINERS = {
    "clip.mp4": ("mp4", "mpeg4"),
    "clip.mkv": ("matroska", "mpeg4"),
    "clip.webm": ("webm", "libvpx"),
    "clip.avi": ("avi", "mpeg4"),
    "clip.mov": ("mov", "mpeg4"),
}
"""File name: (PyAV container format, video codec)."""
CLOSE = 16
"""Bits a frame may differ by between two encodings of the same picture."""


def scene_pixels(seed: int) -> Any:
    """The RGB pixels of a generated scene at the clips' size."""
    return np.asarray(picture(seed).convert("RGB").resize(SIZE, Image.Resampling.BILINEAR))


def write_clip(path: Path, container_format: str, codec: str) -> Path:
    """A clip showing each scene for SECONDS_EACH seconds, in the given container and codec."""
    with av.open(str(path), "w", format=container_format) as container:
        stream: Any = container.add_stream(codec, rate=FPS)
        stream.width, stream.height, stream.pix_fmt = *SIZE, "yuv420p"
        stream.bit_rate = 2_000_000
        for seed in SCENES:
            pixels = scene_pixels(seed)
            for _ in range(SECONDS_EACH * FPS):
                container.mux(stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")))
        container.mux(stream.encode())
    return path


def frames_of(store: Store, sha256: str) -> list[tuple[float, str, int]]:
    """(timestamp, pdq, quality) of each stored frame of a video, in time order."""
    return [(f.timestamp, f.pdq, f.quality) for _sha, f in stored_frames(store, sha256)]


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("containers")
    for name, (container_format, codec) in CONTAINERS.items():
        write_clip(folder / name, container_format, codec)
    return folder


def test_each_container_is_hashed_like_the_mp4(store: Store, clips: Path, tmp_path: Path) -> None:
    reference = tmp_path / "clip.vpdq.txt"
    reference.write_text(format_reference(hash_video(clips / "clip.mp4").frames))
    import_list(store, reference, bank="videos", fmt="vpdq", scheme="DEMO", category="DEMO")
    scenes = [oracles.pdq_of_pixels(scene_pixels(seed))[0] for seed in SCENES]

    summary = scan(store, [str(clips)], workers=1)

    assert not summary.rejected, summary.rejected
    sha = {name: hash_file(clips / name).sha256 for name in CONTAINERS}
    with store.engine.connect() as conn:
        decoded = set(conn.scalars(select(media_videos.c.sha256)))
    assert decoded == set(sha.values())
    mp4 = frames_of(store, sha["clip.mp4"])
    assert len(mp4) == len(SCENES) * SECONDS_EACH
    for name in CONTAINERS:
        frames = frames_of(store, sha[name])
        assert [round(t, 1) for t, _, _ in frames] == [round(t, 1) for t, _, _ in mp4], name
        for (time, pdq, quality), (_, mp4_pdq, _) in zip(frames, mp4, strict=True):
            shown = scenes[int(time) // SECONDS_EACH]
            assert quality >= 50, (name, time)
            assert oracles.distance(pdq, mp4_pdq) <= CLOSE, (name, time)
            assert oracles.distance(pdq, shown) <= CLOSE, (name, time)
    matched = {m.media_sha256 for m in summary.matches if m.bank_name == "videos"}
    assert matched == set(sha.values())
