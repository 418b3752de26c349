"""vPDQ on videos generated here: sampling, matching, and refusal of bad input."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any, cast

import av
import numpy as np
import pytest
from av.video.stream import VideoStream
from numpy.typing import NDArray
from PIL import Image, ImageDraw

from crible.model.errors import InvalidList, MediaError
from crible.signals.vpdq import (
    VideoFrame,
    dedupe,
    format_reference,
    hash_video,
    is_match,
    match_videos,
    parse_reference,
)

WIDTH, HEIGHT, FPS, SECONDS = 320, 240, 10, 4


def scene(seed: int, shift: int) -> NDArray[np.uint8]:
    """Coloured rectangles and discs on a plain background, moved ``shift`` pixels right."""
    rng = np.random.default_rng(seed)
    image = Image.new("RGB", (WIDTH, HEIGHT), (30, 60, 90))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y, r = (
            int(rng.integers(0, WIDTH)),
            int(rng.integers(0, HEIGHT)),
            int(rng.integers(10, 50)),
        )
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        box = (x - r + shift, y - r, x + r + shift, y + r)
        if rng.random() < 0.5:
            draw.ellipse(box, fill=colour)
        else:
            draw.rectangle(box, fill=colour)
    return np.asarray(image)


def write_video(path: Path, seed: int = 0, codec: str = "mpeg4", **options: str) -> Path:
    """A SECONDS-long clip of moving shapes at FPS frames per second."""
    with av.open(str(path), "w", options=options) as container:
        stream = cast(VideoStream, container.add_stream(codec, rate=FPS))
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.bit_rate = 2_000_000
        for index in range(SECONDS * FPS):
            frame = av.VideoFrame.from_ndarray(scene(seed, 2 * index), format="rgb24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path


def transcode(source: Path, target: Path, width: int, height: int) -> Path:
    """The same clip resized and re-encoded with H.264."""
    with av.open(str(source)) as reader, av.open(str(target), "w") as writer:
        stream = writer.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for index, frame in enumerate(reader.decode(video=0)):
            resized = frame.reformat(width, height, "yuv420p")
            resized.pts, resized.time_base = index, Fraction(1, FPS)
            writer.mux(stream.encode(resized))
        writer.mux(stream.encode())
    return target


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_video(tmp_path_factory.mktemp("vpdq") / "clip.mp4")


def test_one_frame_per_second(clip: Path) -> None:
    video = hash_video(clip)
    assert [f.number for f in video.frames] == [0, 10, 20, 30]
    assert [f.timestamp for f in video.frames] == pytest.approx([0.0, 1.0, 2.0, 3.0])
    assert all(f.quality >= 50 for f in video.frames)
    assert (video.width, video.height, video.fps) == (WIDTH, HEIGHT, FPS)
    assert video.duration == pytest.approx(SECONDS)


def test_every_frame_and_half_seconds(clip: Path) -> None:
    assert len(hash_video(clip, seconds_per_hash=0).frames) == SECONDS * FPS
    assert [f.number for f in hash_video(clip, seconds_per_hash=0.5).frames][:3] == [0, 5, 10]


def test_resized_copy_matches(clip: Path, tmp_path: Path) -> None:
    copy = transcode(clip, tmp_path / "copy.mp4", 160, 120)
    shares = match_videos(hash_video(copy).frames, hash_video(clip).frames)
    assert is_match(shares), shares


def test_unrelated_video_does_not_match(clip: Path, tmp_path: Path) -> None:
    other = write_video(tmp_path / "other.mp4", seed=7)
    shares = match_videos(hash_video(other).frames, hash_video(clip).frames)
    assert shares == (0.0, 0.0)
    assert not is_match(shares)


def test_downsample(clip: Path) -> None:
    small = hash_video(clip, downsample=(128, 128))
    assert is_match(match_videos(small.frames, hash_video(clip).frames))


def test_stream_input(clip: Path) -> None:
    with clip.open("rb") as stream:
        assert hash_video(stream) == hash_video(clip)


def expect_media_error(path: Path, *words: str, **options: Any) -> str:
    with pytest.raises(MediaError) as caught:
        hash_video(path, **options)
    reason = str(caught.value)
    assert all(word in reason for word in words), reason
    return reason


def test_truncated_file(tmp_path: Path) -> None:
    data = write_video(tmp_path / "whole.mp4").read_bytes()
    (tmp_path / "cut.mp4").write_bytes(data[: len(data) // 2])
    expect_media_error(tmp_path / "cut.mp4", "not a readable video")


def test_truncated_file_with_index_first(tmp_path: Path) -> None:
    data = write_video(tmp_path / "whole.mp4", movflags="faststart").read_bytes()
    (tmp_path / "cut.mp4").write_bytes(data[: len(data) // 2])
    expect_media_error(tmp_path / "cut.mp4", "truncated video")


def test_random_bytes(tmp_path: Path) -> None:
    path = tmp_path / "noise.mp4"
    path.write_bytes(np.random.default_rng(1).bytes(20_000))
    expect_media_error(path, "not a readable video")


def test_zero_length_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.mp4"
    path.write_bytes(b"")
    expect_media_error(path, "empty file")


def test_audio_only(tmp_path: Path) -> None:
    path = tmp_path / "sound.m4a"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("aac", rate=44_100)
        for index in range(20):
            samples = np.zeros((1, 1024), dtype=np.float32)
            frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
            frame.sample_rate, frame.pts = 44_100, index * 1024
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    expect_media_error(path, "no video stream", "audio")


def test_time_limit(clip: Path) -> None:
    expect_media_error(clip, "time limit of 0 s", time_limit=0.0)


def test_limits_on_size_duration_and_frames(clip: Path) -> None:
    expect_media_error(clip, "over the limit of 1000", max_pixels=1000)
    expect_media_error(clip, "duration", max_duration=1.0)
    expect_media_error(clip, "more than 5 frames", max_frames=5)


def test_reference_round_trip() -> None:
    frames = [
        VideoFrame(0, 0.0, "ab" * 32, 100),
        VideoFrame(30, 1.0, "0f" * 32, 42),
    ]
    assert parse_reference(format_reference(frames)) == frames
    assert parse_reference("0,100," + "ab" * 32 + ",0.000\n\n") == frames[:1]


@pytest.mark.parametrize(
    "line",
    ["x,100," + "ab" * 32 + ",0", "0,100,abc,0", "0,101," + "ab" * 32 + ",0", "0,100"],
)
def test_reference_rejects_bad_lines(line: str) -> None:
    with pytest.raises(InvalidList, match="line 2"):
        parse_reference("0,100," + "ab" * 32 + ",0.000\n" + line)


def test_dedupe_keeps_first_of_each_hash() -> None:
    a, b = "ab" * 32, "cd" * 32
    frames = [VideoFrame(i, float(i), h, 100) for i, h in enumerate([a, a, b, a])]
    assert [f.number for f in dedupe(frames)] == [0, 2]


def test_match_ignores_low_quality_frames() -> None:
    good = [VideoFrame(0, 0.0, "ab" * 32, 100)]
    poor = [VideoFrame(0, 0.0, "ab" * 32, 10)]
    assert match_videos(good, good) == (1.0, 1.0)
    assert match_videos(good, poor) == (0.0, 0.0)
