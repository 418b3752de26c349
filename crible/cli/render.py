"""How scan results look: rich tables for people, JSON for machines."""

from __future__ import annotations

import json
import os
import re
import sys
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from crible.model.matches import Match
from crible.model.scans import ScanSummary

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def make_console(*, stderr: bool = False) -> Console:
    """The console a command prints to. Lines are never folded at the console's width (80
    columns when the output is not a terminal), so a path, a hash or a ``file:line: reason``
    stays whole for the reader and for grep; tables still fit the width."""
    return Console(stderr=stderr, soft_wrap=True)


def progress_wanted() -> bool:
    """Progress bars go to a terminal, or anywhere with CRIBLE_PROGRESS=1 (0 turns them off)."""
    setting = os.environ.get("CRIBLE_PROGRESS")
    return setting == "1" or (setting != "0" and sys.stderr.isatty())


def plain(value: str) -> Text:
    """Untrusted text as shown on a terminal: never rich markup, control and direction
    characters made visible (an export could otherwise move the cursor or recolour)."""
    return Text(_CONTROL.sub(_visible, value))


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def summary_dict(summary: ScanSummary) -> dict[str, Any]:
    """A JSON-ready form of a scan summary."""
    run = summary.run
    return {
        "scan_id": run.id,
        "status": str(run.status),
        "roots": list(run.roots),
        "options": run.options.__dict__,
        "resumed": summary.resumed,
        "already_done": summary.already_done,
        "recorded_now": summary.recorded_now,
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "files_seen": summary.files_seen,
        "files_hashed": summary.files_hashed,
        "hashed_now": summary.hashed_now,
        "files_reused": summary.files_skipped,
        "distinct_media": summary.distinct_media,
        "low_quality": summary.low_quality,
        "matched_media": summary.matched_media,
        "matches": [
            {
                "sha256": m.media_sha256,
                "locations": list(summary.locations.get(m.media_sha256, ())),
                "bank": m.bank_name,
                "entry_id": m.entry_id,
                "signal_type": str(m.signal_type),
                "entry_value": m.entry_value,
                "distance": m.distance,
                "variant": m.variant,
                "frame_timestamp": m.frame_timestamp,
                "query_share": m.query_share,
                "reference_share": m.reference_share,
                "category": None
                if m.category is None
                else {"scheme": m.category.scheme, "code": m.category.code},
            }
            for m in summary.matches
        ],
        "rejected": [
            {"location": r.display, "code": r.code, "reason": r.reason} for r in summary.rejected
        ],
    }


def print_summary(console: Console, summary: ScanSummary, limit: int = 100) -> None:
    """Print the summary table, the matches and the rejected inputs."""
    run = summary.run
    table = Table(title=f"scan {run.id}: {run.status}", show_header=False)
    if summary.hashed_now is None:  # a past run, shown again
        hashed: list[tuple[str, object]] = [("hashed", summary.files_hashed)]
    else:
        hashed = [("hashed now", summary.hashed_now)]
        if summary.resumed:
            hashed.append(("done before it was interrupted", summary.already_done))
    for label, value in [
        ("files seen", summary.files_seen),
        *hashed,
        ("already known (not read again)", summary.files_skipped),
        ("distinct media (by SHA-256)", summary.distinct_media),
        ("PDQ quality too low to match", summary.low_quality),
        ("media matching a bank", summary.matched_media),
        ("rejected inputs", len(summary.rejected)),
        *([] if summary.hashed_now is None else [("resumed", "yes" if summary.resumed else "no")]),
    ]:
        table.add_row(label, str(value))
    console.print(table)
    if summary.matches:
        matches = Table(title="matches")
        matches.add_column("location", overflow="fold")
        for name in ("bank", "signal", "distance", "variant", "category"):
            matches.add_column(name, no_wrap=True)
        for m in summary.matches[:limit]:
            where = ", ".join(summary.locations.get(m.media_sha256, (m.media_sha256[:16],)))
            matches.add_row(
                plain(where),
                m.bank_name,
                str(m.signal_type),
                str(m.distance),
                _variant(m),
                str(m.category) if m.category else "",
            )
        console.print(matches)
        if len(summary.matches) > limit:
            console.print(f"... {len(summary.matches) - limit} more (crible results --json)")
    if summary.rejected:
        rejected = Table(title="rejected inputs")
        rejected.add_column("location", overflow="fold")
        rejected.add_column("reason", no_wrap=True)
        rejected.add_column("detail", overflow="fold")
        for r in summary.rejected[:limit]:
            rejected.add_row(plain(r.display), r.code, plain(r.reason))
        console.print(rejected)
        if len(summary.rejected) > limit:
            console.print(f"... {len(summary.rejected) - limit} more (crible results --json)")


def dumps(data: Any) -> str:
    """JSON text of a result."""
    return json.dumps(data, indent=2, default=str)


def _variant(match: Match) -> str:
    if match.variant == "video" and match.query_share is not None:
        return f"video {match.query_share:.0%} / {match.reference_share or 0:.0%}"
    if match.frame_timestamp is not None:
        return f"frame at {match.frame_timestamp:.1f} s"
    return match.variant or ""
