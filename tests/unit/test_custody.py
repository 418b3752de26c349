"""The custody log's hash chain: built, verified, and broken in every way it can be."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from crible.cases.custody import (
    GENESIS,
    canonical,
    entry_hash,
    from_jsonl,
    next_event,
    to_jsonl,
    verify_chain,
)
from crible.model.cases import CustodyEvent
from crible.model.errors import BadInput

T0 = datetime(2026, 5, 1, 9, 30, 0, 123456, tzinfo=UTC)


def _log(n: int = 4) -> list[CustodyEvent]:
    events: list[CustodyEvent] = []
    for i in range(n):
        last = events[-1] if events else None
        events.append(next_event(last, T0 + timedelta(minutes=i), "alice", "add", f"item {i} é"))
    return events


def test_each_entry_carries_the_hash_of_the_one_before() -> None:
    log = _log()
    assert log[0].prev_hash == GENESIS and log[0].seq == 1
    assert [e.prev_hash for e in log[1:]] == [e.hash for e in log[:-1]]
    assert verify_chain(log) is None
    assert verify_chain([]) is None


def test_the_hash_is_over_a_canonical_json_in_utc() -> None:
    event = _log(1)[0]
    text = canonical(1, T0, "alice", "add", "item 0 é", GENESIS).decode()
    assert text == (
        '{"action":"add","actor":"alice","at":"2026-05-01T09:30:00.123456Z",'
        f'"detail":"item 0 é","prev_hash":"{GENESIS}","seq":1}}'
    )
    paris = T0.astimezone(timezone(timedelta(hours=2)))
    assert entry_hash(1, paris, "alice", "add", "item 0 é", GENESIS) == event.hash


@pytest.mark.parametrize(
    ("position", "change", "reason"),
    [
        (2, {"detail": "item 1 edited"}, "content does not match its hash"),
        (3, {"actor": "mallory"}, "content does not match its hash"),
        (2, {"at": T0 + timedelta(days=1)}, "content does not match its hash"),
        (4, {"hash": "f" * 64}, "content does not match its hash"),
        (1, {"prev_hash": "1" * 64}, "previous-hash link broken"),
    ],
)
def test_a_changed_entry_is_named(position: int, change: dict[str, object], reason: str) -> None:
    log = _log()
    log[position - 1] = replace(log[position - 1], **change)  # type: ignore[arg-type]

    found = verify_chain(log)

    assert found is not None and found.position == position and reason in found.reason
    assert f"custody entry {position}" in str(found)


def test_a_rehashed_entry_still_breaks_the_next_link() -> None:
    log = _log()
    forged = replace(log[1], detail="forged")
    log[1] = replace(
        forged,
        hash=entry_hash(2, forged.at, forged.actor, forged.action, "forged", forged.prev_hash),
    )

    found = verify_chain(log)

    assert found is not None and found.position == 3 and "previous-hash" in found.reason


def test_removed_inserted_and_reordered_entries_are_found() -> None:
    log = _log()
    removed = verify_chain([log[0], log[2], log[3]])
    assert removed is not None and removed.position == 2 and "sequence number 3" in removed.reason
    swapped = verify_chain([log[0], log[2], log[1], log[3]])
    assert swapped is not None and swapped.position == 2
    dropped_first = verify_chain(log[1:])
    assert dropped_first is not None and dropped_first.position == 1


def test_jsonl_round_trip_and_unreadable_lines() -> None:
    log = _log()
    text = to_jsonl(log)
    assert len(text.splitlines()) == 4
    assert from_jsonl(text) == log
    broken = text.splitlines()
    broken[2] = broken[2][:-5]
    with pytest.raises(BadInput, match=r"custody.jsonl:3: unreadable custody entry"):
        from_jsonl("\n".join(broken))
