"""Review decisions: what a person decided about a media file that matched or was flagged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from crible.model.categories import Category
from crible.model.suspects import ClusterMember


class Verdict(StrEnum):
    """What a reviewer decided about one media file."""

    CONFIRM = "confirm"
    """The file is what the match says (with a category in a chosen scheme)."""
    REJECT = "reject"
    """A false match: the entry is suppressed for matching in this store; feedback kept."""
    ESCALATE = "escalate"
    """Needs a senior reviewer."""


class ReviewStatus(StrEnum):
    """Where a media file stands in review."""

    PENDING = "pending"
    AWAITING_SECOND = "awaiting_second"
    """Confirmed once; four-eyes needs a second, different reviewer."""
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    ESCALATED = "escalated"


@dataclass(frozen=True)
class Decision:
    """One reviewer's decision on one media file (and, for a rejection, one bank entry)."""

    id: int
    sha256: str
    verdict: Verdict
    reviewer: str
    decided_at: datetime
    category: Category | None = None
    entry_id: int | None = None
    """The bank entry the decision is about (a rejection suppresses it)."""
    note: str = ""


@dataclass(frozen=True)
class ReviewItem:
    """A media file in the review queue, with why it is there and how urgent it is."""

    sha256: str
    status: ReviewStatus
    priority: int
    """Higher first: new media first, then severe categories, then the rest."""
    reasons: tuple[str, ...]
    """Plain-language reasons ("new media first posted by ...", "matched bank X (VIC-US 1)")."""
    categories: tuple[Category, ...]
    """Categories of the bank entries it matched."""
    match_ids: tuple[int, ...]
    is_video: bool
    decisions: tuple[Decision, ...] = ()
    cluster: tuple[ClusterMember, ...] = ()
    """New media: the files that are this picture or video (its perceptual cluster: re-posts
    are recompressed), this file first, each with its PDQ distance to it and its posters."""
