"""Network analysis at investigation scale: time and peak memory of the whole analysis.

Run: ``.venv/bin/python benchmarks/network.py`` (1M messages, 100k accounts, 2k chats, 50k
media; ``--messages`` etc. for smaller runs; ``--db`` to keep or reuse the generated store).

Target on 2 cores: under 60 s and under 4 GB for the whole analysis (read the store, every
indicator with its evidence, keyword and lead scan of every message, Leiden communities,
PageRank, betweenness, network capital, key players, scores). The figures are printed as
ratios of those budgets. The analysis runs in a fresh process so that its peak resident
memory (``ru_maxrss`` of the child) is its own, not the generator's.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from network_data import generate

TARGET_SECONDS = 60.0
TARGET_BYTES = 4 * 1024**3
KEYWORDS = ("lighthouse", "bluebird", "placeholder", "harbour")

CHILD = """
import json, sys, time
from pathlib import Path
from crible.services.suspects import AnalysisSettings, analyse
from crible.analysis.text import load_keywords
from crible.store import Store

url, keywords = sys.argv[1], Path(sys.argv[2])
steps = {}
last = [time.perf_counter(), None]

def step(name):
    now = time.perf_counter()
    if last[1] is not None:
        steps[last[1]] = now - last[0]
    last[:] = [now, name]

started = time.perf_counter()
store = Store.open(url)
analysis = analyse(store, AnalysisSettings(keyword_lists=(load_keywords(keywords),)), step)
step(None)
total = time.perf_counter() - started
ranks = {s.account_id: s.rank for s in analysis.suspects}
print(json.dumps({
    "seconds": total,
    "steps": steps,
    "suspects": len(analysis.suspects),
    "new_media": len(analysis.new_media),
    "communities": len(analysis.measures.community_sizes),
    "keyword_hits": len(analysis.keyword_hits),
    "ranks": ranks,
}))
"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--chats", type=int, default=2_000)
    parser.add_argument("--media", type=int, default=50_000)
    parser.add_argument(
        "--db", type=Path, default=None, help="SQLite file (kept; reused if it exists)"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        db = args.db or Path(scratch) / "network.db"
        url = f"sqlite:///{db}"
        roles_file = db.with_suffix(".roles.json")
        if db.exists() and roles_file.exists():
            print(f"reusing {db}")
            counts = json.loads(roles_file.read_text())
        else:
            started = time.perf_counter()
            counts = generate(
                url,
                messages=args.messages,
                accounts=args.accounts,
                chats=args.chats,
                media=args.media,
            )
            roles_file.write_text(json.dumps(counts))
            print(f"generated in {time.perf_counter() - started:.1f} s: {counts}")
        keywords = Path(scratch) / "keywords.txt"
        keywords.write_text("\n".join(KEYWORDS) + "\n")
        done = subprocess.run(
            [sys.executable, "-c", CHILD, url, str(keywords)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            sys.exit(f"the analysis failed:\n{done.stderr}")
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
        result = json.loads(done.stdout.strip().splitlines()[-1])
    seconds = result["seconds"]
    print(
        f"analysis of {args.messages:,} messages, {args.accounts:,} accounts, "
        f"{args.chats:,} chats, {args.media:,} media:"
    )
    for name, spent in result["steps"].items():
        print(f"  {name:<20} {spent:7.1f} s")
    print(
        f"  {result['suspects']:,} accounts ranked, {result['communities']:,} communities, "
        f"{result['new_media']:,} new media, {result['keyword_hits']:,} keyword hits"
    )
    print(f"time        {seconds:7.1f} s   = {seconds / TARGET_SECONDS:.2f} x the 60 s budget")
    print(f"peak memory {peak / 1024**2:7.0f} MB  = {peak / TARGET_BYTES:.2f} x the 4 GB budget")
    ranks = result["ranks"]
    for key, value in counts.items():
        if key.startswith("role:"):
            ids = value if isinstance(value, list) else [value]
            shown = ", ".join(f"#{ranks.get(str(i), '-')}" for i in ids)
            print(f"  planted {key.removeprefix('role:'):<12} ranked {shown}")


if __name__ == "__main__":
    main()
