"""Identification import and jurisdiction routing of a network case into per-authority files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection

from crible.cases.identification import IdentityRow, RejectedRow, read_identities
from crible.cases.routing import Route, group_by_authority, load_tables
from crible.model.cases import Authority, Case, EvidenceItem, Identity, ProvenanceStep
from crible.model.errors import BadInput, Conflict, UserError
from crible.services.cases import files_of, get_case
from crible.store import Store
from crible.store import cases as case_rows
from crible.store import review as review_rows
from crible.store.read.views import ViewRows


@dataclass(frozen=True)
class IdentificationReport:
    """What an identification import kept and what it rejected (line, field, reason)."""

    source: str
    imported: int
    rejected: tuple[RejectedRow, ...]


@dataclass(frozen=True)
class RoutingResult:
    """The files a network case was split into, and the suspects left unrouted with why."""

    parent: Case
    children: tuple[Case, ...]
    routed: dict[str, tuple[int, ...]]
    """Child case reference -> its suspects' account ids."""
    unrouted: tuple[tuple[int, str], ...]


def import_identities(store: Store, path: Path, *, actor: str) -> IdentificationReport:
    """Import identification results from a CSV; bad rows are listed, the rest kept."""
    if not path.is_file():
        raise BadInput("no such file", source=str(path))
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInput(f"not UTF-8 text ({exc.reason})", source=str(path)) from exc
    rejected: list[RejectedRow] = []
    imported = 0
    with store.engine.begin() as conn:
        for row in read_identities(text, str(path)):
            if isinstance(row, RejectedRow):
                rejected.append(row)
                continue
            account_id = case_rows.resolve_account(conn, row.account)
            if account_id is None:
                rejected.append(
                    RejectedRow(row.line, "account", f"no account {row.account!r} in the store")
                )
                continue
            case_rows.insert_identity(conn, _identity(row, account_id), f"{path} (by {actor})")
            imported += 1
    return IdentificationReport(str(path), imported, tuple(rejected))


def route_case(
    store: Store,
    case_ref: str | int,
    *,
    fr_table: Path | None = None,
    rules: Path | None = None,
    actor: str,
) -> RoutingResult:
    """Split a network case into one child case per competent authority.

    Each child gets its suspects and the evidence that concerns them (files they posted,
    messages they sent) plus the evidence tied to no suspect of the case (network-wide);
    every child names its siblings in its custody log, and the parent records which
    suspects could not be routed and why. A case is routed once (Conflict after that).
    """
    if fr_table is None and rules is None:
        raise UserError("routing needs --fr-table (France) and/or --rules (other countries)")
    tables = load_tables(fr_table, rules)
    parent = get_case(store, case_ref)
    if parent.parent_id is not None:
        raise UserError(f"{parent.reference} is already a routed file; route its network case")
    with store.engine.begin() as conn:
        if case_rows.children(conn, parent.id):
            raise Conflict(f"{parent.reference} was already routed")
        suspects = [account_id for account_id, _, _ in case_rows.suspect_rows(conn, parent.id)]
        if not suspects:
            raise UserError(f"{parent.reference} has no suspects to route")
        routes = [(a, tables.route(case_rows.latest_identity(conn, a))) for a in suspects]
        for account_id, route in routes:
            case_rows.set_route(conn, parent.id, account_id, route.authority, route.reason)
        by_authority, unrouted = group_by_authority(routes)
        evidence = [
            (item, _accounts_of(conn, item)) for item in case_rows.evidence(conn, parent.id)
        ]
        children = [
            _child(conn, parent, authority, accounts, evidence, set(suspects), actor)
            for authority, accounts in sorted(by_authority.items(), key=lambda kv: kv[0].name)
        ]
        refs = [c.reference for c in children]
        for child in children:
            others = [r for r in refs if r != child.reference]
            case_rows.append_custody(
                conn,
                child.id,
                actor,
                "route",
                f"part of network case {parent.reference}; the other files of the network: "
                + (", ".join(others) or "none"),
            )
        case_rows.append_custody(
            conn, parent.id, actor, "route", _summary(children, unrouted, routes)
        )
    return RoutingResult(
        parent,
        tuple(children),
        {c.reference: tuple(by_authority[c.authority]) for c in children if c.authority},
        tuple(unrouted),
    )


def _child(
    conn: Connection,
    parent: Case,
    authority: Authority,
    accounts: list[int],
    evidence: list[tuple[EvidenceItem, set[int]]],
    all_suspects: set[int],
    actor: str,
) -> Case:
    child = case_rows.insert_case(
        conn,
        f"{parent.title} - {authority.name}",
        parent.kind,
        actor,
        parent_id=parent.id,
        authority=authority,
    )
    case_rows.append_custody(
        conn,
        child.id,
        actor,
        "create",
        f"created from network case {parent.reference} for {authority.name} "
        f"({authority.country} {authority.code})",
    )
    for account_id in accounts:
        case_rows.add_suspect(conn, child.id, account_id, actor, authority)
        case_rows.append_custody(
            conn, child.id, actor, "add-suspect", f"added suspect account {account_id}"
        )
    mine = set(accounts)
    for item, concerned in evidence:
        if concerned & mine or not concerned & all_suspects:
            step = ProvenanceStep(
                "case", parent.reference, f"evidence item {item.id} of the network case"
            )
            case_rows.insert_evidence(
                conn,
                child.id,
                item.kind,
                item.ref,
                item.sha256,
                item.description,
                actor,
                (*item.provenance, step),
            )
            case_rows.append_custody(
                conn,
                child.id,
                actor,
                "add-evidence",
                f"added {item.kind} {item.ref} from {parent.reference}: {item.description}",
            )
    return child


def _accounts_of(conn: Connection, item: EvidenceItem) -> set[int]:
    """Accounts an evidence item concerns: who posted its files, who sent its message."""
    found: set[int] = set()
    for sha in files_of(item):
        found.update(review_rows.posted_by(conn, sha))
    if item.kind == "message":
        sender = ViewRows(conn).sender_of(int(item.ref))
        if sender is not None:
            found.add(sender)
    return found


def _summary(
    children: list[Case], unrouted: list[tuple[int, str]], routes: list[tuple[int, Route]]
) -> str:
    parts = [f"routed {len(routes) - len(unrouted)} of {len(routes)} suspects"]
    parts += [f"{c.reference} -> {c.authority.name}" for c in children if c.authority]
    parts += [f"account {a} not routed: {why}" for a, why in unrouted]
    return "; ".join(parts)


def _identity(row: IdentityRow, account_id: int) -> Identity:
    return Identity(
        account_id=account_id,
        full_name=row.full_name,
        source=row.source,
        birth_date=row.birth_date,
        address=row.address,
        commune_code=row.commune_code,
        country=row.country,
        region=row.region,
        given_name=row.given_name,
        family_name=row.family_name,
    )
