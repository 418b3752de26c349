"""Undoing an ingest or a scan, on both backends: what only that run brought goes, what
another export or scan also brought stays with that one's provenance, in one audited
transaction, refused while a case holds any of it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from crible.model.categories import make_category
from crible.model.decisions import Verdict
from crible.model.errors import Conflict, EvidenceInUse, NotFound, UserError
from crible.model.scans import ScanOptions
from crible.services import audit
from crible.services.banks import import_list
from crible.services.cases import add_evidence, add_suspect, create_case
from crible.services.demo_media import picture, save_jpeg
from crible.services.demo_telegram import TelegramExport, at
from crible.services.ingest import ingest
from crible.services.processes import this_process
from crible.services.review import decide
from crible.services.scan import scan
from crible.services.undo import delete_ingest, delete_scan
from crible.signals.crypto import hash_file
from crible.store import Store
from crible.store.tables import (
    accounts,
    chats,
    ingests,
    matches,
    media,
    media_locations,
    message_media,
    message_sources,
    messages,
    scan_runs,
)
from tests.rows import count_rows

ONLY_FIRST, BOTH, ONLY_SECOND = (1, "Ann"), (2, "Ben"), (3, "Cat")
SHARED = range(4, 8)
"""Messages 4-7 are in both exports; 1-3 only in the first, 8-10 only in the second."""


def _exports(tmp: Path) -> tuple[Path, Path]:
    group = TelegramExport(7001, "Group One")
    for n in range(1, 11):
        who = ONLY_FIRST if n < 4 else ONLY_SECOND if n > 7 else BOTH
        photo = picture(100 + n) if n in (2, 5, 6, 9) else None
        group.post(n, at(n), who, f"text {n}", photo=photo)
    first, second = (
        group.write(tmp / "a", only=range(1, 8)),
        group.write(tmp / "b", only=range(4, 11)),
    )
    side = TelegramExport(7002, "Side Chat")
    side.post(1, at(3), ONLY_FIRST, "side note")
    side_doc = side.document()
    doc = json.loads(first.read_text())
    # a full-account export: the group and a chat only this export has
    full = {"chats": {"list": [{**doc}, side_doc]}}
    first.write_text(json.dumps(full), encoding="utf-8")
    return first, second


def _messages(store: Store) -> dict[str, tuple[Any, ...]]:
    """Every message by chat name and key, with what the evidence says of it."""
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(chats.c.name, messages.c.key, messages.c.text, messages.c.sent_at)
            .join(chats, chats.c.id == messages.c.chat_id)
            .add_columns(
                select(accounts.c.key)
                .where(accounts.c.id == messages.c.sender_id)
                .scalar_subquery()
            )
        ).all()
    return {f"{r[0]}/{r[1]}": (r[2], r[3], r[4]) for r in rows}


def _sources(store: Store) -> dict[str, set[int]]:
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(messages.c.key, message_sources.c.ingest_id, messages.c.first_ingest_id)
            .join(message_sources, message_sources.c.message_id == messages.c.id)
            .join(chats, chats.c.id == messages.c.chat_id)
            .where(chats.c.name == "Group One")
        ).all()
    found: dict[str, set[int]] = {}
    for key, ingest_id, first in rows:
        found.setdefault(key, set()).add(ingest_id)
        assert first in found[key] or first is None
    return found


@pytest.mark.parametrize("deleted", ["first", "second"])
def test_deleting_one_of_two_overlapping_exports_keeps_the_other_whole(
    store: Store, tmp_path: Path, deleted: str
) -> None:
    first_path, second_path = _exports(tmp_path)
    first = ingest(store, "telegram", first_path, workers=0)
    second = ingest(store, "telegram", second_path, workers=0)
    before = _messages(store)
    assert len(before) == 11 and second.messages_merged == len(SHARED)
    gone, kept = (first, second) if deleted == "first" else (second, first)
    unique = range(1, 4) if deleted == "first" else range(8, 11)

    removal = delete_ingest(store, gone.ingest_id, actor="cli:tester")

    after = _messages(store)
    expected = {
        k: v
        for k, v in before.items()
        if not (k.startswith("Group One/") and int(k.split("/")[1]) in unique)
        and not (deleted == "first" and k.startswith("Side Chat/"))
    }
    assert after == expected  # the other export's messages, each exactly as it was
    assert removal.messages_removed == len(unique) + (deleted == "first")
    assert removal.messages_kept == len(SHARED)
    assert _sources(store) == {k: {kept.ingest_id} for k in map(str, _kept_keys(deleted))}
    with store.engine.connect() as conn:
        keys = set(conn.scalars(select(accounts.c.key)))
        names = set(conn.scalars(select(chats.c.name)))
        first_ingests = set(conn.scalars(select(messages.c.first_ingest_id)))
        linked = conn.execute(
            select(message_media.c.ingest_id, message_media.c.status, message_media.c.sha256)
        ).all()
        runs = set(conn.scalars(select(scan_runs.c.id)))
    lost = ONLY_FIRST if deleted == "first" else ONLY_SECOND
    assert keys == {f"user{u}" for u, _ in (ONLY_FIRST, BOTH, ONLY_SECOND)} - {f"user{lost[0]}"}
    assert removal.accounts_removed == 1
    assert names == ({"Group One"} if deleted == "first" else {"Group One", "Side Chat"})
    assert first_ingests == {kept.ingest_id}
    assert gone.scan is not None and kept.scan is not None
    assert runs == {kept.scan.run.id} and removal.scans_removed == [gone.scan.run.id]
    assert all(ingest_id == kept.ingest_id for ingest_id, _, _ in linked)
    assert count_rows(store, ingests) == 1
    entry = list(audit.entries(store, action="ingest_delete"))
    assert [(e.actor, e.target) for e in entry] == [("cli:tester", f"ingest {gone.ingest_id}")]
    assert json.loads(entry[0].detail)["messages_removed"] == removal.messages_removed
    assert audit.verify(store).ok

    if deleted == "first":
        # the shared messages' files were linked from the deleted export: the other export
        # ingested again links its own copies
        assert removal.media_refs_unlinked == 2
        assert {s for _, s, _ in linked} == {"not_exported", "hashed"}
        again = ingest(store, "telegram", second_path, workers=0)
        assert again.messages_new == 0 and again.messages_merged == 7
        with store.engine.connect() as conn:
            statuses = conn.execute(select(message_media.c.status)).scalars().all()
        assert sorted(statuses) == ["hashed"] * 3
    else:
        assert removal.media_refs_unlinked == 0
        assert {s for _, s, _ in linked} == {"hashed"}


def _kept_keys(deleted: str) -> range:
    return range(4, 11) if deleted == "first" else range(1, 8)


def test_an_ingest_is_not_deleted_while_a_case_holds_its_sender(
    store: Store, tmp_path: Path
) -> None:
    first_path, second_path = _exports(tmp_path)
    first = ingest(store, "telegram", first_path, workers=0)
    ingest(store, "telegram", second_path, workers=0)
    case = create_case(store, "Network", actor="alice")
    add_suspect(store, case.reference, f"telegram:user{BOTH[0]}", actor="alice")
    before = _messages(store)

    with pytest.raises(EvidenceInUse, match=f"case {case.reference} holds account"):
        delete_ingest(store, first.ingest_id, actor="cli:tester")

    assert _messages(store) == before
    assert count_rows(store, ingests) == 2
    assert not list(audit.entries(store, action="ingest_delete"))
    with pytest.raises(NotFound, match="no ingest 99"):
        delete_ingest(store, 99, actor="cli:tester")


def _folders(tmp: Path) -> tuple[Path, Path, dict[int, str]]:
    """Folder x holds pictures 1-4, folder y a copy of picture 3 and picture 5."""
    x, y = tmp / "x", tmp / "y"
    for seed in (1, 2, 3, 4):
        save_jpeg(picture(seed), x / f"{seed}.jpg")
    y.mkdir()
    shutil.copy(x / "3.jpg", y / "3-copy.jpg")
    save_jpeg(picture(5), y / "5.jpg")
    sha = {s: hash_file(x / f"{s}.jpg").sha256 for s in (1, 2, 3, 4)}
    sha[5] = hash_file(y / "5.jpg").sha256
    return x, y, sha


def _listed(store: Store, tmp: Path, folders: tuple[Path, Path]) -> None:
    bank = tmp / "bank.txt"
    bank.write_text(
        "".join(
            hash_file(f / n).md5 + "\n" for f, n in ((folders[0], "3.jpg"), (folders[1], "5.jpg"))
        )
    )
    import_list(store, bank, bank="b")


@pytest.mark.parametrize("deleted", ["x", "y"])
def test_deleting_a_scan_removes_only_what_no_other_scan_saw(
    store: Store, tmp_path: Path, deleted: str
) -> None:
    x, y, sha = _folders(tmp_path)
    _listed(store, tmp_path, (x, y))
    scan_x = scan(store, [str(x)], workers=0).run.id
    scan_y = scan(store, [str(y)], workers=0).run.id
    gone, kept = (scan_x, scan_y) if deleted == "x" else (scan_y, scan_x)

    removal = delete_scan(store, gone, actor="cli:tester")

    with store.engine.connect() as conn:
        files = set(conn.scalars(select(media.c.sha256)))
        places = {
            (Path(d).name, first)
            for d, first in conn.execute(
                select(media_locations.c.display, media_locations.c.first_scan_id)
            )
        }
        found = {(a, b) for a, b in conn.execute(select(matches.c.sha256, matches.c.first_scan_id))}
        runs = set(conn.scalars(select(scan_runs.c.id)))
    assert runs == {kept}
    if deleted == "x":
        assert files == {sha[3], sha[5]}
        assert places == {("3-copy.jpg", kept), ("5.jpg", kept)}
        assert found == {(sha[3], kept), (sha[5], kept)}  # picture 3's match: now scan y's
        assert (removal.media_removed, removal.media_kept) == (3, 1)
        assert removal.locations_removed == 4 and removal.matches_removed == 0
    else:
        assert files == {sha[s] for s in (1, 2, 3, 4)}
        assert places == {(f"{s}.jpg", kept) for s in (1, 2, 3, 4)}
        assert found == {(sha[3], kept)}
        assert (removal.media_removed, removal.media_kept) == (1, 1)
        assert removal.locations_removed == 2 and removal.matches_removed == 1
    [entry] = audit.entries(store, action="scan_delete")
    assert entry.target == f"scan {gone}" and audit.verify(store).ok


def test_a_scan_is_not_deleted_while_a_case_or_a_decision_holds_its_files(
    store: Store, tmp_path: Path
) -> None:
    x, y, sha = _folders(tmp_path)
    _listed(store, tmp_path, (x, y))
    scan_x = scan(store, [str(x)], workers=0).run.id
    scan_y = scan(store, [str(y)], workers=0).run.id
    save_jpeg(picture(6), tmp_path / "z" / "6.jpg")
    scan_z = scan(store, [str(tmp_path / "z")], workers=0).run.id
    category = make_category("VIC-US", "1")
    for reviewer in ("alice", "bob"):
        decide(store, sha[3], Verdict.CONFIRM, reviewer, category=category)
    case = create_case(store, "Network", actor="alice")
    add_evidence(store, case.reference, "media", sha[3], actor="alice")
    sixth = hash_file(tmp_path / "z" / "6.jpg").sha256
    decide(store, sixth, Verdict.ESCALATE, "alice")

    for scan_id in (scan_x, scan_y):  # each saw picture 3 (y a copy), which the case holds
        with pytest.raises(EvidenceInUse, match=f"case {case.reference} holds its media {sha[3]}"):
            delete_scan(store, scan_id, actor="cli:tester")
    with pytest.raises(EvidenceInUse, match=f"reviewers decided on file {sixth}"):
        delete_scan(store, scan_z, actor="cli:tester")

    assert count_rows(store, scan_runs) == 3 and count_rows(store, media) == 6
    assert not list(audit.entries(store, action="scan_delete"))


def test_a_running_scan_and_an_ingests_scan_are_not_deleted_alone(
    store: Store, tmp_path: Path
) -> None:
    running = store.scans.create([str(tmp_path)], ScanOptions(), this_process())
    with pytest.raises(Conflict, match=f"scan {running.id} is running now"):
        delete_scan(store, running.id, actor="cli:tester")
    first_path, _ = _exports(tmp_path)
    report = ingest(store, "telegram", first_path, workers=0)
    assert report.scan is not None
    with pytest.raises(UserError, match=f"crible ingest delete {report.ingest_id}"):
        delete_scan(store, report.scan.run.id, actor="cli:tester")
