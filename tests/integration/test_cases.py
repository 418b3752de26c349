"""Cases on both backends: only confirmed evidence enters, with its provenance and custody."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from sqlalchemy import select, update

from crible.cases.custody import next_event
from crible.model.cases import CaseKind
from crible.model.categories import make_category
from crible.model.decisions import Verdict
from crible.model.errors import Conflict, NotFound, StoreError, UserError
from crible.services.banks import import_list
from crible.services.cases import (
    add_evidence,
    add_suspect,
    case_file,
    case_from_confirmed,
    create_case,
    custody_log,
    get_case,
    list_cases,
    record_custody,
)
from crible.services.demo_media import picture
from crible.services.demo_telegram import TelegramExport, at
from crible.services.ingest import ingest
from crible.services.review import decide
from crible.services.scan import scan
from crible.store import Store
from crible.store import cases as case_rows
from crible.store.case_tables import custody_events
from crible.store.review_tables import review_decisions
from crible.store.tables import accounts, matches, message_media, messages

CATEGORY = make_category("VIC-US", "1")
USERS = {n: (9000 + n, f"member-{n}") for n in range(1, 8)}


@dataclass
class Investigation:
    """A small ingested, scanned and reviewed chat export."""

    folder: Path
    accounts: dict[int, int]
    """User number -> store account id."""
    messages: dict[int, int]
    """Export message id -> store message id."""
    confirmed: tuple[str, str]
    """Pictures 11 (posted by users 1 and 4) and 12 (user 2), confirmed by two reviewers."""
    pending: str
    """Picture 14 (user 6): listed and matched, not reviewed."""
    unlisted: str
    """Picture 13 (user 3): in no bank."""


def build_investigation(store: Store, tmp: Path) -> Investigation:
    """Ingest a one-group export, list three of its pictures, scan, confirm two of them."""
    export = TelegramExport(4242, "Group Unit")
    posts = [(1, 1, 11), (2, 2, 12), (3, 3, 13), (4, 4, 11), (5, 5, None), (6, 6, 14), (7, 7, None)]
    for message_id, user, seed in posts:
        photo = picture(seed) if seed else None
        name = f"p{seed}.jpg" if seed else None
        export.post(
            message_id,
            at(message_id),
            USERS[user],
            f"note {message_id}",
            photo=photo,
            photo_name=name,
        )
    folder = tmp / "export"
    export.write(folder)
    ingest(store, "telegram", folder, workers=0)
    with store.engine.connect() as conn:
        ids = {
            int(key): (int(mid), sha)
            for key, mid, sha in conn.execute(
                select(messages.c.key, messages.c.id, message_media.c.sha256).outerjoin(
                    message_media, message_media.c.message_id == messages.c.id
                )
            )
        }
        people = {
            n: int(conn.scalar(select(accounts.c.id).where(accounts.c.key == f"user{uid}")) or 0)
            for n, (uid, _) in USERS.items()
        }
    sha = {seed: ids[mid][1] for mid, _, seed in posts if seed}
    listed = tmp / "list.csv"
    listed.write_text(
        "signal_type,signal_value\n" + "".join(f"sha256,{sha[s]}\n" for s in (11, 12, 14))
    )
    import_list(store, listed, bank="unit", scheme="VIC-US", category="1")
    scan(store, [str(folder / "photos")], workers=0)
    for s in (11, 12):
        for reviewer in ("alice", "bob"):
            decide(store, sha[s], Verdict.CONFIRM, reviewer, category=CATEGORY)
    return Investigation(
        folder,
        people,
        {k: v[0] for k, v in ids.items()},
        (sha[11], sha[12]),
        sha[14],
        sha[13],
    )


def _match_id(store: Store, sha256: str) -> int:
    with store.engine.connect() as conn:
        return int(conn.scalar(select(matches.c.id).where(matches.c.sha256 == sha256)) or 0)


def test_cases_get_yearly_references_and_are_found_by_reference_or_id(store: Store) -> None:
    first = create_case(store, "Network A", actor="alice")
    second = create_case(store, "Platform report", kind=CaseKind.PLATFORM, actor="bob")

    year = first.created_at.year
    assert (first.reference, second.reference) == (f"CRB-{year}-0001", f"CRB-{year}-0002")
    assert get_case(store, first.reference.lower()) == first
    assert get_case(store, second.id).kind is CaseKind.PLATFORM
    assert [c.reference for c in list_cases(store)] == [first.reference, second.reference]
    with pytest.raises(NotFound, match="no case 'CRB-1999-0001'"):
        get_case(store, "CRB-1999-0001")
    with pytest.raises(UserError, match="title"):
        create_case(store, "  ", actor="alice")


def test_only_confirmed_items_enter_a_case(store: Store, tmp_path: Path) -> None:
    inv = build_investigation(store, tmp_path)
    case = create_case(store, "Network A", actor="alice")

    refusals = [
        ("media", inv.pending, "is pending, not confirmed"),
        ("media", inv.unlisted, "is pending, not confirmed"),
        ("message", str(inv.messages[5]), "carries no file confirmed"),
        ("message", str(inv.messages[6]), "carries no file confirmed"),
        ("match", str(_match_id(store, inv.pending)), "not confirmed"),
        ("message", "abc", "numeric id"),
        ("letter", "1", "unknown evidence kind"),
    ]
    for kind, ref, why in refusals:
        with pytest.raises(UserError, match=why):
            add_evidence(store, case.reference, kind, ref, actor="alice")
    with pytest.raises(NotFound):
        add_evidence(store, case.reference, "media", "0" * 64, actor="alice")
    with pytest.raises(NotFound):
        add_evidence(store, case.reference, "match", "999999", actor="alice")
    escalation = decide(store, inv.pending, Verdict.ESCALATE, "carol")
    with pytest.raises(UserError, match="is a escalate, not a confirmation"):
        add_evidence(store, case.reference, "decision", str(escalation.id), actor="alice")

    assert not case_file(store, case.id).evidence
    assert [e.action for e in custody_log(store, case.id)] == ["create"]


def test_evidence_keeps_its_provenance_chain(store: Store, tmp_path: Path) -> None:
    inv = build_investigation(store, tmp_path)
    case = create_case(store, "Network A", actor="alice")
    with store.engine.connect() as conn:
        confirmation = conn.scalar(
            select(review_decisions.c.id).where(review_decisions.c.sha256 == inv.confirmed[1])
        )

    media = add_evidence(store, case.reference, "media", inv.confirmed[0].upper(), actor="alice")
    message = add_evidence(store, case.reference, "message", str(inv.messages[1]), actor="alice")
    match = add_evidence(
        store, case.id, "match", str(_match_id(store, inv.confirmed[1])), actor="bob"
    )
    decision = add_evidence(store, case.id, "decision", str(confirmation), actor="bob")
    with pytest.raises(Conflict, match="already holds media"):
        add_evidence(store, case.reference, "media", inv.confirmed[0], actor="alice")

    kinds = [step.kind for step in media.provenance]
    assert kinds == [
        "ingest",
        "scan",
        "file",
        "message",
        "message",
        "match",
        "decision",
        "decision",
    ]
    ingest_step = media.provenance[0]
    assert "telegram export" in ingest_step.detail and "SHA-256" in ingest_step.detail
    assert media.provenance[2].ref == inv.confirmed[0] and media.sha256 == inv.confirmed[0]
    assert "by alice" in media.provenance[6].detail and "by bob" in media.provenance[7].detail
    assert "bank unit" in media.provenance[5].detail and "VIC-US 1" in media.provenance[5].detail
    assert message.sha256 is None and "carrying 1 confirmed file" in message.description
    assert (match.sha256, decision.sha256) == (inv.confirmed[1],) * 2

    file = case_file(store, case.reference)
    assert [e.kind for e in file.evidence] == ["media", "message", "match", "decision"]
    assert {m.sha256 for m in file.media} == set(inv.confirmed)
    assert all(m.confirmed_by == ("alice", "bob") for m in file.media)
    posted = {m.sha256: m.posted_by for m in file.media}
    assert posted[inv.confirmed[0]] == (inv.accounts[1], inv.accounts[4])
    assert [e.action for e in file.custody] == ["create"] + ["add-evidence"] * 4


def test_suspects_and_custody_of_a_case(store: Store, tmp_path: Path) -> None:
    inv = build_investigation(store, tmp_path)
    case = create_case(store, "Network A", actor="alice")

    one = add_suspect(store, case.reference, f"telegram:user{USERS[1][0]}", actor="alice")
    add_suspect(store, case.reference, str(inv.accounts[2]), actor="alice")
    add_suspect(store, case.reference, str(inv.accounts[2]), actor="alice")
    with pytest.raises(NotFound, match="no account"):
        add_suspect(store, case.reference, "telegram:nobody", actor="alice")
    export = record_custody(store, case.reference, actor="bob", action="export", detail="NCMEC XML")

    assert one.account_id == inv.accounts[1] and one.names == ("member-1",)
    file = case_file(store, case.id)
    assert [s.account_id for s in file.suspects] == [inv.accounts[1], inv.accounts[2]]
    assert [e.action for e in file.custody] == ["create", "add-suspect", "add-suspect", "export"]
    assert file.custody[-1] == export and export.prev_hash == file.custody[-2].hash


def test_a_rejection_after_the_fact_withdraws_the_file_from_the_case(
    store: Store, tmp_path: Path
) -> None:
    inv = build_investigation(store, tmp_path)
    case = create_case(store, "Network A", actor="alice")
    for sha in inv.confirmed:
        add_evidence(store, case.reference, "media", sha, actor="alice")

    decide(store, inv.confirmed[1], Verdict.REJECT, "carol", note="second look")

    file = case_file(store, case.reference)
    assert [m.sha256 for m in file.media] == [inv.confirmed[0]]
    assert [e.sha256 for e in file.evidence] == [inv.confirmed[0]]


def test_a_custody_log_edited_in_the_store_is_refused(store: Store) -> None:
    case = create_case(store, "Network A", actor="alice")
    record_custody(store, case.id, actor="alice", action="note", detail="checked")
    record_custody(store, case.id, actor="alice", action="note", detail="checked again")
    with store.engine.begin() as conn:
        conn.execute(
            update(custody_events)
            .where(custody_events.c.case_id == case.id, custody_events.c.seq == 2)
            .values(detail="something else")
        )

    with pytest.raises(StoreError, match=r"custody entry 2 \(seq 2\): content does not match"):
        case_file(store, case.id)


def test_a_custody_entry_prepared_before_another_change_is_refused(store: Store) -> None:
    case = create_case(store, "Network A", actor="alice")
    log = custody_log(store, case.id)
    prepared = next_event(log[-1], log[-1].at, "bob", "export", "bundle")
    stale_start = next_event(None, log[-1].at, "bob", "export", "bundle")
    wrong_link = next_event(replace(log[-1], seq=2), log[-1].at, "bob", "export", "bundle")
    record_custody(store, case.id, actor="alice", action="note", detail="came first")

    with store.engine.begin() as conn:
        for event in (prepared, stale_start, wrong_link):
            with pytest.raises(Conflict, match="changed while it was being exported"):
                case_rows.insert_custody(conn, case.id, event)
    fresh = next_event(custody_log(store, case.id)[-1], log[-1].at, "bob", "export", "bundle")
    with store.engine.begin() as conn:
        case_rows.insert_custody(conn, case.id, fresh)
    assert [e.action for e in custody_log(store, case.id)] == ["create", "note", "export"]


def test_a_case_from_every_confirmed_file_names_who_posted_them(
    store: Store, tmp_path: Path
) -> None:
    inv = build_investigation(store, tmp_path)

    case = case_from_confirmed(store, "Everything confirmed", actor="alice")

    file = case_file(store, case.id)
    assert {m.sha256 for m in file.media} == set(inv.confirmed)
    assert sorted(s.account_id for s in file.suspects) == sorted(inv.accounts[n] for n in (1, 2, 4))
    assert len(file.evidence) == 2
