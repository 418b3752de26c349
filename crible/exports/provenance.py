"""What the renderers read from an evidence item's provenance chain: messages, senders, chats.

A chain names a message with a ``message`` step. Its sender and chat come from ``account``
(ref: the account id) and ``chat`` (ref: the chat, detail: its name) steps of the same
item when the chain has them; otherwise from the message step's own detail as
``crible.services.evidence`` writes it: ``posted by account 12 in Chat name, from ingest 3``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from crible.model.cases import EvidenceItem

_POSTED = re.compile(r"posted by account (?P<account>\d+) in (?P<chat>.+?)(?:, from ingest \d+)?$")
SOURCE_KINDS = ("export", "ingest", "scan")
"""Steps that say where the data came from (a chat export read, a folder scanned)."""


@dataclass(frozen=True)
class MessageFacts:
    """One message named in a chain, with its sender and chat when the chain says them."""

    ref: str
    detail: str
    at: datetime | None
    sender: int | None
    chat_ref: str | None
    chat_name: str | None


def messages_of(item: EvidenceItem) -> Iterator[MessageFacts]:
    """The messages an item's chain names (a "more messages" summary step is not one)."""
    account = next((s for s in item.provenance if s.kind == "account"), None)
    chat = next((s for s in item.provenance if s.kind == "chat"), None)
    for step in item.provenance:
        if step.kind != "message" or step.ref == "more":
            continue
        sender = int(account.ref) if account is not None and account.ref.isdigit() else None
        chat_ref, chat_name = (
            (chat.ref, chat.detail or chat.ref) if chat is not None else (None, None)
        )
        posted = _POSTED.search(step.detail)
        if posted is not None:
            sender = sender if sender is not None else int(posted["account"])
            if chat_name is None:
                chat_ref = chat_name = posted["chat"]
        yield MessageFacts(step.ref, step.detail, step.at, sender, chat_ref, chat_name)


def accounts_of(item: EvidenceItem) -> set[int]:
    """The accounts an item's chain names: ``account`` steps and the senders of its messages."""
    named = {int(s.ref) for s in item.provenance if s.kind == "account" and s.ref.isdigit()}
    return named | {m.sender for m in messages_of(item) if m.sender is not None}


def chats_of(item: EvidenceItem) -> dict[str, str]:
    """The chats an item's chain names, ref -> name."""
    return {m.chat_ref: m.chat_name for m in messages_of(item) if m.chat_ref and m.chat_name}
