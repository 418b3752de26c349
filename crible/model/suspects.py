"""Suspects: accounts ranked by an explained score, each reason pointing at its messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Indicator:
    """One measured fact about an account, with the messages that support it."""

    name: str
    """Registry name, e.g. ``known_material``, ``new_media``, ``bridge``."""
    value: float
    """The raw measure (count, days, share...) the weight multiplies."""
    text: str
    """What it says, in plain words: "posted 4 known files (VIC-US 1: 3, VIC-US 2: 1)"."""
    messages: tuple[int, ...] = ()
    """Ids of the supporting messages (store ids), oldest first."""
    params: dict[str, Any] = field(default_factory=dict, compare=False)
    """What the sentence was made from, so that it can be said in another language
    (``crible.analysis.wording``)."""


@dataclass(frozen=True)
class Reason:
    """An indicator's share of the score."""

    indicator: str
    points: float
    text: str
    messages: tuple[int, ...] = ()


@dataclass(frozen=True)
class ClusterMember:
    """A file of a perceptual cluster: one picture or video and its recompressed, resized or
    edited copies, each a match of the cluster's first-posted file."""

    sha256: str
    distance: int
    """PDQ bits from the cluster's first file (0: the first file; a video: its closest frames)."""
    signal: str | None
    """The perceptual hash that put it there: ``pdq``, ``vpdq``, or None (no usable one: only
    byte-identical copies are the same file)."""
    posted_by: tuple[int, ...]
    """Accounts that posted this file, first poster first."""
    first_message_id: int
    first_posted_at: datetime | None
    shares: tuple[float, float] | None = None
    """A video: vPDQ's shares of matching frames (its own, the first video's)."""


@dataclass(frozen=True)
class NewMedia:
    """A file in no bank that an account was first to post, and why it matters."""

    sha256: str
    first_account_id: int
    first_message_id: int
    first_posted_at: datetime | None
    reshared_by: tuple[int, ...]
    """Other accounts that posted it (or a copy in its perceptual cluster) later."""
    alongside_known: tuple[int, ...]
    """Messages with known material posted next to it (same sender, chat, within an hour)."""
    cluster: tuple[ClusterMember, ...] = ()
    """The files that are this picture or video (re-posts are recompressed), first file first."""
    reshare_messages: tuple[int, ...] = ()
    """The first message in which each other account posted it (oldest first)."""


@dataclass(frozen=True)
class Suspect:
    """An account's place in the ranking: its score and why."""

    account_id: int
    platform: str
    key: str
    name: str | None
    score: float
    rank: int
    reasons: tuple[Reason, ...]
    """Largest share first."""
    indicators: tuple[Indicator, ...] = ()
    community: int | None = None
    measures: dict[str, float] = field(default_factory=dict)
    """Network measures: pagerank, betweenness, network_capital, key_player (rank of removal)."""
