"""Review: the queue of files to look at, reviewers' decisions, and what they confirmed.

Decisions are append-only; a file's status is derived from them, in order:

- ``confirm`` (with a category) adds its reviewer to the file's confirmers; with
  ``required_confirmations`` distinct confirmers the file is CONFIRMED, with fewer it is
  AWAITING_SECOND. The same reviewer confirming twice is refused (Conflict).
- ``reject`` makes it REJECTED and suppresses the bank entry named (or every entry the file
  matched): later scans and lookups no longer match those entries. Confirmers are cleared.
- ``escalate`` makes it ESCALATED and clears the confirmers (a senior review starts afresh).

A confirmed file's category is the most severe one its confirmers gave.
"""

from __future__ import annotations

import importlib
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crible.model.audit import AuditAction
from crible.model.cases import ConfirmedMedia
from crible.model.categories import Category, make_category
from crible.model.decisions import Decision, ReviewItem, ReviewStatus, Verdict
from crible.model.errors import BadInput, Conflict, NotFound, UserError
from crible.model.suspects import NewMedia
from crible.services import audit
from crible.store import Store
from crible.store import review as review_rows
from crible.store.columns import as_utc
from crible.store.read.queue import QueueOrder, QueueRows
from crible.store.settings import read_setting, write_setting

OPEN = frozenset({ReviewStatus.PENDING, ReviewStatus.AWAITING_SECOND, ReviewStatus.ESCALATED})
"""Files that still need a reviewer."""
NEW_MEDIA_PRIORITY = 1_000_000
SEVERITY_STEP = 10_000
QUEUE_ORDER = QueueOrder(new_media=NEW_MEDIA_PRIORITY, severity_step=SEVERITY_STEP)


@dataclass(frozen=True)
class ReviewSettings:
    """How review works in this store."""

    required_confirmations: int = 2
    """Four-eyes: distinct reviewers needed to confirm a file; 1 disables it."""


DEFAULT = ReviewSettings()
"""Passed by default: stands for the store's own setting (``review_settings``), which is
read when a function that has the store gets it; ``standing`` alone reads it as 2."""
CONFIRMATIONS = "review.required_confirmations"


def review_settings(store: Store) -> ReviewSettings:
    """The store's review settings (four-eyes unless someone set it otherwise)."""
    stored = read_setting(store.engine, CONFIRMATIONS)
    return ReviewSettings(required_confirmations=int(stored)) if stored else ReviewSettings()


def set_required_confirmations(store: Store, count: int, actor: str) -> ReviewSettings:
    """How many distinct reviewers must confirm a file in this store (1 to 5; recorded in
    the audit log)."""
    if not 1 <= count <= 5:
        raise UserError(f"required confirmations must be 1 to 5, not {count}")
    before = review_settings(store).required_confirmations
    write_setting(store.engine, CONFIRMATIONS, str(count), actor)
    audit.record(store, actor, AuditAction.CONFIG_CHANGE, CONFIRMATIONS, before=before, after=count)
    return ReviewSettings(required_confirmations=count)


def resolved(store: Store, settings: ReviewSettings) -> ReviewSettings:
    """``settings``, or the store's own when the default was passed."""
    return review_settings(store) if settings is DEFAULT else settings


@dataclass(frozen=True)
class Standing:
    """What a file's decisions add up to."""

    status: ReviewStatus
    confirmers: tuple[str, ...]
    category: Category | None
    confirmed_at: datetime | None


def standing(decisions: Sequence[Decision], settings: ReviewSettings = DEFAULT) -> Standing:
    """Derive a file's status from its decisions (oldest first)."""
    status = ReviewStatus.PENDING
    confirmers: dict[str, Category | None] = {}
    confirmed_at: datetime | None = None
    for d in decisions:
        if d.verdict is Verdict.CONFIRM:
            confirmers[d.reviewer] = d.category
            if len(confirmers) >= max(1, settings.required_confirmations):
                if status is not ReviewStatus.CONFIRMED:
                    confirmed_at = d.decided_at
                status = ReviewStatus.CONFIRMED
            else:
                status = ReviewStatus.AWAITING_SECOND
        else:
            confirmers.clear()
            confirmed_at = None
            status = (
                ReviewStatus.REJECTED if d.verdict is Verdict.REJECT else ReviewStatus.ESCALATED
            )
    categories = [c for c in confirmers.values() if c is not None]
    category = min(categories, key=_severity) if categories else None
    return Standing(status, tuple(confirmers), category, confirmed_at)


