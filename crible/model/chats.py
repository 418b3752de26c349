"""Chat exports in one model: accounts, chats, messages, media references, membership events.

Every parser (Telegram, WhatsApp, Discord) yields these records; the ingest service merges
them into the store. A message is identified by (platform, chat key, message key).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Platform(StrEnum):
    """Where a chat export comes from."""

    TELEGRAM = "telegram"
    WHATSAPP = "whatsapp"
    DISCORD = "discord"


@dataclass(frozen=True)
class AccountRef:
    """An account as one export shows it.

    ``key`` is the platform's stable id as text ("user123", "channel456" on Telegram, the
    author id on Discord, the phone number or, failing that, ``"name:<display name>"`` on
    WhatsApp). Names and usernames are what the export showed at that time.
    """

    platform: Platform
    key: str
    name: str | None = None
    username: str | None = None
    phone: str | None = None
    is_bot: bool = False
    shown_as: str | None = None
    """The name exactly as the export wrote it, where that differs from ``name`` (iOS writes
    ``~ Name`` for a sender who is not in the phone's contacts); kept in the name history."""


@dataclass(frozen=True)
class ChatRef:
    """A chat (group, channel, direct conversation) as one export shows it."""

    platform: Platform
    key: str
    name: str | None = None
    type: str | None = None
    parent: str | None = None
    """The guild (Discord) a channel belongs to, where there is one."""


@dataclass(frozen=True)
class Entity:
    """A marked part of a message's text: mention, link, phone, hashtag, e-mail, ..."""

    kind: str
    text: str
    value: str | None = None
    """The target where it differs from the text (a link's URL, a mentioned user's id)."""


@dataclass(frozen=True)
class MediaRef:
    """A file a message carries, as the export refers to it.

    ``path`` is relative to the export folder as written in the export; ``exported`` is
    False when the export only says the file existed ("known to exist, not exported").
    """

    kind: str
    path: str | None
    exported: bool
    mime_type: str | None = None
    size_bytes: int | None = None
    width: int | None = None
    height: int | None = None
    duration_seconds: float | None = None
    file_name: str | None = None
    note: str | None = None
    """The export's own words where the file is missing (the placeholder sentence)."""


@dataclass(frozen=True)
class Reaction:
    """A reaction to a message, with the accounts the export names for it."""

    emoji: str
    count: int
    accounts: tuple[AccountRef, ...] = ()


@dataclass(frozen=True)
class ChatMessage:
    """One message or service event of a chat.

    ``sent_at`` is timezone-aware. ``assumed_zone`` names the zone crible assumed when
    the export gave only local time. Service events (joins, invites, creation, pins...)
    have ``kind == "service"``, an ``action`` and, where given, ``actor`` and ``members``.
    Fields crible does not model are kept in ``extra`` (raw JSON-compatible values).
    """

    chat: ChatRef
    key: str
    sent_at: datetime | None
    sender: AccountRef | None = None
    kind: str = "message"
    action: str | None = None
    text: str = ""
    entities: tuple[Entity, ...] = ()
    edited_at: datetime | None = None
    assumed_zone: str | None = None
    forwarded_from: str | None = None
    saved_from: str | None = None
    reply_to: str | None = None
    via_bot: str | None = None
    media: tuple[MediaRef, ...] = ()
    reactions: tuple[Reaction, ...] = ()
    members: tuple[str, ...] = ()
    """Names an invite/remove event lists (Telegram gives names only)."""
    inviter: AccountRef | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    position: str | None = None
    """Where in the export the record was (line, record number or byte offset)."""


@dataclass(frozen=True)
class ExportProblem:
    """A record of an export that could not be read (or only partly), and why.

    ``fatal`` problems end the parse (truncated or malformed JSON, with its byte offset);
    the others are reported and the parse goes on.
    """

    position: str
    reason: str
    excerpt: str = ""
    fatal: bool = False


@dataclass(frozen=True)
class ExportNote:
    """Something worth knowing about how an export was read that rejected nothing: a guessed
    date order, a count the file states that differs, fields kept raw, times corrected.

    Notes are listed with the ingest; unlike problems, they never mean input was rejected.
    """

    position: str
    text: str


@dataclass(frozen=True)
class ExportInfo:
    """What an export says about itself: the account that made it, contacts, its format."""

    platform: Platform
    format: str
    owner: AccountRef | None = None
    contacts: tuple[AccountRef, ...] = ()


ExportRecord = ExportInfo | ChatRef | ChatMessage | ExportProblem | ExportNote
"""What a parser yields, in file order: the export's info first (if any), each chat before
its messages, problems and notes where they occur."""
