"""The texts the analysis scans for keywords and contact leads (``crible.analysis.text``)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select

from crible.store.read.scope import Reader
from crible.store.tables import account_names, messages


class TextRows(Reader):
    """Message texts and profile details, read on one connection."""

    def message_texts(self) -> Iterator[tuple[int, int, str]]:
        """(message id, sender, text) of every non-empty message with a sender, in id order."""
        query = (
            select(messages.c.id, messages.c.sender_id, messages.c.text)
            .where(messages.c.sender_id.is_not(None), messages.c.text != "")
            .order_by(messages.c.id)
        )
        return self.stream(query)

    def profile_contacts(self) -> list[tuple[int, str, str]]:
        """(account id, kind, value) of every phone and username accounts showed."""
        profile = select(account_names.c.account_id, account_names.c.kind, account_names.c.value)
        return [
            (account_id, kind, value)
            for account_id, kind, value in self.rows(
                profile.where(account_names.c.kind.in_(("phone", "username")))
            )
        ]
