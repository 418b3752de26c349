"""Review decisions on both backends: queue order, four-eyes, rejections that stop matching."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from crible.model.categories import make_category
from crible.model.decisions import ReviewStatus, Verdict
from crible.model.errors import Conflict, NotFound, UserError
from crible.model.signals import SignalType
from crible.services.banks import import_list
from crible.services.demo_media import picture, save_jpeg, transformed_copy
from crible.services.demo_telegram import TelegramExport, at
from crible.services.ingest import ingest
from crible.services.review import (
    OPEN,
    ReviewSettings,
    confirmed_media,
    decide,
    file_status,
    provider_feedback,
    review_item,
    review_queue,
)
from crible.services.scan import scan
from crible.signals.crypto import hash_file
from crible.signals.pdq import pdq_from_path
from crible.store import Store
from crible.store.tables import matches

SEVERE = make_category("VIC-US", "1")
MILD = make_category("VIC-US", "3")


@dataclass
class Files:
    a: str
    """Listed by PDQ in bank 'severe' (VIC-US 1)."""
    b: str
    """Listed by SHA-256 and MD5 in bank 'mild' (VIC-US 3): two matches."""
    c: str
    """Listed by SHA-256 in bank 'mild'."""
    d: str
    """Listed by PDQ in bank 'severe', like a."""


def _bank(store: Store, tmp: Path, name: str, code: str, rows: list[str]) -> None:
    path = tmp / f"{name}.csv"
    path.write_text("signal_type,signal_value\n" + "\n".join(rows) + "\n")
    assert import_list(store, path, bank=name, scheme="VIC-US", category=code).added == len(rows)


def _scanned(store: Store, tmp: Path) -> Files:
    folder = tmp / "media"
    paths = {
        k: save_jpeg(picture(seed), folder / f"{k}.jpg")
        for k, seed in zip("abcd", (1, 2, 3, 4), strict=True)
    }
    hashes = {k: hash_file(p) for k, p in paths.items()}
    _bank(
        store,
        tmp,
        "severe",
        "1",
        [f"pdq,{pdq_from_path(paths[k]).value}" for k in "ad"],
    )
    _bank(
        store,
        tmp,
        "mild",
        "3",
        [f"sha256,{hashes['b'].sha256}", f"md5,{hashes['b'].md5}", f"sha256,{hashes['c'].sha256}"],
    )
    summary = scan(store, [str(folder)], workers=0)
    assert summary.matched_media == 4
    return Files(*(hashes[k].sha256 for k in "abcd"))


def test_queue_puts_severe_categories_first_then_files_with_more_matches(
    store: Store, tmp_path: Path
) -> None:
    f = _scanned(store, tmp_path)

    queue = review_queue(store)

    assert [i.sha256 for i in queue[:2]] == sorted([f.a, f.d])
    assert [i.sha256 for i in queue[2:]] == [f.b, f.c]
    assert all(i.status is ReviewStatus.PENDING for i in queue)
    b = queue[2]
    assert b.categories == (MILD,) and len(b.match_ids) == 2 and not b.is_video
    assert b.reasons == ("matched bank mild (VIC-US 3)",) * 2
    mild = review_queue(store, category="VIC-US:3")
    assert [i.sha256 for i in mild] == [f.b, f.c]
    assert [i.sha256 for i in review_queue(store, limit=1, offset=2)] == [f.b]


def test_four_eyes_needs_two_different_reviewers(store: Store, tmp_path: Path) -> None:
    f = _scanned(store, tmp_path)

    first = decide(store, f.a, Verdict.CONFIRM, "alice", category=SEVERE)
    assert review_item(store, f.a).status is ReviewStatus.AWAITING_SECOND
    assert not list(confirmed_media(store))
    with pytest.raises(Conflict, match="alice already confirmed"):
        decide(store, f.a, Verdict.CONFIRM, "alice", category=SEVERE)
    decide(store, f.a, Verdict.CONFIRM, "bob", category=SEVERE, note="seen")

    item = review_item(store, f.a)
    assert item.status is ReviewStatus.CONFIRMED
    assert [d.reviewer for d in item.decisions] == ["alice", "bob"]
    assert item.decisions[0] == first
    assert [i.sha256 for i in review_queue(store, status=ReviewStatus.CONFIRMED)] == [f.a]
    assert f.a not in {i.sha256 for i in review_queue(store)}
    decide(store, f.b, Verdict.CONFIRM, "alice", category=MILD)
    decide(store, f.c, Verdict.ESCALATE, "alice")
    still_open = [(i.sha256, i.status) for i in review_queue(store, status=OPEN)]
    assert sorted(still_open) == sorted(
        [
            (f.d, ReviewStatus.PENDING),
            (f.b, ReviewStatus.AWAITING_SECOND),
            (f.c, ReviewStatus.ESCALATED),
        ]
    )
    assert len(review_queue(store, status=None)) == 4
    [found] = confirmed_media(store)
    facts = hash_file(tmp_path / "media" / "a.jpg")
    assert (found.sha256, found.md5, found.sha1) == (facts.sha256, facts.md5, facts.sha1)
    assert found.category == SEVERE and found.confirmed_by == ("alice", "bob")
    assert found.file_name == "a.jpg" and found.pdq is not None


def test_one_confirmation_is_enough_when_four_eyes_is_off(store: Store, tmp_path: Path) -> None:
    f = _scanned(store, tmp_path)
    single = ReviewSettings(required_confirmations=1)

    decide(store, f.c, Verdict.CONFIRM, "alice", category=MILD, settings=single)

    assert review_item(store, f.c, settings=single).status is ReviewStatus.CONFIRMED
    assert review_item(store, f.c).status is ReviewStatus.AWAITING_SECOND
    assert file_status(store, f.c.upper(), settings=single) is ReviewStatus.CONFIRMED
    assert file_status(store, f.c) is ReviewStatus.AWAITING_SECOND
    assert file_status(store, f.a) is ReviewStatus.PENDING
    assert [m.sha256 for m in confirmed_media(store, settings=single)] == [f.c]


def test_the_store_setting_holds_for_review_and_cases_alike(store: Store, tmp_path: Path) -> None:
    from crible.services.audit import entries
    from crible.services.cases import add_evidence, case_file, create_case
    from crible.services.review import review_settings, set_required_confirmations

    f = _scanned(store, tmp_path)
    assert review_settings(store).required_confirmations == 2  # four-eyes unless set
    set_required_confirmations(store, 1, "admin")
    decide(store, f.c, Verdict.CONFIRM, "alice", category=MILD)

    assert review_item(store, f.c).status is ReviewStatus.CONFIRMED
    case = create_case(store, "one reviewer", actor="admin")
    add_evidence(store, case.id, "media", f.c, actor="admin")  # the case agrees: confirmed
    assert [m.sha256 for m in case_file(store, case.id).media] == [f.c]
    (changed,) = entries(store, action="config_change")
    assert changed.actor == "admin" and '"after":1' in changed.detail

    set_required_confirmations(store, 2, "admin")  # back to four-eyes: no longer enough
    assert review_item(store, f.c).status is ReviewStatus.AWAITING_SECOND
    assert case_file(store, case.id).media == ()
    with pytest.raises(UserError, match="1 to 5"):
        set_required_confirmations(store, 0, "admin")


def test_decisions_that_cannot_be_taken_are_refused(store: Store, tmp_path: Path) -> None:
    f = _scanned(store, tmp_path)

    with pytest.raises(UserError, match="needs its category"):
        decide(store, f.a, Verdict.CONFIRM, "alice")
    with pytest.raises(NotFound, match="no media file"):
        decide(store, "0" * 64, Verdict.REJECT, "alice")
    with pytest.raises(NotFound):
        review_item(store, "f" * 64)
    other_entry = _entry_of(store, f.c)
    with pytest.raises(UserError, match="did not match bank entry"):
        decide(store, f.b, Verdict.REJECT, "alice", entry_id=other_entry)
    with pytest.raises(UserError, match="reviewer"):
        decide(store, f.b, Verdict.ESCALATE, "  ")
    assert not review_item(store, f.b).decisions


def test_escalation_clears_earlier_confirmations(store: Store, tmp_path: Path) -> None:
    f = _scanned(store, tmp_path)

    decide(store, f.b, Verdict.CONFIRM, "alice", category=MILD)
    decide(store, f.b, Verdict.ESCALATE, "bob", note="unsure")
    assert review_item(store, f.b).status is ReviewStatus.ESCALATED
    decide(store, f.b, Verdict.CONFIRM, "carol", category=SEVERE)
    decide(store, f.b, Verdict.CONFIRM, "alice", category=MILD)

    assert review_item(store, f.b).status is ReviewStatus.CONFIRMED
    [found] = confirmed_media(store)
    assert found.confirmed_by == ("carol", "alice")
    assert found.category == SEVERE, "the most severe category of the confirmers"


def test_rejection_suppresses_the_entry_for_later_scans_and_lookups(
    store: Store, tmp_path: Path
) -> None:
    f = _scanned(store, tmp_path)
    entry_a = _entry_of(store, f.a)

    decision = decide(store, f.a, Verdict.REJECT, "alice", note="a false match")
    decide(store, f.b, Verdict.REJECT, "bob")

    assert review_item(store, f.a).status is ReviewStatus.REJECTED
    assert "suppressed by a rejection" in review_item(store, f.a).reasons[0]
    again = tmp_path / "again"
    for key, seed in (("a", 1), ("d", 4)):
        transformed_copy(picture(seed), "brightened", again / f"{key}-edited.jpg")
    rescan = scan(store, [str(again)], workers=0)
    assert [m.entry_id for m in rescan.matches] == [_entry_of(store, f.d)]
    same_folder = scan(store, [str(tmp_path / "media")], workers=0)
    assert f.a not in {m.media_sha256 for m in same_folder.matches}
    b_facts = hash_file(tmp_path / "media" / "b.jpg")
    pairs = [(SignalType.SHA256, b_facts.sha256), (SignalType.MD5, b_facts.md5)]
    assert not list(store.exact_lookup(pairs))
    assert list(store.exact_lookup([(SignalType.SHA256, f.c)]))

    severe = list(provider_feedback(store, "severe"))
    assert [(d.id, d.entry_id, d.note) for d in severe] == [(decision.id, entry_a, "a false match")]
    assert len(list(provider_feedback(store, "mild"))) == 2
    assert len(list(provider_feedback(store))) == 3
    with pytest.raises(NotFound):
        list(provider_feedback(store, "nonexistent"))


def test_rejecting_one_entry_keeps_the_others_matching(store: Store, tmp_path: Path) -> None:
    f = _scanned(store, tmp_path)
    by_type = {
        m.signal_type: m.entry_id
        for m in scan(store, [str(tmp_path / "media")], workers=0).matches
        if m.media_sha256 == f.b
    }

    decide(store, f.b, Verdict.REJECT, "alice", entry_id=by_type[SignalType.MD5])

    hits = store.exact_lookup(
        [(SignalType.SHA256, f.b), (SignalType.MD5, hash_file(tmp_path / "media" / "b.jpg").md5)]
    )
    assert [h[0] for h in hits] == [by_type[SignalType.SHA256]]


def _entry_of(store: Store, sha256: str) -> int:
    with store.engine.connect() as conn:
        return int(conn.scalar(select(matches.c.entry_id).where(matches.c.sha256 == sha256)) or 0)


def test_new_media_reshared_by_others_comes_first(store: Store, tmp_path: Path) -> None:
    f = _scanned(store, tmp_path)
    export = TelegramExport(77, "Group Review")
    export.post(1, at(1), (501, "first"), "", photo=picture(90), photo_name="new.jpg")
    export.post(2, at(2), (502, "second"), "", photo=picture(90), photo_name="again.jpg")
    export.post(3, at(3), (503, "third"), "", photo=picture(91), photo_name="alone.jpg")
    export.write(tmp_path / "export")
    ingest(store, "telegram", tmp_path / "export", workers=0)
    new = hash_file(tmp_path / "export" / "photos" / "new.jpg").sha256

    queue = review_queue(store)

    assert queue[0].sha256 == new and not queue[0].match_ids
    assert queue[0].reasons[0].startswith("new media first posted by account ")
    assert "reshared by 1 other account(s)" in queue[0].reasons[0]
    assert {i.sha256 for i in queue[1:]} == {f.a, f.b, f.c, f.d}, "a file posted once is not new"
    assert review_item(store, new).priority == queue[0].priority
