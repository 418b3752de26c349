"""Cases: create, gather suspects and confirmed evidence, keep the custody log, build files.

Every change to a case appends an entry to its custody log (hash-chained, see
crible.cases.custody). ``case_file`` builds the CaseFile every renderer uses; it keeps only
evidence whose files are still confirmed by review (a later rejection withdraws them).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from sqlalchemy import Connection

from crible.cases.custody import verify_chain
from crible.model.cases import (
    Authority,
    Case,
    CaseFile,
    CaseKind,
    CaseSuspect,
    ConfirmedMedia,
    CustodyEvent,
    EvidenceItem,
)
from crible.model.errors import NotFound, StoreError, UserError
from crible.services.evidence import admit
from crible.services.review import (
    DEFAULT,
    ReviewSettings,
    confirmed,
    confirmed_media,
    resolved,
)
from crible.store import Store
from crible.store import cases as case_rows
from crible.store import review as review_rows


def create_case(
    store: Store, title: str, *, kind: CaseKind = CaseKind.INVESTIGATION, actor: str
) -> Case:
    """Open a case (reference CRB-YYYY-NNNN) and start its custody log."""
    if not title.strip():
        raise UserError("a case needs a title")
    with store.engine.begin() as conn:
        case = case_rows.insert_case(conn, title.strip(), kind, actor)
        case_rows.append_custody(
            conn, case.id, actor, "create", f"created {kind} case {case.reference}: {case.title}"
        )
        return case


def get_case(store: Store, ref: str | int) -> Case:
    """A case by reference or id, or NotFound."""
    with store.engine.connect() as conn:
        return case_rows.find_case(conn, str(ref))


def list_cases(store: Store) -> list[Case]:
    """Every case, oldest first."""
    with store.engine.connect() as conn:
        return case_rows.all_cases(conn)


def add_suspect(store: Store, case_ref: str | int, account: str, *, actor: str) -> CaseSuspect:
    """Put an account (store id or ``platform:key``) in a case."""
    with store.engine.begin() as conn:
        case = case_rows.find_case(conn, str(case_ref))
        account_id = case_rows.resolve_account(conn, account)
        if account_id is None:
            raise NotFound(f"no account {account!r} (give its id or platform:key)")
        platform, key, _ = case_rows.account_facts(conn, account_id)
        if case_rows.add_suspect(conn, case.id, account_id, actor):
            case_rows.append_custody(
                conn,
                case.id,
                actor,
                "add-suspect",
                f"added suspect account {account_id} ({platform} {key})",
            )
        return _suspect(conn, account_id, None, case)


def add_evidence(
    store: Store,
    case_ref: str | int,
    kind: str,
    ref: str,
    *,
    actor: str,
    settings: ReviewSettings = DEFAULT,
) -> EvidenceItem:
    """Add a confirmed item (media, message, match or decision) with its provenance chain."""
    case = get_case(store, case_ref)
    item = admit(store, kind, ref, settings)
    with store.engine.begin() as conn:
        added = case_rows.insert_evidence(
            conn,
            case.id,
            item.kind,
            item.ref,
            item.sha256,
            item.description,
            actor,
            item.provenance,
        )
        case_rows.append_custody(
            conn,
            case.id,
            actor,
            "add-evidence",
            f"added {item.kind} {item.ref}: {item.description}",
        )
        return added


def case_from_confirmed(
    store: Store,
    title: str,
    *,
    actor: str,
    kind: CaseKind = CaseKind.INVESTIGATION,
    settings: ReviewSettings = DEFAULT,
) -> Case:
    """A case holding every confirmed file as evidence and every account that posted one
    as a suspect (what the demo and a first network case start from)."""
    case = create_case(store, title, kind=kind, actor=actor)
    posters: dict[int, None] = {}
    for media in confirmed_media(store, settings):
        add_evidence(store, case.id, "media", media.sha256, actor=actor, settings=settings)
        posters.update(dict.fromkeys(media.posted_by))
    for account_id in posters:
        add_suspect(store, case.id, str(account_id), actor=actor)
    return case


def record_custody(
    store: Store, case_ref: str | int, *, actor: str, action: str, detail: str
) -> CustodyEvent:
    """Append an entry to a case's custody log (exports call this: action ``export``)."""
    with store.engine.begin() as conn:
        case = case_rows.find_case(conn, str(case_ref))
        return case_rows.append_custody(conn, case.id, actor, action, detail)


