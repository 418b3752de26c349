"""Persistence of cases, their suspects, evidence, identifications and custody logs."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, func, select, update
from sqlalchemy.exc import IntegrityError

from crible.cases.custody import next_event
from crible.model.cases import (
    Authority,
    Case,
    CaseKind,
    CustodyEvent,
    EvidenceItem,
    Identity,
    ProvenanceStep,
)
from crible.model.errors import Conflict, NotFound
from crible.store.case_tables import (
    case_evidence,
    case_suspects,
    cases,
    custody_events,
    identities,
)
from crible.store.columns import as_utc, now
from crible.store.sql import new_id
from crible.store.tables import account_names, accounts


def _authority(m: Any, prefix: str = "authority") -> Authority | None:
    if m[f"{prefix}_code"] is None:
        return None
    return Authority(
        country=m[f"{prefix}_country"],
        code=m[f"{prefix}_code"],
        name=m[f"{prefix}_name"],
        parent=m[f"{prefix}_parent"],
    )


def _authority_values(authority: Authority | None, prefix: str = "authority") -> dict[str, Any]:
    return {
        f"{prefix}_country": authority.country if authority else None,
        f"{prefix}_code": authority.code if authority else None,
        f"{prefix}_name": authority.name if authority else None,
        f"{prefix}_parent": authority.parent if authority else None,
    }


def case_from_row(row: Row[Any]) -> Case:
    """A Case from a row of ``cases``."""
    m = row._mapping
    created = as_utc(m["created_at"])
    assert created is not None
    return Case(
        id=m["id"],
        reference=m["reference"],
        title=m["title"],
        kind=CaseKind(m["kind"]),
        created_at=created,
        created_by=m["created_by"],
        parent_id=m["parent_id"],
        authority=_authority(m),
    )


def insert_case(
    conn: Connection,
    title: str,
    kind: CaseKind,
    actor: str,
    *,
    parent_id: int | None = None,
    authority: Authority | None = None,
) -> Case:
    """Create a case with the next reference of the year (CRB-YYYY-NNNN)."""
    stamp = now()
    prefix = f"CRB-{stamp:%Y}-"
    last = conn.scalar(
        select(func.max(cases.c.reference)).where(cases.c.reference.like(f"{prefix}%"))
    )
    number = int(str(last)[len(prefix) :]) + 1 if last else 1
    values = {
        "reference": f"{prefix}{number:04d}",
        "title": title,
        "kind": str(kind),
        "created_at": stamp,
        "created_by": actor,
        "parent_id": parent_id,
        **_authority_values(authority),
    }
    try:
        case_id = new_id(conn.execute(cases.insert().values(**values)))
    except IntegrityError as exc:
        raise Conflict(f"case reference {values['reference']} was just taken; try again") from exc
    return get_case(conn, case_id)


def get_case(conn: Connection, case_id: int) -> Case:
    """A case by id, or NotFound."""
    row = conn.execute(select(cases).where(cases.c.id == case_id)).one_or_none()
    if row is None:
        raise NotFound(f"no case with id {case_id}")
    return case_from_row(row)


def find_case(conn: Connection, ref: str) -> Case:
    """A case by reference (CRB-2026-0001) or id, or NotFound."""
    text = ref.strip()
    query = select(cases).where(cases.c.reference == text.upper())
    if text.isdigit():
        query = select(cases).where(cases.c.id == int(text))
    row = conn.execute(query).one_or_none()
    if row is None:
        raise NotFound(f"no case {ref!r} (give its reference, e.g. CRB-2026-0001, or its id)")
    return case_from_row(row)


def all_cases(conn: Connection) -> list[Case]:
    """Every case, oldest first."""
    return [case_from_row(r) for r in conn.execute(select(cases).order_by(cases.c.id))]


def children(conn: Connection, parent_id: int) -> list[Case]:
    """The cases routed from a network case."""
    query = select(cases).where(cases.c.parent_id == parent_id).order_by(cases.c.id)
    return [case_from_row(r) for r in conn.execute(query)]


def resolve_account(conn: Connection, ref: str) -> int | None:
    """An account by store id or ``platform:key``; None if unknown."""
    text = ref.strip()
    if text.isdigit():
        found = conn.scalar(select(accounts.c.id).where(accounts.c.id == int(text)))
    elif ":" in text:
        platform, key = text.split(":", 1)
        found = conn.scalar(
            select(accounts.c.id).where(
                accounts.c.platform == platform.strip().lower(), accounts.c.key == key.strip()
            )
        )
    else:
        return None
    return None if found is None else int(found)


def account_facts(conn: Connection, account_id: int) -> tuple[str, str, tuple[str, ...]]:
    """(platform, key, names shown) of an account."""
    row = conn.execute(
        select(accounts.c.platform, accounts.c.key).where(accounts.c.id == account_id)
    ).one()
    names = conn.scalars(
        select(account_names.c.value)
        .where(account_names.c.account_id == account_id)
        .order_by(account_names.c.first_seen_at, account_names.c.id)
    )
    return row[0], row[1], tuple(dict.fromkeys(names))


def account_names_by_kind(conn: Connection, account_id: int) -> dict[str, tuple[str, ...]]:
    """An account's names by kind (``name``: display names, ``username``, ``phone``), each
    oldest first."""
    found: dict[str, dict[str, None]] = {}
    for kind, value in conn.execute(
        select(account_names.c.kind, account_names.c.value)
        .where(account_names.c.account_id == account_id)
        .order_by(account_names.c.first_seen_at, account_names.c.id)
    ):
        found.setdefault(kind, {})[value] = None
    return {kind: tuple(values) for kind, values in found.items()}


def add_suspect(
    conn: Connection,
    case_id: int,
    account_id: int,
    actor: str,
    authority: Authority | None = None,
) -> bool:
    """Put an account in a case; False if it was already there."""
    exists = conn.scalar(
        select(func.count()).where(
            case_suspects.c.case_id == case_id, case_suspects.c.account_id == account_id
        )
    )
    if exists:
        return False
    conn.execute(
        case_suspects.insert().values(
            case_id=case_id,
            account_id=account_id,
            added_at=now(),
            added_by=actor,
            **_authority_values(authority),
        )
    )
    return True


def suspect_rows(conn: Connection, case_id: int) -> list[tuple[int, Authority | None, str | None]]:
    """(account id, routed authority, why unrouted) of a case's suspects, in order added."""
    query = select(case_suspects).where(case_suspects.c.case_id == case_id)
    return [
        (r._mapping["account_id"], _authority(r._mapping), r._mapping["unrouted_reason"])
        for r in conn.execute(query.order_by(case_suspects.c.id))
    ]


