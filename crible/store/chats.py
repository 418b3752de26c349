"""Writing chat exports into the store: accounts with their name history, chats, messages
merged across exports, their entities, media references, reactions and membership events.

A ``ChatWriter`` works inside one transaction (one export = one transaction).

Accounts are made for the people an export shows acting: senders, actors of service
events, the export's owner and contacts. Someone an export only names (the inviter of a
join by link, a person who reacted) is kept as the export names them and linked to an
account once one is known (``chat_links``); a name only is never made an account there.

Times are stored in UTC. When a message is merged again and its time reads differently
(the same WhatsApp file read in another zone), the new reading replaces the stored one,
unless the stored time was exact and the new one assumes a zone; ``corrected`` counts
the corrections by the zone the old time had been read in."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from crible.model.chats import AccountRef, ChatMessage, ChatRef, Platform
from crible.store import chat_links
from crible.store.columns import as_utc, to_utc
from crible.store.sql import insert_ignoring_duplicates, new_id
from crible.store.tables import (
    account_names,
    accounts,
    chats,
    membership_events,
    message_entities,
    message_media,
    message_sources,
    messages,
    reactions,
)

MEMBERSHIP: dict[str, str] = {
    "create_group": "create",
    "create_channel": "create",
    "created_group": "create",
    "invite_members": "invite",
    "added": "invite",
    "RecipientAdd": "invite",
    "join_group_by_link": "join",
    "join_group_by_request": "join",
    "joined": "join",
    "GuildMemberJoin": "join",
    "remove_members": "remove",
    "removed": "remove",
    "RecipientRemove": "remove",
    "left": "leave",
    "migrate_to_supergroup": "migrate",
    "migrate_from_group": "migrate",
}
"""Service actions (Telegram, WhatsApp, Discord) that change who is in a chat."""


_ACCOUNT_BY_KEY = select(accounts.c.id).where(
    accounts.c.platform == bindparam("p"), accounts.c.key == bindparam("k")
)
_NAME_BY_VALUE = select(
    account_names.c.id, account_names.c.first_seen_at, account_names.c.last_seen_at
).where(
    account_names.c.account_id == bindparam("a"),
    account_names.c.kind == bindparam("kind"),
    account_names.c.value == bindparam("v"),
)
_MESSAGE_BY_KEY = select(
    messages.c.id, messages.c.sent_at, messages.c.edited_at, messages.c.assumed_zone
).where(messages.c.chat_id == bindparam("c"), messages.c.key == bindparam("k"))


@dataclass
class _Seen:
    """When an account was first and last seen showing a name."""

    id: int
    first: datetime | None
    last: datetime | None
    dirty: bool = False


class ChatWriter:
    """Merges parsed records into the store within the caller's transaction."""

    def __init__(self, conn: Connection, ingest_id: int):
        self.conn = conn
        self.ingest_id = ingest_id
        self._accounts: dict[tuple[str, str], int] = {}
        self._chats: dict[tuple[str, str], int] = {}
        self._names: dict[tuple[int, str, str], _Seen] = {}
        self.new_messages = 0
        self.merged_messages = 0
        self.corrected: Counter[str] = Counter()
        """Stored times corrected by this export, by the zone they had been read in."""

    def known_account(self, ref: AccountRef) -> int | None:
        """The id of the account if it is already known; nothing is created."""
        key = (str(ref.platform), ref.key)
        account_id = self._accounts.get(key)
        if account_id is None:
            row = self.conn.execute(_ACCOUNT_BY_KEY, {"p": key[0], "k": key[1]}).first()
            if row is None:
                return None
            account_id = self._accounts[key] = int(row[0])
        return account_id

    def account(self, ref: AccountRef, seen_at: datetime | None) -> int:
        """The id of the account (created on first sight), recording the names it showed."""
        key = (str(ref.platform), ref.key)
        seen_at = to_utc(seen_at)
        account_id = self._accounts.get(key)
        if account_id is None:
            row = self.conn.execute(_ACCOUNT_BY_KEY, {"p": key[0], "k": key[1]}).first()
            if row is None:
                values = {
                    "platform": key[0],
                    "key": key[1],
                    "is_bot": ref.is_bot,
                    "first_ingest_id": self.ingest_id,
                }
                account_id = new_id(self.conn.execute(accounts.insert(), values))
            else:
                account_id = int(row[0])
            self._accounts[key] = account_id
        named = (
            ("name", ref.name),
            ("name", ref.shown_as),
            ("username", ref.username),
            ("phone", ref.phone),
        )
        for kind, value in named:
            if value:
                self._seen_name(account_id, kind, value[:500], seen_at)
        return account_id

    def _seen_name(self, account_id: int, kind: str, value: str, at: datetime | None) -> None:
        """Record that an account showed a name; first/last times are kept in memory and
        written by ``finish`` (one query per name, not per message)."""
        key = (account_id, kind, value)
        seen = self._names.get(key)
        if seen is None:
            row = self.conn.execute(
                _NAME_BY_VALUE, {"a": account_id, "kind": kind, "v": value}
            ).first()
            if row is None:
                values = {
                    "account_id": account_id,
                    "kind": kind,
                    "value": value,
                    "first_seen_at": at,
                    "last_seen_at": at,
                }
                name_id = new_id(self.conn.execute(account_names.insert(), values))
                self._names[key] = _Seen(name_id, at, at)
                return
            seen = self._names[key] = _Seen(int(row[0]), as_utc(row[1]), as_utc(row[2]))
        if at is None:
            return
        if seen.first is None or at < seen.first:
            seen.first, seen.dirty = at, True
        if seen.last is None or at > seen.last:
            seen.last, seen.dirty = at, True

    def finish(self) -> None:
        """Write the name times gathered in memory; link the people this export only named
        (reactions, inviters) to the accounts now known."""
        self._write_names()
        chat_links.link_reactions(self.conn)
        chat_links.link_inviters_by_name(self.conn, self.ingest_id)

    def _write_names(self) -> None:
        """Write the name times gathered in memory."""
        for seen in self._names.values():
            if seen.dirty:
                self.conn.execute(
                    update(account_names)
                    .where(account_names.c.id == seen.id)
                    .values(first_seen_at=seen.first, last_seen_at=seen.last)
                )
                seen.dirty = False

    def chat(self, ref: ChatRef) -> int:
        """The id of the chat (created on first sight; a later name or type is kept)."""
        key = (str(ref.platform), ref.key)
        if key in self._chats:
            return self._chats[key]
        row = self.conn.execute(
            select(chats.c.id).where(chats.c.platform == key[0], chats.c.key == key[1])
        ).first()
        values = {"name": ref.name, "type": ref.type, "parent": ref.parent}
        if row is None:
            chat_id = new_id(
                self.conn.execute(chats.insert().values(platform=key[0], key=key[1], **values))
            )
        else:
            chat_id = int(row[0])
            known = {k: v for k, v in values.items() if v is not None}
            if known:
                self.conn.execute(update(chats).where(chats.c.id == chat_id).values(**known))
        self._chats[key] = chat_id
        return chat_id

    def message(self, msg: ChatMessage, media_rows: list[dict[str, Any]]) -> tuple[int, bool]:
        """Store a message once per (chat, key); returns (id, whether it is new here)."""
        chat_id = self.chat(msg.chat)
        existing = self.conn.execute(_MESSAGE_BY_KEY, {"c": chat_id, "k": msg.key}).first()
        if existing is not None:
            message_id = int(existing[0])
            self._correct_time(existing, msg)
            insert_ignoring_duplicates(
                self.conn,
                message_sources,
                [{"message_id": message_id, "ingest_id": self.ingest_id, "position": msg.position}],
                keys=("message_id", "ingest_id"),
            )
            self._fill_missing_media(message_id, media_rows)
            self.merged_messages += 1
            return message_id, False
        message_id = self._insert_message(chat_id, msg)
        self._insert_details(message_id, chat_id, msg, media_rows)
        self.new_messages += 1
        return message_id, True

    def _correct_time(self, stored: Any, msg: ChatMessage) -> None:
        """Replace a merged message's stored time where this export reads it differently,
        unless the stored time was exact and this one assumes a zone."""
        sent_at, edited_at = to_utc(msg.sent_at), to_utc(msg.edited_at)
        if sent_at is None or (stored.assumed_zone is None and msg.assumed_zone is not None):
            return
        edited_at = edited_at or as_utc(stored.edited_at)
        same_time = as_utc(stored.sent_at) == sent_at and as_utc(stored.edited_at) == edited_at
        if same_time and stored.assumed_zone == msg.assumed_zone:
            return
        self.conn.execute(
            update(messages)
            .where(messages.c.id == stored.id)
            .values(sent_at=sent_at, edited_at=edited_at, assumed_zone=msg.assumed_zone)
        )
        if not same_time:
            self.conn.execute(
                update(membership_events)
                .where(membership_events.c.message_id == stored.id)
                .values(at=sent_at)
            )
            self.corrected[stored.assumed_zone or "exact"] += 1

    def _fill_missing_media(self, message_id: int, media_rows: list[dict[str, Any]]) -> None:
        """A file one export lacked (placeholder, missing) and another carries is taken."""
        for row in media_rows:
            if row["status"] != "pending":
                continue
            self.conn.execute(
                update(message_media)
                .where(
                    message_media.c.message_id == message_id,
                    message_media.c.position == row["position"],
                    message_media.c.status.in_(("not_exported", "missing")),
                )
                .values(**row, ingest_id=self.ingest_id)
            )

    def _insert_message(self, chat_id: int, msg: ChatMessage) -> int:
        sender = self.account(msg.sender, msg.sent_at) if msg.sender else None
        inviter = self._inviter(msg)
        message_id = new_id(
            self.conn.execute(
                messages.insert(),
                dict(
                    chat_id=chat_id,
                    key=msg.key,
                    sender_id=sender,
                    kind=msg.kind,
                    action=msg.action,
                    sent_at=to_utc(msg.sent_at),
                    edited_at=to_utc(msg.edited_at),
                    assumed_zone=msg.assumed_zone,
                    text=msg.text,
                    forwarded_from=msg.forwarded_from,
                    saved_from=msg.saved_from,
                    reply_to=msg.reply_to,
                    via_bot=msg.via_bot,
                    inviter_id=inviter,
                    members=json.dumps(list(msg.members)) if msg.members else None,
                    extra=json.dumps(msg.extra, default=str) if msg.extra else None,
                    first_ingest_id=self.ingest_id,
                ),
            )
        )
        self.conn.execute(
            message_sources.insert(),
            dict(message_id=message_id, ingest_id=self.ingest_id, position=msg.position),
        )
        return message_id

    def _insert_details(
        self, message_id: int, chat_id: int, msg: ChatMessage, media_rows: list[dict[str, Any]]
    ) -> None:
        if msg.entities:
            self.conn.execute(
                message_entities.insert(),
                [
                    {"message_id": message_id, "kind": e.kind, "text": e.text, "value": e.value}
                    for e in msg.entities
                ],
            )
        if media_rows:
            self.conn.execute(
                message_media.insert(),
                [
                    {**row, "message_id": message_id, "ingest_id": self.ingest_id}
                    for row in media_rows
                ],
            )
        for reaction in msg.reactions:
            who: list[AccountRef | None] = [*reaction.accounts] or [None]
            self.conn.execute(
                reactions.insert(),
                [
                    {
                        "message_id": message_id,
                        "emoji": reaction.emoji[:200],
                        "count": reaction.count,
                        "account_id": self.known_account(a) if a else None,
                        "account_key": a.key if a else None,
                        "account_name": a.name[:500] if a and a.name else None,
                    }
                    for a in who
                ],
            )
        self._membership(message_id, chat_id, msg)

    def _inviter(self, msg: ChatMessage) -> int | None:
        """The account of a message's inviter where the export gives its identity; an
        inviter known by name only is linked by name when the export is finished."""
        if msg.inviter is None or msg.inviter.key.startswith(chat_links.NAME_ONLY):
            return None
        return self.account(msg.inviter, msg.sent_at)

    def _membership(self, message_id: int, chat_id: int, msg: ChatMessage) -> None:
        event = MEMBERSHIP.get(msg.action or "")
        if msg.kind != "service" or event is None:
            return
        actor = self.account(msg.sender, msg.sent_at) if msg.sender else None
        at = to_utc(msg.sent_at)
        base = {"chat_id": chat_id, "message_id": message_id, "event": event, "at": at}
        if msg.members and (event in ("invite", "remove") or msg.sender is None):
            by = actor if event in ("invite", "remove") else self._inviter(msg)
            rows = [
                {**base, "name": name[:500], "account_id": None, "by_account_id": by}
                for name in msg.members
            ]
        else:
            by, by_name = self._inviter(msg), msg.inviter.name if msg.inviter else None
            name = msg.sender.name if msg.sender else None
            rows = [
                {**base, "name": name, "account_id": actor, "by_account_id": by, "by_name": by_name}
            ]
        self.conn.execute(membership_events.insert(), rows)

    def link_forwards_by_name(self, platform: Platform) -> int:
        """Link this export's forwarded-from names to accounts (see ``chat_links``)."""
        return chat_links.link_forwards_by_name(self.conn, self.ingest_id, platform)