def custody_log(store: Store, case_ref: str | int) -> list[CustodyEvent]:
    """A case's custody log; StoreError if its chain is broken in the store."""
    with store.engine.connect() as conn:
        case = case_rows.find_case(conn, str(case_ref))
        log = case_rows.custody(conn, case.id)
    problem = verify_chain(log)
    if problem is not None:
        raise StoreError(f"custody log of {case.reference} is broken: {problem}")
    return log


def case_file(store: Store, case_id: int | str, settings: ReviewSettings = DEFAULT) -> CaseFile:
    """Everything a renderer needs about one case: suspects, confirmed evidence and media,
    custody, the other files of its network and the suspects that could not be routed."""
    settings = resolved(store, settings)
    case = get_case(store, case_id)
    log = custody_log(store, case.id)
    with store.engine.connect() as conn:
        suspect_rows = case_rows.suspect_rows(conn, case.id)
        suspects = tuple(
            _suspect(conn, account_id, authority, case) for account_id, authority, _ in suspect_rows
        )
        unrouted = tuple((account_id, reason) for account_id, _, reason in suspect_rows if reason)
        related = _related(conn, case)
        items = case_rows.evidence(conn, case.id)
        shas = list(dict.fromkeys(sha for item in items for sha in files_of(item)))
        decisions = review_rows.decisions_by_file(conn, shas)
    still = {sha: confirmed(store, sha, decisions.get(sha, []), settings) for sha in shas}
    media: dict[str, ConfirmedMedia] = {}
    kept: list[EvidenceItem] = []
    for item in items:
        files = [m for m in (still[sha] for sha in files_of(item)) if m is not None]
        if files:
            kept.append(item)
            for found in files:
                media.setdefault(found.sha256, found)
    return CaseFile(
        case=case,
        suspects=suspects,
        evidence=tuple(kept),
        media=tuple(media.values()),
        custody=tuple(log),
        related=related,
        unrouted=unrouted,
    )


def case_files(store: Store, settings: ReviewSettings = DEFAULT) -> Iterator[CaseFile]:
    """The CaseFile of every case, oldest first."""
    for case in list_cases(store):
        yield case_file(store, case.id, settings)


def files_of(item: EvidenceItem) -> list[str]:
    """The SHA-256 of each file an evidence item rests on (from its provenance chain)."""
    return list(dict.fromkeys(step.ref for step in item.provenance if step.kind == "file"))


def _suspect(
    conn: Connection, account_id: int, authority: Authority | None, case: Case
) -> CaseSuspect:
    platform, key, names = case_rows.account_facts(conn, account_id)
    by_kind = case_rows.account_names_by_kind(conn, account_id)
    routed = authority if authority is not None else case.authority
    return CaseSuspect(
        account_id=account_id,
        platform=platform,
        key=key,
        names=names,
        identity=case_rows.latest_identity(conn, account_id),
        authority=routed,
        screen_names=by_kind.get("username", ()),
        display_names=by_kind.get("name", ()),
    )


def _related(conn: Connection, case: Case) -> tuple[Case, ...]:
    """A routed file's siblings (other authorities, same network); a network case's files."""
    if case.parent_id is None:
        return tuple(case_rows.children(conn, case.id))
    return tuple(c for c in case_rows.children(conn, case.parent_id) if c.id != case.id)


def with_suspect_scores(
    file: CaseFile, scores: dict[int, tuple[float, tuple[str, ...]]]
) -> CaseFile:
    """The file with each suspect's ranking score and reasons (from the network analysis)."""
    suspects = tuple(
        replace(s, score=scores[s.account_id][0], reasons=scores[s.account_id][1])
        if s.account_id in scores
        else s
        for s in file.suspects
    )
    return replace(file, suspects=suspects)
