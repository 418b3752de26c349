"""An account's profile: identities, chats, timeline, known files posted, and every indicator
with its supporting messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from crible.analysis.facts import NO_TIME, Facts
from crible.analysis.pictures import TimelineEvent
from crible.analysis.text import KeywordHit
from crible.model.errors import NotFound
from crible.model.suspects import NewMedia, Suspect
from crible.services.suspects import Analysis, AnalysisSettings, latest_analysis
from crible.services.views import AccountView, MessageView, account_view, messages_by_id
from crible.store import Store
from crible.store.read.views import ViewRows


@dataclass(frozen=True)
class ChatPart:
    """The account's part in one chat."""

    chat_id: int
    name: str
    messages: int
    joined: datetime | None
    left: datetime | None


@dataclass(frozen=True)
class KnownPost:
    """A known file the account posted (the first time in each chat)."""

    message_id: int
    chat: str
    sent_at: datetime | None
    sha256: str
    categories: tuple[str, ...]
    forwarded: bool


@dataclass(frozen=True)
class AccountProfile:
    """Everything about one account that an investigator reads before deciding."""

    account: AccountView
    suspect: Suspect | None
    ranked: int
    """How many accounts the ranking has."""
    chats: tuple[ChatPart, ...]
    known: tuple[KnownPost, ...]
    messages: dict[int, MessageView]
    """The supporting messages of every indicator, by id."""
    keyword_hits: tuple[KeywordHit, ...]
    timeline: tuple[TimelineEvent, ...]
    new_media: tuple[NewMedia, ...] = ()
    """Pictures and videos in no bank it was first to post, each with its perceptual cluster
    (the files that are that picture, with their distance to the first file)."""
    reshared: tuple[NewMedia, ...] = ()
    """New media another account posted first and this one re-posted (a file of the cluster)."""
    names: dict[int, str] = field(default_factory=dict)
    """Account id → label, for the accounts named in ``new_media`` and ``reshared``."""


def _moment(at: float) -> datetime | None:
    return datetime.fromtimestamp(at, UTC) if at == at else None


def account_profile(
    store: Store,
    account_id: int,
    settings: AnalysisSettings | None = None,
    analysis: Analysis | None = None,
) -> AccountProfile:
    """The profile of one account (NotFound if there is no such account)."""
    view = account_view(store, account_id)
    analysis = analysis or latest_analysis(store, settings)
    facts = analysis.facts
    account = facts.canonical(account_id)
    if account is None:
        raise NotFound(f"no account with id {account_id}")
    chats = tuple(
        sorted(
            (
                ChatPart(
                    chat,
                    facts.chat_names.get(chat, f"chat {chat}"),
                    facts.activity.get((who, chat), (0, NO_TIME, NO_TIME))[0],
                    _moment(span[0]),
                    _moment(span[1]),
                )
                for (who, chat), span in facts.membership.items()
                if who == account
            ),
            key=lambda c: (c.joined is None, c.joined or datetime.min.replace(tzinfo=UTC)),
        )
    )
    known, seen = [], set[tuple[int, str]]()
    timeline: list[TimelineEvent] = []
    first = tuple(m for m in analysis.new_media if m.first_account_id == account)
    reshared = tuple(m for m in analysis.new_media if account in m.reshared_by)
    new = {m.sha256 for m in first}
    for post in facts.posts:
        if post.account_id != account:
            continue
        name = facts.chat_names.get(post.chat_id, "")
        moment = _moment(post.at)
        kind = "known" if post.sha256 in facts.known else "message"
        if facts.picture(post.sha256) in new:
            kind = "new_media"
        if post.sha256 in facts.known and (post.chat_id, post.sha256) not in seen:
            seen.add((post.chat_id, post.sha256))
            categories = tuple(str(c) if c else "no category" for c in facts.known[post.sha256])
            known.append(
                KnownPost(post.message_id, name, moment, post.sha256, categories, post.forwarded)
            )
        if moment:
            timeline.append(TimelineEvent(moment, name, "forward" if post.forwarded else kind))
    posted = {post.message_id for post in facts.posts if post.account_id == account}
    senders = [account, *(a for a, owner in facts.alias.items() if owner == account)]
    with ViewRows.of(store) as rows:
        sent = rows.message_times(senders)
    for message_id, chat_id, moment in sent:
        if moment and message_id not in posted:
            timeline.append(TimelineEvent(moment, facts.chat_names.get(chat_id, ""), "message"))
    for event in facts.events:
        moment = _moment(event.at)
        if moment and account in (event.actor, event.subject) and event.event:
            kind = event.event if event.event in ("create", "join", "leave", "invite") else "leave"
            if event.event == "invite" and event.subject == account != event.actor:
                kind = "join"
            timeline.append(TimelineEvent(moment, facts.chat_names.get(event.chat_id, ""), kind))
    suspect = analysis.suspect(account)
    wanted = {m for i in (suspect.indicators if suspect else ()) for m in i.messages}
    hits = tuple(h for h in analysis.keyword_hits if h.account_id == account)
    wanted.update(h.message_id for h in hits)
    return AccountProfile(
        account=view,
        suspect=suspect,
        ranked=len(analysis.suspects),
        chats=chats,
        known=tuple(known),
        messages={m.id: m for m in messages_by_id(store, wanted)},
        keyword_hits=hits,
        timeline=tuple(sorted(timeline, key=lambda e: e.at)),
        new_media=first,
        reshared=reshared,
        names=_named(facts, (*first, *reshared)),
    )


def _named(facts: Facts, items: tuple[NewMedia, ...]) -> dict[int, str]:
    """Labels of the accounts the new media name (first posters, re-sharers, file posters)."""
    ids = {a for m in items for a in (m.first_account_id, *m.reshared_by)}
    ids.update(a for m in items for member in m.cluster for a in member.posted_by)
    return {a: facts.label(a) for a in sorted(ids)}
