"""What the renderers read from an evidence item's provenance chain: messages, senders, chats.

A chain names a message with a ``message`` step. Its sender and chat come from ``account``
(ref: the account id) and ``chat`` (ref: the chat, detail: its name) steps of the same
item when the chain has them; otherwise from the message step's own detail as
``crible.services.evidence`` writes it: ``posted by account 12 in Chat name, from ingest 3``.

A chain written by ``crible.services.evidence`` runs, for each file, from its sources to a
``file`` step (ref: the SHA-256), the messages that carried it, then matches and decisions;
so the messages after a ``file`` step, up to the next one, are that file's.

The times stated about the facts (a dossier's period of the facts, an NCMEC incident or
upload time) are those of these messages, never of a step crible took (an ingest, a scan,
a review, an export).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
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
    for _file, message in _walk(item):
        yield message


def _walk(item: EvidenceItem) -> Iterator[tuple[str | None, MessageFacts]]:
    """Each message the chain names, with the file whose part of the chain names it."""
    account = next((s for s in item.provenance if s.kind == "account"), None)
    chat = next((s for s in item.provenance if s.kind == "chat"), None)
    current = item.sha256
    for step in item.provenance:
        if step.kind == "file":
            current = step.ref
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
        yield current, MessageFacts(step.ref, step.detail, step.at, sender, chat_ref, chat_name)


def dated_messages(items: Iterable[EvidenceItem], sender: int | None = None) -> list[MessageFacts]:
    """The dated messages the items' chains name (each once), oldest first; only those
    ``sender`` sent when one is given."""
    found: dict[str, MessageFacts] = {}
    for item in items:
        for message in messages_of(item):
            if message.at is not None and (sender is None or message.sender == sender):
                found.setdefault(message.ref, message)
    return sorted(found.values(), key=moment_of)


def facts_period(
    items: Iterable[EvidenceItem], sender: int | None = None
) -> tuple[datetime, datetime] | None:
    """The times of the first and last dated message of the evidence (of ``sender``'s
    messages when given); None when no message of it has a time."""
    dated = dated_messages(items, sender)
    if not dated:
        return None
    first, last = dated[0].at, dated[-1].at
    assert first is not None and last is not None
    return first, last


def first_message_of_files(items: Iterable[EvidenceItem]) -> dict[str, MessageFacts]:
    """For each file the items' chains name, the earliest dated message that carried it."""
    first: dict[str, MessageFacts] = {}
    for item in items:
        for sha256, message in _walk(item):
            if sha256 is None or message.at is None:
                continue
            known = first.get(sha256)
            if known is None or moment_of(message) < moment_of(known):
                first[sha256] = message
    return first


def moment_of(message: MessageFacts) -> tuple[datetime, str]:
    """A dated message's place in time (its ref orders messages of the same second)."""
    assert message.at is not None
    return message.at, message.ref


def accounts_of(item: EvidenceItem) -> set[int]:
    """The accounts an item's chain names: ``account`` steps and the senders of its messages."""
    named = {int(s.ref) for s in item.provenance if s.kind == "account" and s.ref.isdigit()}
    return named | {m.sender for m in messages_of(item) if m.sender is not None}


def chats_of(item: EvidenceItem) -> dict[str, str]:
    """The chats an item's chain names, ref -> name."""
    return {m.chat_ref: m.chat_name for m in messages_of(item) if m.chat_ref and m.chat_name}
