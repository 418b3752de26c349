"""vPDQ throughput: seconds of video hashed per second of wall time, against PyAV decoding alone.

Run: ``.venv/bin/python benchmarks/video.py --seconds 20 --fps 30``

Target: at one hashed frame per second, hash_video takes at most 1.5x the time PyAV needs to
decode the same clip (decoding every frame is the main cost; frames that are not sampled are
never converted to RGB). The 720p H.264 clip is generated once; each method then runs
``--rounds`` times in turn and its best round is kept.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crible.signals.vpdq import hash_video

WIDTH, HEIGHT = 1280, 720
TARGET_OVERHEAD = 1.5


def canvas(seed: int = 0) -> NDArray[np.uint8]:
    """A wide picture of coloured shapes; the clip pans across it."""
    rng = np.random.default_rng(seed)
    image = Image.new("RGB", (WIDTH * 2, HEIGHT), (30, 60, 90))
    draw = ImageDraw.Draw(image)
    for _ in range(80):
        x, y = int(rng.integers(0, WIDTH * 2)), int(rng.integers(0, HEIGHT))
        r = int(rng.integers(20, 120))
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
    return np.asarray(image)


def write_clip(path: Path, seconds: int, fps: int) -> None:
    """A ``seconds``-long 720p H.264 clip panning across the canvas."""
    picture = canvas()
    frames = seconds * fps
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.options = {"preset": "veryfast"}
        for index in range(frames):
            x = index * WIDTH // frames
            frame = av.VideoFrame.from_ndarray(
                np.ascontiguousarray(picture[:, x : x + WIDTH]), format="rgb24"
            )
            frame.pts, frame.time_base = index, Fraction(1, fps)
            container.mux(stream.encode(frame))
        container.mux(stream.encode())


def decode_only(path: Path) -> int:
    """Decode every frame with PyAV, threaded as hash_video does; the number of frames."""
    count = 0
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for _ in container.decode(stream):
            count += 1
    return count


def best_time(work: Callable[[], object], rounds: int) -> float:
    """The shortest wall time of ``rounds`` runs."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    """Generate the clip, time both methods, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--fps", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        clip = Path(folder) / "clip.mp4"
        start = time.perf_counter()
        write_clip(clip, args.seconds, args.fps)
        print(
            f"generated {args.seconds} s of 720p at {args.fps} fps in "
            f"{time.perf_counter() - start:.1f} s"
        )
        frames = len(hash_video(clip).frames)
        decode = best_time(lambda: decode_only(clip), args.rounds)
        hashing = best_time(lambda: hash_video(clip), args.rounds)
    ratio = hashing / decode
    print(f"decode only (PyAV):        {args.seconds / decode:7.1f} s of video per s")
    print(
        f"hash_video, 1 frame/s:     {args.seconds / hashing:7.1f} s of video per s "
        f"({frames} frames hashed)"
    )
    verdict = "ok" if ratio <= TARGET_OVERHEAD else "over target"
    print(
        f"overhead: hashing takes {ratio:.2f}x decoding (target <= {TARGET_OVERHEAD}x): {verdict}"
    )


if __name__ == "__main__":
    main()
