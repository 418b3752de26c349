"""The facts of an investigation that the indicators and measures need, read from the store.

Everything is read in grouped, streamed queries (``yield_per``): media posts one row each (a
post is a message carrying a hashed file), memberships and activity aggregated per account and
chat, service events one row each. Text is not loaded here: ``crible.analysis.text`` streams it.
Times are POSIX seconds (UTC) so that numpy can sort and search them. Posted files are grouped
into perceptual clusters (``crible.analysis.clusters``): a recompressed re-post is the same
picture.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from crible.analysis.clusters import Clusters, read_clusters
from crible.analysis.freshness import kept
from crible.model.categories import Category
from crible.store import Store
from crible.store.read.facts import FactRows

START_EVENTS = ("create", "join", "invite")
END_EVENTS = ("leave", "remove")
ADMIN_ACTIONS = frozenset(
    {
        "create_group",
        "create_channel",
        "invite_members",
        "remove_members",
        "edit_group_title",
        "edit_group_photo",
        "delete_group_photo",
        "pin_message",
        "migrate_to_supergroup",
        "edit_chat_theme",
        "set_messages_ttl",
        "ChannelNameChange",
        "ChannelIconChange",
        "ChannelPinnedMessage",
    }
)
"""Service actions only a chat's creator or administrators can take."""

NO_TIME = float("nan")


def seconds(value: datetime | None) -> float:
    """A stored time as POSIX seconds, NaN if unknown (naive times are UTC, as stored)."""
    if value is None:
        return NO_TIME
    if value.tzinfo is None:
        return (value - _EPOCH).total_seconds()
    return value.timestamp()


_EPOCH = datetime(1970, 1, 1)


class Post(NamedTuple):
    """A hashed file in a message: who posted it, where and when (a named tuple: there are
    hundreds of thousands)."""

    message_id: int
    account_id: int
    chat_id: int
    at: float
    sha256: str
    forwarded: bool


@dataclass(frozen=True)
class ServiceEvent:
    """A service message: created, invited, joined, left, or an administrator's action."""

    message_id: int
    chat_id: int
    at: float
    actor: int | None
    action: str
    event: str | None
    """Membership event (create, invite, join, leave, remove), None for other actions."""
    subject: int | None = None
    """The account that joined, left or was invited (None when known by name only)."""
    subject_name: str | None = None


@dataclass
class Facts:
    """What the analysis reads from the store, held compactly."""

    account_keys: dict[int, tuple[str, str]] = field(default_factory=dict)
    """Account id → (platform, key)."""
    account_names: dict[int, str] = field(default_factory=dict)
    """Account id → latest display name."""
    chat_names: dict[int, str] = field(default_factory=dict)
    posts: list[Post] = field(default_factory=list)
    """Oldest first (unknown times last)."""
    known: dict[str, tuple[Category | None, ...]] = field(default_factory=dict)
    """Known file (it matched an entry of an enabled bank that no rejection suppressed) →
    the distinct categories."""
    membership: dict[tuple[int, int], list[float]] = field(default_factory=dict)
    """(account, chat) → [start, end]: the earliest of joining and first message, and the
    last leaving or removal unless a message came after it (NaN: unknown start, still there)."""
    activity: dict[tuple[int, int], tuple[int, float, float]] = field(default_factory=dict)
    """(account, chat) → (messages sent, first, last)."""
    events: list[ServiceEvent] = field(default_factory=list)
    forwards: list[tuple[int, int, int, str, int | None]] = field(default_factory=list)
    """(message id, sender, chat, origin name, origin account) of forwarded messages."""
    by_name: dict[str, int] = field(default_factory=dict)
    """Display name → the one platform-id account that showed it (names two showed: absent)."""
    alias: dict[int, int] = field(default_factory=dict)
    """Account known by a name only → the one account with a platform id that showed it."""
    clusters: Clusters = field(default_factory=Clusters)
    """Posted files that are one picture or video (recompressed, resized or edited copies)."""

    def picture(self, sha256: str) -> str:
        """The perceptual cluster of a posted file, named by its first-posted file."""
        return self.clusters.key(sha256)

    def canonical(self, account_id: int | None) -> int | None:
        """The account an id stands for, once name-only accounts are merged."""
        return None if account_id is None else self.alias.get(account_id, account_id)

    def audience(self) -> dict[int, int]:
        """Chat → how many accounts were ever members of it."""
        sizes: dict[int, int] = {}
        for _account, chat in self.membership:
            sizes[chat] = sizes.get(chat, 0) + 1
        return sizes

    def label(self, account_id: int) -> str:
        """An account as a person reads it: its name, else its platform key."""
        name = self.account_names.get(account_id)
        key = self.account_keys.get(account_id, ("", f"#{account_id}"))[1]
        return f"{name} ({key})" if name else key


def facts_of(store: Store) -> Facts:
    """``read_facts``, reused while the store has not changed (treat it as read-only)."""
    return kept(store, "facts", lambda: read_facts(store))


