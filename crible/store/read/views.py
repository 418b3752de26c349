"""Read-only views of an investigation: accounts, chats, messages and their media, as an
investigator reads them (``crible.services.views`` serves them)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.engine import RowMapping

from crible.store.columns import as_utc
from crible.store.read.scope import Reader
from crible.store.sql import batched
from crible.store.tables import (
    account_names,
    accounts,
    bank_entries,
    banks,
    chats,
    matches,
    message_media,
    message_sources,
    messages,
)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class AccountView:
    """An account with every name, username and phone it showed, and its activity."""

    id: int
    platform: str
    key: str
    names: tuple[str, ...]
    usernames: tuple[str, ...]
    phones: tuple[str, ...]
    messages: int
    chats: int
    first_seen: datetime | None
    last_seen: datetime | None


@dataclass(frozen=True)
class ChatView:
    """A chat with its size and time span."""

    id: int
    platform: str
    key: str
    name: str | None
    type: str | None
    parent: str | None
    messages: int
    senders: int
    first_message: datetime | None
    last_message: datetime | None


@dataclass(frozen=True)
class MessageView:
    """A message as an investigator reads it."""

    id: int
    chat: str
    key: str
    sent_at: datetime | None
    sender: str | None
    sender_key: str | None
    kind: str
    action: str | None
    text: str
    forwarded_from: str | None
    forwarded_link: str | None
    reply_to: str | None
    media: int
    exports: int
    assumed_zone: str | None


@dataclass(frozen=True)
class MediaView:
    """A media reference of a message, with the file's hash and its matches."""

    message_id: int
    chat: str
    sender: str | None
    sent_at: datetime | None
    kind: str
    path: str | None
    status: str
    reason: str | None
    sha256: str | None
    matches: tuple[str, ...]


def _latest_name(account_id_column: object) -> Select[tuple[str]]:
    return (
        select(account_names.c.value)
        .where(account_names.c.account_id == account_id_column, account_names.c.kind == "name")
        .order_by(account_names.c.last_seen_at.desc().nulls_last(), account_names.c.id.desc())
        .limit(1)
    )


def _accounts(reader: Reader, only: int | None) -> list[AccountView]:
    """Every account of the investigation (or just ``only``), most active first."""
    activity = (
        select(
            messages.c.sender_id,
            func.count().label("n"),
            func.count(func.distinct(messages.c.chat_id)).label("c"),
            func.min(messages.c.sent_at).label("first"),
            func.max(messages.c.sent_at).label("last"),
        )
        .group_by(messages.c.sender_id)
        .subquery()
    )
    query = select(accounts, activity).outerjoin(activity, activity.c.sender_id == accounts.c.id)
    picked = select(account_names.c.account_id, account_names.c.kind, account_names.c.value)
    if only is not None:
        query = query.where(accounts.c.id == only)
        picked = picked.where(account_names.c.account_id == only)
    names: dict[int, dict[str, list[str]]] = {}
    for account_id, kind, value in reader.rows(
        picked.order_by(account_names.c.first_seen_at.nulls_first(), account_names.c.id)
    ):
        names.setdefault(account_id, {}).setdefault(kind, []).append(value)
    views = []
    for row in reader.rows(query):
        m = row._mapping
        shown = names.get(m["id"], {})
        views.append(
            AccountView(
                m["id"],
                m["platform"],
                m["key"],
                tuple(shown.get("name", [])),
                tuple(shown.get("username", [])),
                tuple(shown.get("phone", [])),
                int(m["n"] or 0),
                int(m["c"] or 0),
                as_utc(m["first"]),
                as_utc(m["last"]),
            )
        )
    return sorted(views, key=lambda v: (-v.messages, v.platform, v.key))


def _chats(reader: Reader) -> list[ChatView]:
    """Every chat of the investigation."""
    activity = (
        select(
            messages.c.chat_id,
            func.count().label("n"),
            func.count(func.distinct(messages.c.sender_id)).label("s"),
            func.min(messages.c.sent_at).label("first"),
            func.max(messages.c.sent_at).label("last"),
        )
        .group_by(messages.c.chat_id)
        .subquery()
    )
    query = (
        select(chats, activity)
        .outerjoin(activity, activity.c.chat_id == chats.c.id)
        .order_by(chats.c.platform, chats.c.name, chats.c.key)
    )
    return [
        ChatView(
            m["id"],
            m["platform"],
            m["key"],
            m["name"],
            m["type"],
            m["parent"],
            int(m["n"] or 0),
            int(m["s"] or 0),
            as_utc(m["first"]),
            as_utc(m["last"]),
        )
        for m in (row._mapping for row in reader.rows(query))
    ]


def _messages(
    reader: Reader,
    *,
    account: str | None = None,
    chat: str | None = None,
    since: datetime | None = None,
    limit: int = 200,
) -> list[MessageView]:
    """Messages in time order, filtered by account (key or name), chat (key or name), date."""
    query = _message_query().limit(limit)
    if account:
        named = select(account_names.c.account_id).where(account_names.c.value == account)
        query = query.where(or_(accounts.c.key == account, accounts.c.id.in_(named)))
    if chat:
        query = query.where(or_(chats.c.key == chat, chats.c.name == chat))
    if since:
        query = query.where(messages.c.sent_at >= since)
    return [_message_view(row._mapping) for row in reader.rows(query)]


