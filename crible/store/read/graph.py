"""The rows the investigation's graph is built from (``crible.analysis.graph``): nodes, and
each layer's edges grouped in SQL so that memory grows with distinct edges, not messages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from crible.store.read.facts import activity_query
from crible.store.read.perceptual import PerceptualHashes
from crible.store.read.scope import Reader
from crible.store.tables import (
    account_names,
    accounts,
    chats,
    matches,
    membership_events,
    message_entities,
    message_media,
    messages,
)


class GraphRows(Reader):
    """The graph's rows, read on one connection. Each edge row ends with (count, first time,
    last time) of the records it aggregates."""

    def hashes(self) -> PerceptualHashes:
        """The files' perceptual hashes, on the same connection."""
        return PerceptualHashes(self.conn, self.scope)

    def chats(self) -> Iterator[Any]:
        """(chat id, name, type) of every chat."""
        return self.stream(select(chats.c.id, chats.c.name, chats.c.type))

    def accounts(self) -> Iterator[Any]:
        """(account id, platform, key, is bot) of every account."""
        return self.stream(
            select(accounts.c.id, accounts.c.platform, accounts.c.key, accounts.c.is_bot)
        )

    def account_names(self) -> Iterator[Any]:
        """(account id, kind, value) of every name, username and phone, the latest last."""
        query = select(account_names.c.account_id, account_names.c.kind, account_names.c.value)
        query = query.order_by(account_names.c.last_seen_at.nulls_first(), account_names.c.id)
        return self.stream(query)

    def posted(self) -> Iterator[Any]:
        """(sender, SHA-256, chat, ...) per sender, hashed file and chat."""
        query = (
            select(
                messages.c.sender_id,
                message_media.c.sha256,
                messages.c.chat_id,
                func.count(),
                func.min(messages.c.sent_at),
                func.max(messages.c.sent_at),
            )
            .join(messages, messages.c.id == message_media.c.message_id)
            .where(message_media.c.sha256.is_not(None), messages.c.sender_id.is_not(None))
            .group_by(messages.c.sender_id, message_media.c.sha256, messages.c.chat_id)
        )
        return self.stream(query)

    def matched_files(self) -> Iterator[str]:
        """The SHA-256 of every file with a match."""
        for (sha256,) in self.stream(select(matches.c.sha256).distinct()):
            yield sha256

    def membership_events(self) -> Iterator[Any]:
        """(account, name, chat, event, ...) per account or name, chat and event."""
        query = select(
            membership_events.c.account_id,
            membership_events.c.name,
            membership_events.c.chat_id,
            membership_events.c.event,
            func.count(),
            func.min(membership_events.c.at),
            func.max(membership_events.c.at),
        ).group_by(
            membership_events.c.account_id,
            membership_events.c.name,
            membership_events.c.chat_id,
            membership_events.c.event,
        )
        return self.stream(query)

    def activity(self) -> Iterator[Any]:
        """(sender, chat, ...) per sender and chat."""
        return self.stream(activity_query())

    def forwards(self) -> Iterator[Any]:
        """(sender, chat, origin name, origin account, ...) per sender, chat and origin."""
        query = (
            select(
                messages.c.sender_id,
                messages.c.chat_id,
                messages.c.forwarded_from,
                messages.c.forwarded_account_id,
                func.count(),
                func.min(messages.c.sent_at),
                func.max(messages.c.sent_at),
            )
            .where(messages.c.sender_id.is_not(None), messages.c.forwarded_from.is_not(None))
            .group_by(
                messages.c.sender_id,
                messages.c.chat_id,
                messages.c.forwarded_from,
                messages.c.forwarded_account_id,
            )
        )
        return self.stream(query)

    def replies(self) -> Iterator[Any]:
        """(sender, sender of the replied message, ...) per pair; the replied message is
        found in the same chat."""
        target = aliased(messages)
        query = (
            select(
                messages.c.sender_id,
                target.c.sender_id,
                func.count(),
                func.min(messages.c.sent_at),
                func.max(messages.c.sent_at),
            )
            .join(
                target,
                and_(target.c.chat_id == messages.c.chat_id, target.c.key == messages.c.reply_to),
            )
            .where(messages.c.sender_id.is_not(None), target.c.sender_id.is_not(None))
            .group_by(messages.c.sender_id, target.c.sender_id)
        )
        return self.stream(query)

    def mentions(self) -> Iterator[Any]:
        """(sender, sender's platform, mentioned key, mention text, ...) per mention."""
        query = (
            select(
                messages.c.sender_id,
                accounts.c.platform,
                message_entities.c.value,
                message_entities.c.text,
                func.count(),
                func.min(messages.c.sent_at),
                func.max(messages.c.sent_at),
            )
            .join(messages, messages.c.id == message_entities.c.message_id)
            .join(accounts, accounts.c.id == messages.c.sender_id)
            .where(message_entities.c.kind.in_(("mention", "mention_name")))
            .group_by(
                messages.c.sender_id,
                accounts.c.platform,
                message_entities.c.value,
                message_entities.c.text,
            )
        )
        return self.stream(query)

    def invitations(self) -> Iterator[Any]:
        """(inviter, invited account, invited name, ...) of invitations and joins by someone."""
        query = (
            select(
                membership_events.c.by_account_id,
                membership_events.c.account_id,
                membership_events.c.name,
                func.count(),
                func.min(membership_events.c.at),
                func.max(membership_events.c.at),
            )
            .where(
                membership_events.c.by_account_id.is_not(None),
                membership_events.c.event.in_(("invite", "join")),
            )
            .group_by(
                membership_events.c.by_account_id,
                membership_events.c.account_id,
                membership_events.c.name,
            )
        )
        return self.stream(query)