def parse_category(text: str) -> Category:
    """A category written ``SCHEME:CODE`` or ``SCHEME CODE`` (e.g. ``VIC-US:1``)."""
    for sep in (":", " "):
        if sep in text.strip():
            scheme, code = text.strip().split(sep, 1)
            return make_category(scheme, code.strip())
    raise BadInput(f"category {text!r} must be written SCHEME:CODE, e.g. VIC-US:1")


def review_queue(
    store: Store,
    *,
    status: ReviewStatus | Collection[ReviewStatus] | None = ReviewStatus.PENDING,
    category: str | None = None,
    limit: int = 50,
    offset: int = 0,
    settings: ReviewSettings = DEFAULT,
) -> list[ReviewItem]:
    """Files to review, most urgent first: new media, then severe categories, then by matches.

    ``status`` is one status, several (``OPEN``: all that still need a reviewer) or None
    (every file); ``category`` (``SCHEME:CODE``) keeps files whose matched entries or
    confirmed category carry it.
    """
    settings = resolved(store, settings)
    statuses = {status} if isinstance(status, ReviewStatus) else status
    wanted = parse_category(category) if category else None
    fresh = {n.sha256: n for n in new_media(store)}
    with QueueRows.of(store) as queue:
        page = queue.page(
            fresh,
            QUEUE_ORDER,
            required=settings.required_confirmations,
            statuses=None if statuses is None else {str(s) for s in statuses},
            category=wanted,
            limit=limit,
            offset=offset,
        )
        decisions = review_rows.decisions_by_file(queue.conn, page)
        videos = review_rows.videos_among(queue.conn, page)
        entries = review_rows.matched_files(queue.conn, page)
    return [
        _item(
            sha,
            entries.get(sha, []),
            fresh.get(sha),
            decisions.get(sha, []),
            sha in videos,
            settings,
        )
        for sha in page
    ]


def review_item(store: Store, sha256: str, settings: ReviewSettings = DEFAULT) -> ReviewItem:
    """One file as the review queue shows it; NotFound if the store does not hold it."""
    settings = resolved(store, settings)
    sha = sha256.strip().lower()
    with store.engine.connect() as conn:
        if not review_rows.media_known(conn, sha):
            raise NotFound(f"no media file with SHA-256 {sha256}")
        entries = review_rows.matched_entries(conn, sha)
        decisions = review_rows.decisions_by_file(conn, [sha]).get(sha, [])
        video = bool(review_rows.videos_among(conn, [sha]))
    fresh = next((n for n in new_media(store) if n.sha256 == sha), None)
    return _item(sha, entries, fresh, decisions, video, settings)


def file_status(store: Store, sha256: str, settings: ReviewSettings = DEFAULT) -> ReviewStatus:
    """A file's review status, from its decisions alone (PENDING if it has none)."""
    sha = sha256.strip().lower()
    with store.engine.connect() as conn:
        decisions = review_rows.decisions_by_file(conn, [sha]).get(sha, [])
    return standing(decisions, resolved(store, settings)).status


def decide(
    store: Store,
    sha256: str,
    verdict: Verdict,
    reviewer: str,
    *,
    category: Category | None = None,
    entry_id: int | None = None,
    note: str = "",
    settings: ReviewSettings = DEFAULT,
) -> Decision:
    """Record one reviewer's decision about a file (see the module doc for the rules)."""
    settings = resolved(store, settings)
    sha = sha256.strip().lower()
    reviewer = reviewer.strip()
    if not reviewer:
        raise UserError("a decision needs the reviewer's name")
    if verdict is Verdict.CONFIRM and category is None:
        raise UserError("confirming a file needs its category (e.g. VIC-US:1)")
    with store.engine.begin() as conn:
        if not review_rows.media_known(conn, sha):
            raise NotFound(f"no media file with SHA-256 {sha256}")
        entries = review_rows.matched_entries(conn, sha)
        if entry_id is not None and entry_id not in {e.entry_id for e in entries}:
            raise UserError(f"file {sha[:16]}... did not match bank entry {entry_id}")
        before = standing(review_rows.decisions_by_file(conn, [sha]).get(sha, []), settings)
        if verdict is Verdict.CONFIRM and reviewer in before.confirmers:
            raise Conflict(
                f"{reviewer} already confirmed {sha[:16]}...; a second, different reviewer "
                "must confirm it"
            )
        decision = review_rows.add_decision(conn, sha, verdict, reviewer, category, entry_id, note)
        if verdict is Verdict.REJECT:
            targets = [entry_id] if entry_id is not None else [e.entry_id for e in entries]
            review_rows.suppress(conn, targets, decision.id)
    audit.record(
        store,
        reviewer,
        AuditAction.DECISION,
        sha,
        verdict=str(verdict),
        category=str(category) if category else None,
        entry_id=entry_id,
        decision_id=decision.id,
    )
    return decision


