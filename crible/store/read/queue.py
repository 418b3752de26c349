"""The review queue's page: which files, in which order, in one SQL query.

A file is in the queue when it has matches or the analysis flags it as new media. Its status
is derived from its decisions as ``crible.services.review.standing`` derives it: the
confirmations since its last rejection or escalation count its distinct confirmers (enough
of them: confirmed; some: awaiting a second reviewer), else that last verdict (rejected,
escalated), else pending. Its priority is the service's: new media first, then the most
severe category (of its matched entries and of its confirmers), then the number of matches;
ties by SHA-256. Filtering by status and category, ordering and pagination all happen in the
database: a page reads its files, never the whole queue.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, exists, func, literal, or_, select, union
from sqlalchemy.orm import aliased

from crible.model.categories import SCHEMES, Category
from crible.store.read.scope import Reader
from crible.store.review_tables import review_decisions
from crible.store.sql import text_values
from crible.store.tables import bank_entries, banks, matches

UNRANKED = 99
"""Severity of a category without a rank, as the service orders them."""


@dataclass(frozen=True)
class QueueOrder:
    """How the queue weighs a file (the service's constants)."""

    new_media: int
    """Added once for new media."""
    severity_step: int
    """Added per rank below 10 of the most severe category."""


def _rank(scheme: Any, code: Any) -> Any:
    """SQL: the severity rank of a stored category (NULL when it has none)."""
    pairs = [
        (and_(scheme == name, code == code_), rank)
        for name, found in SCHEMES.items()
        for code_, rank in found.ranks.items()
        if rank is not None
    ]
    return case(*pairs, else_=None)


def _least(a: Any, b: Any) -> Any:
    """SQL: the smaller of two values, ignoring NULLs (the same on both backends)."""
    return case((a.is_(None), b), (b.is_(None), a), (a < b, a), else_=b)


class QueueRows(Reader):
    """The review queue, read on one connection."""

    def page(
        self,
        fresh: Collection[str],
        order: QueueOrder,
        *,
        required: int,
        statuses: Collection[str] | None = None,
        category: Category | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[str]:
        """The SHA-256s of one page of the queue, most urgent first: ``fresh`` are the new
        media files; ``required`` the distinct confirmers that confirm a file; ``statuses``
        (None: all) and ``category`` filter."""
        decisions = review_decisions
        new = text_values(self.conn, sorted(set(fresh)))
        files = union(
            select(matches.c.sha256.label("sha256")), select(new.c.value.label("sha256"))
        ).subquery("files")
        entries = (
            select(
                matches.c.sha256,
                func.count().label("n"),
                func.min(_rank(bank_entries.c.category_scheme, bank_entries.c.category_code)).label(
                    "rank"
                ),
            )
            .join(bank_entries, bank_entries.c.id == matches.c.entry_id)
            .join(banks, banks.c.id == matches.c.bank_id)
            .group_by(matches.c.sha256)
            .subquery("entries")
        )
        resets = (
            select(decisions.c.sha256, func.max(decisions.c.id).label("id"))
            .where(decisions.c.verdict != "confirm")
            .group_by(decisions.c.sha256)
            .subquery("resets")
        )
        reset = aliased(decisions, name="reset")
        since = func.coalesce(resets.c.id, 0)
        confirms = (
            select(
                decisions.c.sha256,
                func.count(func.distinct(decisions.c.reviewer)).label("confirmers"),
                func.min(_rank(decisions.c.category_scheme, decisions.c.category_code)).label(
                    "rank"
                ),
            )
            .outerjoin(resets, resets.c.sha256 == decisions.c.sha256)
            .where(decisions.c.verdict == "confirm", decisions.c.id > since)
            .group_by(decisions.c.sha256)
            .subquery("confirms")
        )
        confirmers = func.coalesce(confirms.c.confirmers, 0)
        status = case(
            (confirmers >= max(1, required), literal("confirmed")),
            (confirmers > 0, literal("awaiting_second")),
            (reset.c.verdict == "reject", literal("rejected")),
            (reset.c.verdict == "escalate", literal("escalated")),
            else_=literal("pending"),
        )
        rank = _least(entries.c.rank, confirms.c.rank)
        is_new = files.c.sha256.in_(select(new.c.value))
        priority = (
            case((is_new, order.new_media), else_=0)
            + func.coalesce(entries.c.n, 0)
            + case((rank.is_(None), 0), else_=(10 - rank) * order.severity_step)
        )
        query = (
            select(files.c.sha256)
            .outerjoin(entries, entries.c.sha256 == files.c.sha256)
            .outerjoin(resets, resets.c.sha256 == files.c.sha256)
            .outerjoin(reset, reset.c.id == resets.c.id)
            .outerjoin(confirms, confirms.c.sha256 == files.c.sha256)
            .order_by(priority.desc(), files.c.sha256)
            .limit(limit)
            .offset(offset)
        )
        if statuses is not None:
            query = query.where(status.in_(sorted(statuses)))
        if category is not None:
            query = query.where(
                or_(_matched_with(files.c.sha256, category), _confirmed_as(files, category))
            )
        return [sha256 for (sha256,) in self.rows(query)]


def _matched_with(sha256: Any, category: Category) -> Any:
    """SQL: the file matched an entry of ``category``."""
    return (
        exists()
        .where(
            matches.c.sha256 == sha256,
            bank_entries.c.id == matches.c.entry_id,
            bank_entries.c.category_scheme == category.scheme,
            bank_entries.c.category_code == category.code,
        )
        .correlate_except(matches, bank_entries)
    )


def _confirmed_as(files: Any, category: Category) -> Any:
    """SQL: ``category`` is the file's confirmed category: among the confirmations since its
    last rejection or escalation, the most severe, the earliest of equally severe ones."""
    mine, other = aliased(review_decisions), aliased(review_decisions)
    last_reset = (
        select(func.coalesce(func.max(review_decisions.c.id), 0))
        .where(review_decisions.c.sha256 == files.c.sha256, review_decisions.c.verdict != "confirm")
        .correlate_except(review_decisions)
        .scalar_subquery()
    )

    def severity(d: Any) -> Any:
        return func.coalesce(_rank(d.c.category_scheme, d.c.category_code), UNRANKED)

    earlier = (
        exists()
        .where(
            other.c.sha256 == files.c.sha256,
            other.c.verdict == "confirm",
            other.c.id > last_reset,
            other.c.category_scheme.is_not(None),
            other.c.category_code.is_not(None),
            or_(
                severity(other) < severity(mine),
                and_(severity(other) == severity(mine), other.c.id < mine.c.id),
            ),
        )
        .correlate_except(other)
    )
    return (
        exists()
        .where(
            mine.c.sha256 == files.c.sha256,
            mine.c.verdict == "confirm",
            mine.c.id > last_reset,
            mine.c.category_scheme == category.scheme,
            mine.c.category_code == category.code,
            ~earlier,
        )
        .correlate_except(mine)
    )