def read_facts(store: Store) -> Facts:
    """Read the facts of the whole investigation from ``store``."""
    facts = Facts()
    with FactRows.of(store) as rows:
        _accounts(rows, facts)
        for chat_id, name in rows.chat_names():
            facts.chat_names[chat_id] = name or f"chat {chat_id}"
        _known(rows, facts)
        _posts(rows, facts)
        facts.clusters = read_clusters(rows.hashes(), (post.sha256 for post in facts.posts))
        _activity(rows, facts)
        _events(rows, facts)
        _forwards(rows, facts)
    return facts


def _accounts(rows: FactRows, facts: Facts) -> None:
    for account_id, platform, key in rows.account_keys():
        facts.account_keys[account_id] = (platform, key)
    for account_id, value in rows.display_names():
        facts.account_names[account_id] = value
    facts.by_name = unique = _unique_names(facts)
    for account_id, (_platform, key) in facts.account_keys.items():
        owner = unique.get(key.removeprefix("name:")) if key.startswith("name:") else None
        if owner is not None:
            facts.alias[account_id] = owner


def _known(rows: FactRows, facts: Facts) -> None:
    found: dict[str, set[Category | None]] = {}
    for sha256, category in rows.known_categories():
        found.setdefault(sha256, set()).add(category)
    facts.known = {
        sha: tuple(sorted(cats, key=lambda c: (c is None, str(c)))) for sha, cats in found.items()
    }


def _posts(rows: FactRows, facts: Facts) -> None:
    alias = facts.alias
    for message_id, sender, chat_id, sent_at, sha256, forwarded_from in rows.posts():
        account = alias.get(sender, sender)
        facts.posts.append(
            Post(message_id, account, chat_id, seconds(sent_at), sha256, forwarded_from is not None)
        )
    facts.posts.sort(key=lambda p: (p.at != p.at, p.at if p.at == p.at else 0.0, p.message_id))


def _activity(rows: FactRows, facts: Facts) -> None:
    for sender, chat_id, n, first, last in rows.activity():
        pair = (facts.alias.get(sender, sender), chat_id)
        count, start, end = facts.activity.get(pair, (0, NO_TIME, NO_TIME))
        first_at, last_at = seconds(first), seconds(last)
        facts.activity[pair] = (count + n, _least(start, first_at), _most(end, last_at))
        facts.membership[pair] = [facts.activity[pair][1], NO_TIME]


def _events(rows: FactRows, facts: Facts) -> None:
    """Service messages and membership events; spans widen to the events' dates."""
    by_name = facts.by_name
    actions = {row[0]: row for row in rows.service_messages()}
    seen: set[int] = set()
    for message_id, event, account_id, name, by in rows.membership_events():
        row = actions.get(message_id)
        if row is None:
            continue
        seen.add(message_id)
        _, chat_id, sent_at, sender, action = row
        subject = facts.canonical(account_id) or by_name.get(name or "")
        actor = facts.canonical(by if by is not None else sender)
        at = seconds(sent_at)
        facts.events.append(
            ServiceEvent(message_id, chat_id, at, actor, action or "", event, subject, name)
        )
        if subject is not None and event in START_EVENTS + END_EVENTS:
            _widen(facts, subject, chat_id, at, event in START_EVENTS)
    for pair, (_n, _first, last) in facts.activity.items():
        span = facts.membership[pair]
        if span[1] == span[1] and last == last and last > span[1]:
            span[1] = NO_TIME  # came back after leaving
    for message_id, (_, chat_id, sent_at, sender, action) in actions.items():
        if message_id not in seen and action in ADMIN_ACTIONS:
            facts.events.append(
                ServiceEvent(
                    message_id, chat_id, seconds(sent_at), facts.canonical(sender), action, None
                )
            )


def _least(a: float, b: float) -> float:
    return b if a != a or (b == b and b < a) else a


def _most(a: float, b: float) -> float:
    return b if a != a or (b == b and b > a) else a


def _widen(facts: Facts, account: int, chat: int, at: float, starts: bool) -> None:
    span = facts.membership.setdefault((account, chat), [NO_TIME, NO_TIME])
    if at != at:  # unknown time: membership known, span unchanged
        return
    if starts:
        if span[0] != span[0] or at < span[0]:
            span[0] = at
    elif span[1] != span[1] or at > span[1]:
        span[1] = at


def _unique_names(facts: Facts) -> dict[str, int]:
    """Display name → account, for names that exactly one platform-id account showed."""
    owners: dict[str, set[int]] = {}
    for account_id, name in facts.account_names.items():
        if not facts.account_keys.get(account_id, ("", "name:"))[1].startswith("name:"):
            owners.setdefault(name, set()).add(account_id)
    return {name: next(iter(ids)) for name, ids in owners.items() if len(ids) == 1}


def _forwards(rows: FactRows, facts: Facts) -> None:
    for message_id, sender, chat_id, name, origin in rows.forwards():
        facts.forwards.append(
            (message_id, facts.alias.get(sender, sender), chat_id, name, facts.canonical(origin))
        )