def set_route(
    conn: Connection, case_id: int, account_id: int, authority: Authority | None, reason: str
) -> None:
    """Record where a suspect was routed (or why not)."""
    conn.execute(
        update(case_suspects)
        .where(case_suspects.c.case_id == case_id, case_suspects.c.account_id == account_id)
        .values(unrouted_reason=reason or None, **_authority_values(authority))
    )


def insert_identity(conn: Connection, identity: Identity, imported_from: str) -> None:
    """Store one identification of an account (the latest one counts)."""
    conn.execute(
        identities.insert().values(
            account_id=identity.account_id,
            full_name=identity.full_name,
            given_name=identity.given_name,
            family_name=identity.family_name,
            birth_date=identity.birth_date,
            address=identity.address,
            commune_code=identity.commune_code,
            country=identity.country,
            region=identity.region,
            source=identity.source,
            imported_from=imported_from,
            imported_at=now(),
        )
    )


def latest_identity(conn: Connection, account_id: int) -> Identity | None:
    """The most recent identification of an account."""
    row = conn.execute(
        select(identities)
        .where(identities.c.account_id == account_id)
        .order_by(identities.c.id.desc())
        .limit(1)
    ).one_or_none()
    if row is None:
        return None
    m = row._mapping
    return Identity(
        account_id=account_id,
        full_name=m["full_name"],
        source=m["source"],
        birth_date=m["birth_date"],
        address=m["address"],
        commune_code=m["commune_code"],
        country=m["country"],
        region=m["region"],
        given_name=m["given_name"],
        family_name=m["family_name"],
    )


