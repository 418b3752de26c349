"""The rows the analysis' facts are read from (``crible.analysis.facts``): accounts, chats,
known files, posts, activity, service events and forwards, each streamed in one query."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Select, exists, func, select

from crible.model.categories import Category
from crible.store.columns import category_of
from crible.store.read.perceptual import PerceptualHashes
from crible.store.read.scope import Reader
from crible.store.review_tables import suppressed_entries
from crible.store.tables import (
    account_names,
    accounts,
    bank_entries,
    banks,
    chats,
    matches,
    membership_events,
    message_media,
    messages,
)


def activity_query() -> Select[tuple[int, int, int, datetime | None, datetime | None]]:
    """(sender, chat, messages, first sent, last sent) per sender and chat: read by the
    facts and by the graph."""
    return (
        select(
            messages.c.sender_id,
            messages.c.chat_id,
            func.count(),
            func.min(messages.c.sent_at),
            func.max(messages.c.sent_at),
        )
        .where(messages.c.sender_id.is_not(None))
        .group_by(messages.c.sender_id, messages.c.chat_id)
    )


class FactRows(Reader):
    """The analysis' rows, read on one connection."""

    def hashes(self) -> PerceptualHashes:
        """The files' perceptual hashes, on the same connection."""
        return PerceptualHashes(self.conn, self.scope)

    def chat_names(self) -> Iterator[tuple[int, str | None]]:
        """(chat id, name) of every chat."""
        return self.stream(select(chats.c.id, chats.c.name))

    def account_keys(self) -> Iterator[tuple[int, str, str]]:
        """(account id, platform, key) of every account."""
        return self.stream(select(accounts.c.id, accounts.c.platform, accounts.c.key))

    def display_names(self) -> Iterator[tuple[int, str]]:
        """(account id, display name) of every name an account showed, the latest last."""
        query = (
            select(account_names.c.account_id, account_names.c.value)
            .where(account_names.c.kind == "name")
            .order_by(account_names.c.last_seen_at.nulls_first(), account_names.c.id)
        )
        return self.stream(query)

    def known_categories(self) -> Iterator[tuple[str, Category | None]]:
        """(SHA-256, category) of each file that matched an entry of an enabled bank that no
        rejection suppressed (one row per distinct category)."""
        query = (
            select(matches.c.sha256, bank_entries.c.category_scheme, bank_entries.c.category_code)
            .join(bank_entries, bank_entries.c.id == matches.c.entry_id)
            .join(banks, banks.c.id == matches.c.bank_id)
            .where(
                banks.c.enabled.is_(True),
                ~exists().where(suppressed_entries.c.entry_id == matches.c.entry_id),
            )
            .distinct()
        )
        for sha256, scheme, code in self.stream(query):
            yield sha256, category_of(scheme, code)

    def posts(self) -> Iterator[tuple[int, int, int, datetime | None, str, Any]]:
        """(message id, sender, chat, sent at, SHA-256, forwarded from) of each hashed file in
        a message with a sender, in the order the files were recorded."""
        query = (
            select(
                messages.c.id,
                messages.c.sender_id,
                messages.c.chat_id,
                messages.c.sent_at,
                message_media.c.sha256,
                messages.c.forwarded_from,
            )
            .join(messages, messages.c.id == message_media.c.message_id)
            .where(message_media.c.sha256.is_not(None), messages.c.sender_id.is_not(None))
            .order_by(message_media.c.id)
        )
        return self.stream(query)

    def activity(self) -> Iterator[tuple[int, int, int, datetime | None, datetime | None]]:
        """(sender, chat, messages, first sent, last sent) per sender and chat."""
        return self.stream(activity_query())

    def service_messages(
        self,
    ) -> Iterator[tuple[int, int, datetime | None, int | None, str | None]]:
        """(message id, chat, sent at, sender, action) of every service message."""
        query = (
            select(
                messages.c.id,
                messages.c.chat_id,
                messages.c.sent_at,
                messages.c.sender_id,
                messages.c.action,
            )
            .where(messages.c.kind == "service")
            .order_by(messages.c.id)
        )
        return self.stream(query)

    def membership_events(
        self,
    ) -> Iterator[tuple[int, str, int | None, str | None, int | None]]:
        """(message id, event, account, name, by account) of every membership event."""
        query = select(
            membership_events.c.message_id,
            membership_events.c.event,
            membership_events.c.account_id,
            membership_events.c.name,
            membership_events.c.by_account_id,
        ).order_by(membership_events.c.id)
        return self.stream(query)

    def forwards(self) -> Iterator[tuple[int, int, int, str, int | None]]:
        """(message id, sender, chat, origin name, origin account) of forwarded messages."""
        query = (
            select(
                messages.c.id,
                messages.c.sender_id,
                messages.c.chat_id,
                messages.c.forwarded_from,
                messages.c.forwarded_account_id,
            )
            .where(messages.c.forwarded_from.is_not(None), messages.c.sender_id.is_not(None))
            .order_by(messages.c.id)
        )
        return self.stream(query)
