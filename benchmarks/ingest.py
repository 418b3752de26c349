"""Telegram export parsing: crible's streaming parser against ``json.load`` of the same file.

Run: ``.venv/bin/python benchmarks/ingest.py --mb 1000``

Generates a single-chat Telegram Desktop export of about ``--mb`` MB (no media files:
ordinary text messages, text lists with entities, replies, forwards, edits, reactions,
file placeholders and service messages, in tdesktop's layout), then times, each in a
fresh process, crible's ``parse`` (the public API), crible's careful event-by-event reader
alone, and ``json.load``, with each one's peak resident memory (VmHWM).

Targets for ``parse``: >= 50 MB/s and a peak resident memory under 300 MB, whatever the size.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crible.ingest.telegram import parse
from crible.ingest.telegram.refs import Context
from crible.ingest.telegram.stream import Source
from crible.ingest.telegram.walk import Walker
from crible.model.chats import ChatMessage

MIN_MB_PER_S = 50.0
MAX_PEAK_MB = 300.0
METHODS = ("crible parse", "crible events only", "json.load")

_WORDS = (  # noqa: SIM905 (one sentence reads better than 35 items)
    "alpha beta gamma delta meeting tomorrow noon station coffee weather garden music film "
    "train bridge river photo market bakery library concert island forest harbour lunch "
    "ticket museum bicycle holiday mountain sunset kitchen recipe football rain"
).split()


def _sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(rng.randint(2, 28)))


def _text(rng: random.Random, members: int) -> list[Any] | str:
    """A message text: mostly a plain string, sometimes a list with entity objects."""
    if rng.random() < 0.7:
        return _sentence(rng)
    member = rng.randrange(members)
    entities: list[dict[str, Any]] = [
        {"type": "link", "text": f"https://example.org/{rng.choice(_WORDS)}"},
        {"type": "mention", "text": f"@member{member}"},
        {"type": "hashtag", "text": f"#{rng.choice(_WORDS)}"},
        {"type": "bold", "text": rng.choice(_WORDS)},
        {"type": "text_link", "text": "here", "href": "https://example.org/page"},
        {"type": "mention_name", "text": f"Member {member}", "user_id": 5000 + member},
        {"type": "phone", "text": "+33 6 00 00 00 00"},
    ]
    parts: list[Any] = [_sentence(rng) + " "]
    for entity in rng.sample(entities, rng.randint(1, 3)):
        parts += [entity, " " + _sentence(rng)]
    return parts


def _message(rng: random.Random, number: int, when: int, members: int) -> dict[str, Any]:
    """One message or service message as tdesktop writes it."""
    local = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(when + 3600))
    member = rng.randrange(members)
    out: dict[str, Any] = {
        "id": number,
        "type": "message",
        "date": local,
        "date_unixtime": str(when),
    }
    if rng.random() < 0.04:
        action = rng.choice(["invite_members", "join_group_by_link", "pin_message"])
        out.update(type="service", actor=f"Member {member}", actor_id=f"user{5000 + member}")
        out["action"] = action
        if action == "invite_members":
            out["members"] = [f"Member {rng.randrange(members)}" for _ in range(2)]
        elif action == "join_group_by_link":
            out["inviter"] = f"Member {rng.randrange(members)}"
        else:
            out["message_id"] = max(1, number - rng.randint(1, 50))
        out.update(text="", text_entities=[])
        return out
    if rng.random() < 0.08:
        out.update(edited=local, edited_unixtime=str(when + 90))
    out.update({"from": f"Member {member}", "from_id": f"user{5000 + member}"})
    if rng.random() < 0.06:
        out.update(forwarded_from="Weather channel", saved_from="Weather channel")
    if rng.random() < 0.15:
        out["reply_to_message_id"] = max(1, number - rng.randint(1, 30))
    if rng.random() < 0.05:
        note = "(File not included. Change data exporting settings to download.)"
        out.update(photo=note, photo_file_size=48213, width=1280, height=960)
    text = _text(rng, members)
    out["text"] = text
    parts = text if isinstance(text, list) else [text]
    plain = [{"type": "plain", "text": p} if isinstance(p, str) else p for p in parts]
    out["text_entities"] = plain
    if rng.random() < 0.05:
        recent = [{"from": "Member 1", "from_id": "user5001", "date": local}]
        out["reactions"] = [{"type": "emoji", "count": 2, "emoji": "👍", "recent": recent}]
    return out


def _tdesktop(value: dict[str, Any]) -> str:
    """A message in tdesktop's layout: one-space indentation, two levels in."""
    return "  " + json.dumps(value, ensure_ascii=False, indent=1).replace("\n", "\n  ")