def insert_evidence(
    conn: Connection,
    case_id: int,
    kind: str,
    ref: str,
    sha256: str | None,
    description: str,
    actor: str,
    provenance: Sequence[ProvenanceStep],
) -> EvidenceItem:
    """Add an evidence item; Conflict if the case already holds it."""
    found = conn.scalar(
        select(func.count()).where(
            case_evidence.c.case_id == case_id,
            case_evidence.c.kind == kind,
            case_evidence.c.ref == ref,
        )
    )
    if found:
        raise Conflict(f"the case already holds {kind} {ref}")
    item_id = new_id(
        conn.execute(
            case_evidence.insert().values(
                case_id=case_id,
                kind=kind,
                ref=ref,
                sha256=sha256,
                description=description,
                added_at=now(),
                added_by=actor,
                provenance=json.dumps([_step_dict(s) for s in provenance]),
            )
        )
    )
    row = conn.execute(select(case_evidence).where(case_evidence.c.id == item_id)).one()
    return _evidence_from_row(row)


def evidence(conn: Connection, case_id: int) -> list[EvidenceItem]:
    """A case's evidence, in the order added."""
    query = select(case_evidence).where(case_evidence.c.case_id == case_id)
    return [_evidence_from_row(r) for r in conn.execute(query.order_by(case_evidence.c.id))]


def append_custody(
    conn: Connection, case_id: int, actor: str, action: str, detail: str
) -> CustodyEvent:
    """Append an entry to a case's custody log, chained to the last one."""
    event = next_event(_last_event(conn, case_id), now(), actor, action, detail)
    try:
        conn.execute(custody_events.insert().values(case_id=case_id, **_event_values(event)))
    except IntegrityError as exc:
        raise Conflict("another change to this case's custody log came first; try again") from exc
    return event


def insert_custody(conn: Connection, case_id: int, event: CustodyEvent) -> None:
    """Store an entry made beforehand (it must follow the last one stored)."""
    last = _last_event(conn, case_id)
    expected = 1 if last is None else last.seq + 1
    if event.seq != expected or (last is not None and event.prev_hash != last.hash):
        raise Conflict("the case changed while it was being exported; export it again")
    try:
        conn.execute(custody_events.insert().values(case_id=case_id, **_event_values(event)))
    except IntegrityError as exc:
        raise Conflict("the case changed while it was being exported; export it again") from exc


def _event_values(event: CustodyEvent) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "at": event.at,
        "actor": event.actor,
        "action": event.action,
        "detail": event.detail,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }


def custody(conn: Connection, case_id: int) -> list[CustodyEvent]:
    """A case's custody log, in order."""
    query = (
        select(custody_events)
        .where(custody_events.c.case_id == case_id)
        .order_by(custody_events.c.seq)
    )
    return [_event_from_row(row) for row in conn.execute(query)]


def _last_event(conn: Connection, case_id: int) -> CustodyEvent | None:
    """The latest entry of a case's custody log (what the next one chains to)."""
    row = conn.execute(
        select(custody_events)
        .where(custody_events.c.case_id == case_id)
        .order_by(custody_events.c.seq.desc())
        .limit(1)
    ).one_or_none()
    return None if row is None else _event_from_row(row)


def _event_from_row(row: Row[Any]) -> CustodyEvent:
    m = row._mapping
    at = as_utc(m["at"])
    assert at is not None
    return CustodyEvent(
        seq=m["seq"],
        at=at,
        actor=m["actor"],
        action=m["action"],
        detail=m["detail"],
        prev_hash=m["prev_hash"],
        hash=m["hash"],
    )


def _step_dict(step: ProvenanceStep) -> dict[str, Any]:
    return {
        "kind": step.kind,
        "ref": step.ref,
        "detail": step.detail,
        "at": step.at.isoformat() if step.at else None,
    }


def _evidence_from_row(row: Row[Any]) -> EvidenceItem:
    m = row._mapping
    added = as_utc(m["added_at"])
    assert added is not None
    steps = tuple(
        ProvenanceStep(
            kind=s["kind"],
            ref=s["ref"],
            detail=s["detail"],
            at=datetime.fromisoformat(s["at"]) if s["at"] else None,
        )
        for s in json.loads(m["provenance"])
    )
    return EvidenceItem(
        id=m["id"],
        kind=m["kind"],
        ref=m["ref"],
        description=m["description"],
        added_at=added,
        added_by=m["added_by"],
        sha256=m["sha256"],
        provenance=steps,
    )