def confirmed_media(store: Store, settings: ReviewSettings = DEFAULT) -> Iterator[ConfirmedMedia]:
    """Every file reviewers confirmed, with its hashes and category (never its bytes)."""
    settings = resolved(store, settings)
    with store.engine.connect() as conn:
        decisions = review_rows.decisions_by_file(conn)
    for sha in sorted(decisions):
        found = confirmed(store, sha, decisions[sha], settings)
        if found is not None:
            yield found


def confirmed(
    store: Store, sha256: str, decisions: Sequence[Decision], settings: ReviewSettings = DEFAULT
) -> ConfirmedMedia | None:
    """The file as ConfirmedMedia if its decisions confirm it, else None."""
    state = standing(decisions, resolved(store, settings))
    if state.status is not ReviewStatus.CONFIRMED or state.confirmed_at is None:
        return None
    with store.engine.connect() as conn:
        facts = review_rows.media_facts(conn, sha256)
        if facts is None:
            return None
        return ConfirmedMedia(
            sha256=sha256,
            md5=facts["md5"],
            sha1=facts["sha1"],
            size=int(facts["size"]),
            category=state.category,
            confirmed_by=state.confirmers,
            confirmed_at=state.confirmed_at,
            pdq=facts["pdq"],
            first_seen_at=as_utc(facts["first_seen_at"]),
            file_name=review_rows.file_name(conn, sha256),
            posted_by=review_rows.posted_by(conn, sha256),
        )


def provider_feedback(store: Store, bank: str | None = None) -> Iterator[Decision]:
    """Rejections, one per suppressed entry (``entry_id`` set), to send back to list providers."""
    if bank is not None:
        store.banks.get(bank)
    with store.engine.connect() as conn:
        yield from list(review_rows.rejections(conn, bank))


def new_media(store: Store) -> Iterator[NewMedia]:
    """Files in no bank that the network analysis flags, if that analysis is installed."""
    try:
        module: Any = importlib.import_module("crible.analysis.new_media")
    except ModuleNotFoundError:
        return iter(())
    found: Iterator[NewMedia] = module.new_media(store)
    return found


def _item(
    sha256: str,
    entries: Sequence[review_rows.MatchedEntry],
    fresh: NewMedia | None,
    decisions: Sequence[Decision],
    is_video: bool,
    settings: ReviewSettings,
) -> ReviewItem:
    state = standing(decisions, settings)
    categories = tuple(dict.fromkeys(e.category for e in entries if e.category is not None))
    if state.category is not None and state.category not in categories:
        categories = (state.category, *categories)
    reasons = [_new_media_reason(fresh)] if fresh else []
    reasons += [
        f"matched bank {e.bank} ({e.category or 'no category'})"
        + (" - entry suppressed by a rejection" if e.suppressed else "")
        for e in entries
    ]
    ranks = [r for r in (c.rank for c in categories) if r is not None]
    priority = (NEW_MEDIA_PRIORITY if fresh else 0) + len(entries)
    if ranks:
        priority += (10 - min(ranks)) * SEVERITY_STEP
    return ReviewItem(
        sha256=sha256,
        status=state.status,
        priority=priority,
        reasons=tuple(reasons),
        categories=categories,
        match_ids=tuple(e.match_id for e in entries),
        is_video=is_video,
        decisions=tuple(decisions),
        cluster=fresh.cluster if fresh else (),
    )


def _new_media_reason(fresh: NewMedia) -> str:
    when = f" on {fresh.first_posted_at:%Y-%m-%d}" if fresh.first_posted_at else ""
    text = f"new media first posted by account {fresh.first_account_id}{when}"
    if fresh.reshared_by:
        ids = ", ".join(str(a) for a in fresh.reshared_by[:10])
        more = ", ..." if len(fresh.reshared_by) > 10 else ""
        text += f", reshared by {len(fresh.reshared_by)} other account(s) ({ids}{more})"
    copies = len(fresh.cluster) - 1
    if copies > 0:
        farthest = max(member.distance for member in fresh.cluster)
        text += (
            f", one picture in {len(fresh.cluster)} files (recompressed or edited copies, "
            f"PDQ distance up to {farthest})"
        )
    if fresh.alongside_known:
        text += f", posted next to known material in {len(fresh.alongside_known)} message(s)"
    return text


def _severity(category: Category) -> int:
    return category.rank if category.rank is not None else 99
