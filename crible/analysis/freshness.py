"""Reuse what was computed while the investigation has not changed.

The web app and the review queue ask for the analysis on every page; at a million messages
it takes tens of seconds. A fingerprint of the store (the newest row, and the row count, of
every table the analysis reads; the enabled banks; the suppressed entries) tells whether the
last result still holds. One result is kept per store and key, in this process.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import Integer, cast, func, select

from crible.store import Store
from crible.store.review_tables import suppressed_entries
from crible.store.tables import (
    account_names,
    banks,
    chats,
    matches,
    membership_events,
    message_media,
    message_sources,
    messages,
)

T = TypeVar("T")
_LOCK = threading.Lock()
_KEPT: dict[tuple[str, Hashable], tuple[tuple[Any, ...], Any]] = {}


def fingerprint(store: Store) -> tuple[Any, ...]:
    """Changes whenever anything the analysis reads changes."""
    parts: list[Any] = []
    tables = (messages, message_sources, matches, membership_events, account_names, chats)
    for key in (*(t.c.id for t in tables), suppressed_entries.c.entry_id):
        parts += [
            select(func.max(key)).scalar_subquery(),
            select(func.count(key)).scalar_subquery(),
        ]
    parts.append(
        select(func.count(message_media.c.sha256)).scalar_subquery()  # files hashed later
    )
    parts.append(select(func.sum(cast(banks.c.enabled, Integer))).scalar_subquery())
    parts.append(select(func.count(banks.c.id)).scalar_subquery())
    with store.engine.connect() as conn:
        return tuple(conn.execute(select(*parts)).one())


def kept(store: Store, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``'s result, reused while the store's fingerprint stays the same."""
    now = fingerprint(store)
    slot = (store.url, key)
    with _LOCK:
        found = _KEPT.get(slot)
    if found is not None and found[0] == now:
        result: T = found[1]
        return result
    value = compute()
    with _LOCK:
        _KEPT[slot] = (now, value)
    return value
