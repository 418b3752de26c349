"""A fingerprint of what the analysis reads: it changes whenever any of it changes, so that a
result computed from the store can be reused while it holds (``crible.analysis.freshness``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, cast, func, select

from crible.store.read.scope import Reader
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


class AnalysisInputs(Reader):
    """What the analysis reads, summarised."""

    def fingerprint(self) -> tuple[Any, ...]:
        """The newest row and the row count of every table the analysis reads, the files
        hashed, the enabled banks and the suppressed entries."""
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
        return tuple(self.rows(select(*parts))[0])