def generate(path: Path, megabytes: int, seed: int = 1, members: int = 400) -> int:
    """Write a single-chat export of about ``megabytes`` MB; return its message count."""
    rng = random.Random(seed)
    target = megabytes * 1_000_000
    head = '{\n "name": "Neighbourhood group",\n "type": "private_supergroup",\n'
    head += ' "id": 1234567890,\n "messages": [\n'
    with path.open("w", encoding="utf-8") as out:
        size = out.write(head)
        number, when = 0, 1_600_000_000
        while size < target:
            number += 1
            when += rng.randint(1, 600)
            block = ("" if number == 1 else ",\n") + _tdesktop(_message(rng, number, when, members))
            size += len(block.encode())
            out.write(block)
        out.write("\n ]\n}\n")
    return number


def _crible(path: Path) -> Iterator[Any]:
    return parse(path)


def _events_only(path: Path) -> Iterator[Any]:
    """The careful reader alone (what ``parse`` uses for full-account exports)."""
    with path.open("rb") as raw:
        walker = Walker(Source(raw, 0), Context.for_zone(None), handover=False)
        yield from walker.document()


def run_method(name: str, path: Path) -> dict[str, float]:
    """In a fresh process: time one method over the file; its messages and peak memory."""
    start = time.perf_counter()
    if name == "json.load":
        with path.open("rb") as stream:
            messages = len(json.load(stream)["messages"])
    else:
        reader = _crible if name == "crible parse" else _events_only
        messages = sum(1 for record in reader(path) if isinstance(record, ChatMessage))
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "messages": messages, "peak_mb": peak_mb()}


def peak_mb() -> float:
    """This process's peak resident memory in MB (VmHWM; ru_maxrss where /proc is missing)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(name: str, path: Path) -> dict[str, float]:
    """Run one method in a fresh Python process and read back its figures."""
    command = [sys.executable, __file__, "--measure", name, str(path)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    figures: dict[str, float] = json.loads(done.stdout)
    return figures


def report(console: Console, size: int, figures: dict[str, dict[str, float]]) -> bool:
    """Print the table; return whether ``parse`` meets both targets."""
    table = Table(title=f"Telegram export of {size / 1e6:.0f} MB, no media")
    for column in ("method", "MB/s", "messages/s", "seconds", "peak RSS MB", "target", "met"):
        table.add_column(column, justify="left" if column in ("method", "target") else "right")
    met = False
    for name, got in figures.items():
        rate = size / 1e6 / got["seconds"]
        target, ok = "", ""
        if name == "crible parse":
            met = rate >= MIN_MB_PER_S and got["peak_mb"] < MAX_PEAK_MB
            target = f">= {MIN_MB_PER_S:.0f} MB/s, < {MAX_PEAK_MB:.0f} MB"
            ok = "[green]yes[/green]" if met else "[red]NO[/red]"
        table.add_row(
            name, f"{rate:.1f}", f"{got['messages'] / got['seconds']:,.0f}",
            f"{got['seconds']:.1f}", f"{got['peak_mb']:.0f}", target, ok,
        )  # fmt: skip
    console.print(table)
    return met


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--mb", type=int, default=1000, help="export size in MB (1000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (1)")
    parser.add_argument("--methods", default=",".join(METHODS), help="comma-separated methods")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    parser.add_argument("--measure", nargs=2, metavar=("METHOD", "FILE"), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Generate the export once, measure each method in its own process, print the figures."""
    args = parse_args(argv)
    if args.measure:
        print(json.dumps(run_method(args.measure[0], Path(args.measure[1]))))
        return 0
    console = Console()
    with tempfile.TemporaryDirectory(prefix="crible-bench-ingest-") as folder:
        path = Path(folder) / "result.json"
        start = time.perf_counter()
        count = generate(path, args.mb, args.seed)
        size = os.path.getsize(path)
        took = time.perf_counter() - start
        console.print(f"generated {count:,} messages, {size / 1e6:.0f} MB in {took:.0f} s")
        figures = {name: measure(name, path) for name in args.methods.split(",")}
        counts = {int(got["messages"]) for got in figures.values()}
        console.print(f"messages read by every method: {sorted(counts)}")
        met = report(console, size, figures) and counts == {count}
    return 1 if args.check and not met else 0


if __name__ == "__main__":
    sys.exit(main())
