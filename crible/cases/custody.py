"""The custody log: each entry carries the SHA-256 of the one before it.

An entry's hash is the SHA-256 of a canonical JSON text of its fields (sorted keys, no
spaces, UTF-8, the time in UTC to the microsecond), ``prev_hash`` included, ``hash``
excluded; the first entry's ``prev_hash`` is 64 zeros. Changing, removing, inserting or
reordering any entry breaks the chain at that entry.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from crible.model.cases import CustodyEvent
from crible.model.errors import BadInput

GENESIS = "0" * 64


def stamp(at: datetime) -> str:
    """The canonical text of a time: UTC, microseconds, ``Z``."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(seq: int, at: datetime, actor: str, action: str, detail: str, prev: str) -> bytes:
    """The bytes an entry's hash is computed over."""
    fields = {
        "seq": seq,
        "at": stamp(at),
        "actor": actor,
        "action": action,
        "detail": detail,
        "prev_hash": prev,
    }
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(seq: int, at: datetime, actor: str, action: str, detail: str, prev: str) -> str:
    """SHA-256 (hex) of an entry's canonical form."""
    return hashlib.sha256(canonical(seq, at, actor, action, detail, prev)).hexdigest()


def next_event(
    last: CustodyEvent | None, at: datetime, actor: str, action: str, detail: str
) -> CustodyEvent:
    """The entry that follows ``last`` (or starts the log)."""
    seq = 1 if last is None else last.seq + 1
    prev = GENESIS if last is None else last.hash
    return CustodyEvent(
        seq=seq,
        at=at,
        actor=actor,
        action=action,
        detail=detail,
        prev_hash=prev,
        hash=entry_hash(seq, at, actor, action, detail, prev),
    )


@dataclass(frozen=True)
class ChainBreak:
    """Where a custody log stops being trustworthy, and why."""

    seq: int
    """The sequence number of the first bad entry (as found at that position)."""
    position: int
    """1-based position in the log."""
    reason: str

    def __str__(self) -> str:
        return f"custody entry {self.position} (seq {self.seq}): {self.reason}"


def verify_chain(events: Sequence[CustodyEvent]) -> ChainBreak | None:
    """The first bad entry of a log, or None if every link holds."""
    prev = GENESIS
    for position, event in enumerate(events, start=1):
        if event.seq != position:
            return ChainBreak(
                event.seq, position, f"sequence number {event.seq}, {position} expected"
            )
        if event.prev_hash != prev:
            return ChainBreak(
                event.seq, position, "previous-hash link broken (an entry before it changed)"
            )
        expected = entry_hash(
            event.seq, event.at, event.actor, event.action, event.detail, event.prev_hash
        )
        if event.hash != expected:
            return ChainBreak(event.seq, position, "content does not match its hash")
        prev = event.hash
    return None


def event_dict(event: CustodyEvent) -> dict[str, Any]:
    """The JSON form of one entry (one line of custody.jsonl)."""
    return {
        "seq": event.seq,
        "at": stamp(event.at),
        "actor": event.actor,
        "action": event.action,
        "detail": event.detail,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }


def to_jsonl(events: Iterable[CustodyEvent]) -> str:
    """A log as JSON lines."""
    return "".join(
        json.dumps(event_dict(e), sort_keys=True, ensure_ascii=False) + "\n" for e in events
    )


def from_jsonl(text: str, source: str = "custody.jsonl") -> list[CustodyEvent]:
    """Read a log written by :func:`to_jsonl`; BadInput names the line of a broken entry."""
    events = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            at = datetime.strptime(data["at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
            events.append(
                CustodyEvent(
                    seq=int(data["seq"]),
                    at=at,
                    actor=str(data["actor"]),
                    action=str(data["action"]),
                    detail=str(data["detail"]),
                    prev_hash=str(data["prev_hash"]),
                    hash=str(data["hash"]),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise BadInput(f"unreadable custody entry: {exc}", source=source, line=number) from exc
    return events