def _messages_by_id(reader: Reader, ids: Iterable[int]) -> list[MessageView]:
    """The messages with these store ids, in time order."""
    wanted = sorted(set(ids))
    found: list[MessageView] = []
    for chunk in batched(wanted, 500):
        query = _message_query().where(messages.c.id.in_(chunk))
        found.extend(_message_view(row._mapping) for row in reader.rows(query))
    return sorted(found, key=lambda v: (v.sent_at is None, v.sent_at or _EPOCH, v.id))


def _message_query() -> Select[Any]:
    sender_name = _latest_name(messages.c.sender_id).scalar_subquery()
    media_count = (
        select(func.count()).where(message_media.c.message_id == messages.c.id).scalar_subquery()
    )
    export_count = (
        select(func.count()).where(message_sources.c.message_id == messages.c.id).scalar_subquery()
    )
    return (
        select(
            messages,
            chats.c.name.label("chat_name"),
            chats.c.key.label("chat_key"),
            accounts.c.key.label("sender_key"),
            sender_name.label("sender_name"),
            media_count.label("media_count"),
            export_count.label("exports"),
        )
        .join(chats, chats.c.id == messages.c.chat_id)
        .outerjoin(accounts, accounts.c.id == messages.c.sender_id)
        .order_by(messages.c.sent_at, messages.c.id)
    )


def _message_view(m: RowMapping) -> MessageView:
    return MessageView(
        m["id"],
        m["chat_name"] or m["chat_key"],
        m["key"],
        as_utc(m["sent_at"]),
        m["sender_name"],
        m["sender_key"],
        m["kind"],
        m["action"],
        m["text"],
        m["forwarded_from"],
        m["forwarded_link"],
        m["reply_to"],
        int(m["media_count"]),
        int(m["exports"]),
        m["assumed_zone"],
    )


def _media(reader: Reader, *, matched: bool, limit: int) -> list[MediaView]:
    """Media references of messages, with their matches; only matched ones if asked."""
    sender_name = _latest_name(messages.c.sender_id).scalar_subquery()
    query = (
        select(
            message_media,
            chats.c.name.label("chat_name"),
            chats.c.key.label("chat_key"),
            messages.c.sent_at,
            sender_name.label("sender_name"),
        )
        .join(messages, messages.c.id == message_media.c.message_id)
        .join(chats, chats.c.id == messages.c.chat_id)
        .order_by(messages.c.sent_at, message_media.c.id)
        .limit(limit)
    )
    if matched:
        query = query.where(message_media.c.sha256.in_(select(matches.c.sha256)))
    rows = [row._mapping for row in reader.rows(query)]
    found: dict[str, list[str]] = {}
    for chunk in batched(sorted({m["sha256"] for m in rows if m["sha256"]}), 500):
        for sha, bank, distance, variant, at, scheme, code in reader.rows(
            select(
                matches.c.sha256,
                banks.c.name,
                matches.c.distance,
                matches.c.variant,
                matches.c.frame_timestamp,
                bank_entries.c.category_scheme,
                bank_entries.c.category_code,
            )
            .join(banks, banks.c.id == matches.c.bank_id)
            .join(bank_entries, bank_entries.c.id == matches.c.entry_id)
            .where(matches.c.sha256.in_(chunk))
        ):
            category = f" {scheme} {code}" if scheme else ""
            how = f" ({variant})" if variant and variant != "original" else ""
            how += f" at {at:.1f} s" if at is not None else ""
            found.setdefault(sha, []).append(f"{bank} d={distance}{how}{category}")
    return [
        MediaView(
            m["message_id"],
            m["chat_name"] or m["chat_key"],
            m["sender_name"],
            as_utc(m["sent_at"]),
            m["kind"],
            m["path"],
            m["status"],
            m["reason"],
            m["sha256"],
            tuple(found.get(m["sha256"], [])),
        )
        for m in rows
    ]


class ViewRows(Reader):
    """The investigation's views, read on one connection."""

    def accounts(self, *, only: int | None = None) -> list[AccountView]:
        """Every account (or just ``only``), most active first."""
        return _accounts(self, only)

    def chats(self) -> list[ChatView]:
        """Every chat."""
        return _chats(self)

    def messages(
        self,
        *,
        account: str | None = None,
        chat: str | None = None,
        since: datetime | None = None,
        limit: int = 200,
    ) -> list[MessageView]:
        """Messages in time order, filtered by account (key or name), chat (key or name), date."""
        return _messages(self, account=account, chat=chat, since=since, limit=limit)

    def messages_by_id(self, ids: Iterable[int]) -> list[MessageView]:
        """The messages with these store ids, in time order."""
        return _messages_by_id(self, ids)

    def media(self, *, matched: bool = False, limit: int = 1000) -> list[MediaView]:
        """Media references of messages, with their matches; only matched ones if asked."""
        return _media(self, matched=matched, limit=limit)

    def message_times(self, senders: Iterable[int]) -> list[tuple[int, int, datetime | None]]:
        """(message id, chat, sent at, in UTC) of the messages these accounts sent, service
        messages aside."""
        query = select(messages.c.id, messages.c.chat_id, messages.c.sent_at).where(
            messages.c.sender_id.in_(list(senders)), messages.c.kind != "service"
        )
        return [(m, c, as_utc(at)) for m, c, at in self.rows(query)]

    def sender_of(self, message_id: int) -> int | None:
        """The account that sent a message (None if unknown or no such message)."""
        sender = self.scalar(select(messages.c.sender_id).where(messages.c.id == message_id))
        return None if sender is None else int(sender)
