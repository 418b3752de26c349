"""Start of a server worker: map a saved bank snapshot from disk and answer a first lookup.

Run: ``.venv/bin/python benchmarks/snapshot.py --n 10000000`` (default 1M for a quick run).

Builds a snapshot of ``--n`` random PDQ entries in one bank (the index and the entries'
metadata), saves it as ``crible serve`` does, then starts fresh processes that import crible,
load the snapshot (``BankSnapshot.load``: memory-mapped) and match one hash, as a worker does
before its first request. Prints the median start over ``--runs`` processes and its ratio to
the target of 2 s at 10M hashes (a ratio under 1 meets it).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crible.index import MihPdqIndex
from crible.index.snapshot import BankSnapshot, EntryTable
from crible.model.signals import SignalType
from crible.signals.kinds.pdq import PdqKindIndex

TARGET_S = 2.0

WORKER = """
import json, sys, time
started = time.perf_counter()
from crible.index.matcher import match_value
from crible.index.snapshot import BankSnapshot
from crible.model.signals import SignalType
snapshot = BankSnapshot.load(__import__("pathlib").Path(sys.argv[1]))
loaded = time.perf_counter()
found = match_value(snapshot, SignalType.PDQ, sys.argv[2], {SignalType.PDQ: 31})
done = time.perf_counter()
print(json.dumps({"load": loaded - started, "start": done - started, "found": len(found)}))
"""


def hex_column(hashes: np.ndarray) -> np.ndarray:
    """The hashes as 64-character hex strings (an S64 array), without a Python loop."""
    digits = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
    pairs = np.stack([digits[hashes >> 4], digits[hashes & 15]], axis=-1)
    return np.ascontiguousarray(pairs).reshape(len(hashes), 64).view("S64").reshape(-1)


def build(n: int, folder: Path) -> tuple[float, str]:
    """Save a snapshot of ``n`` random PDQ entries; returns (seconds, one listed hash)."""
    started = time.perf_counter()
    rng = np.random.default_rng(7)
    hashes = rng.integers(0, 256, size=(n, 32), dtype=np.uint8)
    ids = np.arange(1, n + 1, dtype=np.int64)
    table = EntryTable(
        ids=ids,
        banks=np.zeros(n, dtype=np.int32),
        categories=np.zeros(n, dtype=np.int32),
        values=hex_column(hashes),
    )
    index = PdqKindIndex(MihPdqIndex.from_arrays(ids, hashes))
    snapshot = BankSnapshot(
        fingerprint="benchmark",
        banks=[(1, "listed")],
        categories=[("DEMO", "DEMO")],
        entries=table,
        indexes={SignalType.PDQ: index},
    )
    snapshot.save(folder)
    return time.perf_counter() - started, bytes(table.values[n // 2]).decode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="PDQ entries (default 1M)")
    parser.add_argument("--runs", type=int, default=5, help="worker starts to time")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "snapshot"
        seconds, probe = build(args.n, folder)
        size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
        print(f"built and saved {args.n:,} entries in {seconds:.1f} s ({size / 2**20:,.0f} MiB)")
        starts, loads = [], []
        for _ in range(args.runs):
            out = subprocess.run(
                [sys.executable, "-c", WORKER, str(folder), probe],
                capture_output=True,
                text=True,
                check=True,
                cwd=Path(__file__).resolve().parents[1],
            )
            figures = json.loads(out.stdout)
            if figures["found"] < 1:
                raise SystemExit("the probe hash was not found: the snapshot is broken")
            starts.append(figures["start"])
            loads.append(figures["load"])
        start = statistics.median(starts)
        print(
            f"worker start (import, load, first lookup), median of {args.runs}: {start:.3f} s "
            f"(load {statistics.median(loads):.3f} s) = {start / TARGET_S:.3f} x the 2 s target"
        )


if __name__ == "__main__":
    main()
