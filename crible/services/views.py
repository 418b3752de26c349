"""Read-only views of an investigation: accounts, chats, messages and their media (the
queries are the store's read model ``crible.store.read.views``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from crible.model.errors import NotFound
from crible.store import Store
from crible.store.read.views import AccountView, ChatView, MediaView, MessageView, ViewRows

__all__ = [
    "AccountView",
    "ChatView",
    "MediaView",
    "MessageView",
    "account_view",
    "list_accounts",
    "list_chats",
    "list_media",
    "list_messages",
    "messages_by_id",
]


def list_accounts(store: Store, *, only: int | None = None) -> list[AccountView]:
    """Every account of the investigation (or just ``only``), most active first."""
    with ViewRows.of(store) as rows:
        return rows.accounts(only=only)


def list_chats(store: Store) -> list[ChatView]:
    """Every chat of the investigation."""
    with ViewRows.of(store) as rows:
        return rows.chats()


def list_messages(
    store: Store,
    *,
    account: str | None = None,
    chat: str | None = None,
    since: datetime | None = None,
    limit: int = 200,
) -> list[MessageView]:
    """Messages in time order, filtered by account (key or name), chat (key or name), date."""
    with ViewRows.of(store) as rows:
        return rows.messages(account=account, chat=chat, since=since, limit=limit)


def messages_by_id(store: Store, ids: Iterable[int]) -> list[MessageView]:
    """The messages with these store ids, in time order."""
    with ViewRows.of(store) as rows:
        return rows.messages_by_id(ids)


def account_view(store: Store, account_id: int) -> AccountView:
    """One account; NotFound if the store has no such account."""
    for view in list_accounts(store, only=account_id):
        return view
    raise NotFound(f"no account with id {account_id}")


def list_media(store: Store, *, matched: bool = False, limit: int = 1000) -> list[MediaView]:
    """Media references of messages, with their matches; only matched ones if asked."""
    with ViewRows.of(store) as rows:
        return rows.media(matched=matched, limit=limit)
