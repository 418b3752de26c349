"""Hashing throughput on one core: the plain PIL + pdqhash loop against crible's two modes.

Run: ``.venv/bin/python benchmarks/hashing.py --images 200 --size 1024x768``

Targets: fast >= 5x the plain loop with p99 Hamming distance to the exact hash <= 20;
exact >= 1.0x the plain loop with hashes identical to it; the whole scan pipeline
>= 1.8x faster with 2 hashing processes than with 1.

The photos are generated once; each method is then timed in its own fresh worker process
pinned to one core (see ``measure`` for why), the three methods taking turns for ``--rounds``
rounds.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pdqhash
from numpy.typing import NDArray
from PIL import Image, ImageDraw
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crible.services.scan import scan
from crible.signals.media import hash_media
from crible.signals.pdq import bits_to_hex, hamming
from crible.store import Store

FAST_MIN_RATIO = 5.0
FAST_MAX_P99 = 20
EXACT_MIN_RATIO = 1.0
SCAN_MIN_SPEEDUP = 1.8


@dataclass(frozen=True)
class Run:
    """One method's hashes and its throughput."""

    name: str
    hashes: list[str]
    seconds: float

    @property
    def per_second(self) -> float:
        return len(self.hashes) / self.seconds


def photo_like(rng: np.random.Generator, width: int, height: int) -> Image.Image:
    """A benign photo-like picture: smooth random fields at several scales, shapes, sensor noise."""
    canvas = np.full((height, width, 3), 128.0, dtype=np.float32)
    for scale, amplitude in ((256, 200.0), (96, 90.0), (32, 45.0), (10, 20.0)):
        canvas += _smooth_field(rng, width, height, scale) * amplitude
    image = Image.fromarray(np.clip(canvas, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(int(rng.integers(3, 10))):
        x0, y0 = int(rng.integers(0, width)), int(rng.integers(0, height))
        x1 = x0 + int(rng.integers(20, max(21, width // 2)))
        y1 = y0 + int(rng.integers(20, max(21, height // 2)))
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        shape = draw.ellipse if rng.random() < 0.5 else draw.rectangle
        shape([x0, y0, x1, y1], fill=colour)
    noisy = np.asarray(image, dtype=np.float32) + rng.normal(0, 4, (height, width, 3))
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))


def _smooth_field(
    rng: np.random.Generator, width: int, height: int, scale: int
) -> NDArray[np.float32]:
    """Random values on a coarse grid, upsampled bicubically: mostly luminance, some colour."""
    coarse = rng.integers(0, 256, (max(2, height // scale), max(2, width // scale), 3))
    smooth = Image.fromarray(coarse.astype(np.uint8)).resize(
        (width, height), Image.Resampling.BICUBIC
    )
    field = np.asarray(smooth, dtype=np.float32) / 255.0 - 0.5
    luminance = field.mean(axis=2, keepdims=True, dtype=np.float32)
    mixed: NDArray[np.float32] = luminance + (field - luminance) * np.float32(0.5)
    return mixed


def generate(folder: Path, count: int, width: int, height: int, seed: int) -> list[Path]:
    """Write ``count`` photo-like JPEGs (quality 90) into ``folder``."""
    rng = np.random.default_rng(seed)
    paths = []
    for index in range(count):
        path = folder / f"photo-{index:04d}.jpg"
        photo_like(rng, width, height).save(path, "JPEG", quality=90)
        paths.append(path)
    return paths


def naive_hash(path: Path) -> str:
    """The plain loop every PDQ user writes first."""
    vector, _quality = pdqhash.compute(np.asarray(Image.open(path).convert("RGB")))
    return bits_to_hex(vector)


def crible_exact(path: Path) -> str:
    """crible's hash_media, exact mode, from the file stream (crypto, PDQ and 8 variants)."""
    return _crible_hash(path, fast=False)


def crible_fast(path: Path) -> str:
    """crible's hash_media, fast mode, from the file stream."""
    return _crible_hash(path, fast=True)


def _crible_hash(path: Path, *, fast: bool) -> str:
    with open(path, "rb") as stream:
        hashes = hash_media(stream, fast=fast)
    assert hashes.pdq is not None, f"{path}: {hashes.pdq_status} {hashes.pdq_reason}"
    return hashes.pdq.value


METHODS: dict[str, Callable[[Path], str]] = {
    "naive": naive_hash,
    "exact": crible_exact,
    "fast": crible_fast,
}


def time_method(name: str, paths: Sequence[Path], core: int | None) -> tuple[list[str], float]:
    """In a worker process: warm up on a tenth of the photos, then hash them all, timed."""
    if core is not None:
        os.sched_setaffinity(0, {core})
    method = METHODS[name]
    for path in paths[: max(1, len(paths) // 10)]:
        method(path)
    start = time.perf_counter()
    hashes = [method(path) for path in paths]
    return hashes, time.perf_counter() - start


def measure(paths: Sequence[Path], rounds: int, core: int | None) -> list[Run]:
    """Time each method in a fresh process per round, rounds interleaved; keep each one's best.

    A fresh process each time because a method's speed depends on the memory allocator's state
    that the code run before it left: in one shared process the pdqhash call, which is most of
    the time, ran up to 25% slower or faster depending on which method had run before.
    A scan worker runs one method only, which is what a fresh process measures. The best round
    is kept (as timeit does): what else runs on the machine only ever adds time.
    """
    context = multiprocessing.get_context("spawn")
    seconds: dict[str, list[float]] = {name: [] for name in METHODS}
    hashes: dict[str, list[str]] = {}
    for _ in range(rounds):
        for name in METHODS:
            with ProcessPoolExecutor(max_workers=1, mp_context=context) as worker:
                hashes[name], took = worker.submit(time_method, name, paths, core).result()
            seconds[name].append(took)
    return [Run(name, hashes[name], min(seconds[name])) for name in METHODS]


def scan_seconds(images_dir: Path, workers: int) -> float:
    """Wall time of a whole ``crible scan`` (walk, hash, match, store) on a fresh SQLite store."""
    with tempfile.TemporaryDirectory(prefix="crible-bench-store-") as tmp:
        store = Store.open(f"sqlite:///{tmp}/bench.db")
        try:
            start = time.perf_counter()
            summary = scan(store, [str(images_dir)], workers=workers, resume=False)
            took = time.perf_counter() - start
        finally:
            store.close()
    assert summary.files_hashed > 0
    return took


def scan_speedup(images_dir: Path, rounds: int = 2) -> float:
    """Scan throughput with 2 hashing processes over 1 process, best of ``rounds`` each."""
    one = min(scan_seconds(images_dir, 1) for _ in range(rounds))
    two = min(scan_seconds(images_dir, 2) for _ in range(rounds))
    return one / two


def one_core() -> int | None:
    """The CPU core the timed workers are pinned to (Linux), or None without pinning."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    return min(os.sched_getaffinity(0))


def report(console: Console, naive: Run, exact: Run, fast: Run) -> bool:
    """Print the throughput table and the accuracy lines; return whether every target is met."""
    distances = np.array([hamming(a, b) for a, b in zip(fast.hashes, exact.hashes, strict=True)])
    median = int(np.median(distances))
    p99 = int(np.percentile(distances, 99, method="higher"))
    identical = sum(a == b for a, b in zip(exact.hashes, naive.hashes, strict=True))
    exact_ratio = exact.per_second / naive.per_second
    fast_ratio = fast.per_second / naive.per_second
    exact_ok = exact_ratio >= EXACT_MIN_RATIO and identical == len(naive.hashes)
    fast_ok = fast_ratio >= FAST_MIN_RATIO and p99 <= FAST_MAX_P99
    table = Table(title="PDQ hashing on one core")
    for column in ("method", "images/s", "ms/image", "vs naive", "target", "met"):
        table.add_column(column, justify="right" if column != "method" else "left")
    table.add_row(naive.name, f"{naive.per_second:.1f}", _ms(naive), "1.00x", "", "")
    table.add_row(
        exact.name, f"{exact.per_second:.1f}", _ms(exact), f"{exact_ratio:.2f}x",
        f">= {EXACT_MIN_RATIO:.1f}x, identical", _yes(exact_ok),
    )  # fmt: skip
    table.add_row(
        fast.name, f"{fast.per_second:.1f}", _ms(fast), f"{fast_ratio:.2f}x",
        f">= {FAST_MIN_RATIO:.0f}x, p99 <= {FAST_MAX_P99}", _yes(fast_ok),
    )  # fmt: skip
    console.print(table)
    console.print(f"exact identical to naive: {identical}/{len(naive.hashes)}")
    console.print(
        f"fast vs exact Hamming distance: median {median}, p99 {p99}, max {distances.max()}"
    )
    return exact_ok and fast_ok


def _ms(run: Run) -> str:
    return f"{run.seconds / len(run.hashes) * 1000:.2f}"


def _yes(ok: bool) -> str:
    return "[green]yes[/green]" if ok else "[red]NO[/red]"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=200, help="photos to generate (200)")
    parser.add_argument("--size", default="1024x768", help="WIDTHxHEIGHT (1024x768)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (1)")
    parser.add_argument(
        "--rounds", type=int, default=5, help="timed runs per method, best kept (5)"
    )
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args(argv)
    width, _, height = args.size.lower().partition("x")
    args.width, args.height = int(width), int(height)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Generate the photos once, measure the three methods, print the figures."""
    args = parse_args(argv)
    console = Console()
    core = one_core()
    console.print("workers pinned to " + ("all cores" if core is None else f"core {core}"))
    with tempfile.TemporaryDirectory(prefix="crible-bench-") as folder:
        start = time.perf_counter()
        paths = generate(Path(folder), args.images, args.width, args.height, args.seed)
        took = time.perf_counter() - start
        console.print(f"generated {len(paths)} JPEGs of {args.size} in {took:.1f} s")
        naive, exact, fast = measure(paths, args.rounds, core)
        met = report(console, naive, exact, fast)
        speedup = scan_speedup(Path(folder))
        scan_ok = speedup >= SCAN_MIN_SPEEDUP
        console.print(
            f"scan pipeline, 2 processes vs 1: {speedup:.2f}x "
            f"(target >= {SCAN_MIN_SPEEDUP}x: {_yes(scan_ok)})"
        )
    return 1 if args.check and not (met and scan_ok) else 0


if __name__ == "__main__":
    sys.exit(main())
