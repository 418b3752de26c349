"""chat times and names

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01

- ``ingests.member``/``member_sha256``: the entry read inside a container (a zipped
  WhatsApp export), whose own SHA-256 stays in ``main_sha256``;
- ``ingest_problems.note``: notes (a guessed date order...) apart from rejected input;
- ``reactions.account_key``/``account_name`` and ``membership_events.by_name``: people an
  export only names, kept as named instead of being made accounts;
- WhatsApp messages already stored: their keys no longer depend on the zone the file was
  read in (the local time as written, the sender without the iOS ``~`` marker, the text,
  the repeat number), so that reading the file again in another zone corrects the stored
  times instead of duplicating them. Messages that the old keys had stored twice (the same
  file read in two zones) are merged, the latest reading's time kept, unless both copies
  are evidence in a case. On SQLite, WhatsApp times had been stored as local wall-clock
  times (SQLite keeps a datetime's digits, not its offset): they are converted to UTC
  with the zone each message records. Accounts named ``name:~ X`` take the key
  ``name:X`` where no such account exists yet.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NON_CONTACT = "name:~ "
_LINE = re.compile(r"line (\d+)")

_messages = sa.table(
    "messages",
    sa.column("id", sa.Integer),
    sa.column("chat_id", sa.Integer),
    sa.column("key", sa.String),
    sa.column("sender_id", sa.Integer),
    sa.column("sent_at", sa.DateTime(timezone=True)),
    sa.column("edited_at", sa.DateTime(timezone=True)),
    sa.column("assumed_zone", sa.String),
    sa.column("text", sa.Text),
    sa.column("first_ingest_id", sa.Integer),
)
_membership = sa.table(
    "membership_events",
    sa.column("message_id", sa.Integer),
    sa.column("at", sa.DateTime(timezone=True)),
)
_sources = sa.table(
    "message_sources",
    sa.column("message_id", sa.Integer),
    sa.column("ingest_id", sa.Integer),
    sa.column("position", sa.String),
)
_accounts = sa.table(
    "accounts",
    sa.column("id", sa.Integer),
    sa.column("platform", sa.String),
    sa.column("key", sa.String),
)
_names = sa.table(
    "account_names",
    sa.column("account_id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("value", sa.String),
    sa.column("first_seen_at", sa.DateTime(timezone=True)),
    sa.column("last_seen_at", sa.DateTime(timezone=True)),
)
_DETAILS = (
    "message_entities",
    "message_media",
    "reactions",
    "membership_events",
    "message_sources",
)
"""Rows that belong to a message, deleted with a copy merged into another."""
_chats = sa.table("chats", sa.column("id", sa.Integer), sa.column("platform", sa.String))
_evidence = sa.table("case_evidence", sa.column("kind", sa.String), sa.column("ref", sa.String))


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column("ingests", sa.Column("member", sa.Text(), nullable=True))
    op.add_column("ingests", sa.Column("member_sha256", sa.String(length=64), nullable=True))
    op.add_column(
        "ingest_problems",
        sa.Column("note", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column("reactions", sa.Column("account_key", sa.String(length=200), nullable=True))
    op.add_column("reactions", sa.Column("account_name", sa.String(length=500), nullable=True))
    op.add_column("membership_events", sa.Column("by_name", sa.String(length=500), nullable=True))
    conn = op.get_bind()
    _rename_non_contacts(conn)
    _rekey_whatsapp(conn)


def downgrade() -> None:
    """Downgrade schema (the new keys and UTC times stay)."""
    op.drop_column("membership_events", "by_name")
    op.drop_column("reactions", "account_name")
    op.drop_column("reactions", "account_key")
    op.drop_column("ingest_problems", "note")
    op.drop_column("ingests", "member_sha256")
    op.drop_column("ingests", "member")


def _fingerprint(local: datetime | None, sender: str | None, text: str, occurrence: int) -> str:
    """crible.ingest.whatsapp_build.fingerprint as of this revision (frozen here)."""
    wall = local.replace(tzinfo=None).isoformat() if local else None
    parts: list[Any] = [wall, sender, text]
    if occurrence > 1:
        parts.append(occurrence)
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()


def _person_key(key: str | None) -> str | None:
    """An account key without the iOS non-contact marker."""
    if key is not None and key.startswith(_NON_CONTACT) and key[len(_NON_CONTACT) :].strip():
        return "name:" + key[len(_NON_CONTACT) :].strip()
    return key


def _rename_non_contacts(conn: sa.Connection) -> None:
    """``name:~ X`` becomes ``name:X`` where no account has that key yet."""
    rows = conn.execute(
        sa.select(_accounts.c.id, _accounts.c.key).where(
            _accounts.c.platform == "whatsapp", _accounts.c.key.like("name:~ %")
        )
    ).all()
    for account_id, key in rows:
        person = _person_key(key)
        taken = conn.execute(
            sa.select(_accounts.c.id).where(
                _accounts.c.platform == "whatsapp", _accounts.c.key == person
            )
        ).first()
        if person == key or taken is not None or person is None:
            continue
        conn.execute(sa.update(_accounts).where(_accounts.c.id == account_id).values(key=person))
        name = person.removeprefix("name:")
        shown = conn.execute(
            sa.select(_names.c.first_seen_at, _names.c.last_seen_at).where(
                _names.c.account_id == account_id, _names.c.kind == "name"
            )
        ).first()
        known = conn.execute(
            sa.select(_names.c.value).where(
                _names.c.account_id == account_id, _names.c.kind == "name", _names.c.value == name
            )
        ).first()
        if known is None:
            first, last = (shown[0], shown[1]) if shown else (None, None)
            conn.execute(
                sa.insert(_names).values(
                    account_id=account_id,
                    kind="name",
                    value=name,
                    first_seen_at=first,
                    last_seen_at=last,
                )
            )


def _rekey_whatsapp(conn: sa.Connection) -> None:
    """New keys (and UTC times on SQLite) for every WhatsApp message, chat by chat."""
    sqlite = conn.dialect.name == "sqlite"
    chat_ids = conn.execute(
        sa.select(_chats.c.id).where(_chats.c.platform == "whatsapp").order_by(_chats.c.id)
    ).scalars()
    in_cases = {
        int(ref)
        for (ref,) in conn.execute(
            sa.select(_evidence.c.ref).where(_evidence.c.kind == "message")
        ).all()
        if str(ref).isdigit()
    }
    for chat_id in list(chat_ids):
        _rekey_chat(conn, chat_id, sqlite, in_cases)


def _rekey_chat(conn: sa.Connection, chat_id: int, sqlite: bool, in_cases: set[int]) -> None:
    """New keys for one chat's WhatsApp messages; copies of one message merged."""
    senders = sa.select(_accounts.c.key).where(_accounts.c.id == _messages.c.sender_id)
    rows = conn.execute(
        sa.select(
            _messages.c.id,
            _messages.c.sent_at,
            _messages.c.edited_at,
            _messages.c.assumed_zone,
            _messages.c.text,
            _messages.c.first_ingest_id,
            senders.scalar_subquery().label("sender"),
        )
        .where(_messages.c.chat_id == chat_id)
        .order_by(_messages.c.id)
    ).all()
    if not rows:
        return
    ids = [row.id for row in rows]
    sources: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for message_id, ingest_id, position in conn.execute(
        sa.select(_sources.c.message_id, _sources.c.ingest_id, _sources.c.position).where(
            _sources.c.message_id.in_(ids)
        )
    ).all():
        found = _LINE.fullmatch(position or "")
        sources[ingest_id].append((int(found[1]) if found else message_id, message_id))
    base: dict[int, str] = {}
    times: dict[int, tuple[datetime | None, datetime | None]] = {}
    for row in rows:
        local, sent_at = _local(row.sent_at, row.assumed_zone, sqlite)
        times[row.id] = (sent_at, _local(row.edited_at, row.assumed_zone, sqlite)[1])
        base[row.id] = _fingerprint(local, _person_key(row.sender), row.text, 1)
    occurrence: dict[int, int] = {}
    for listed in sources.values():
        seen: dict[str, int] = defaultdict(int)
        for _, message_id in sorted(listed):
            seen[base[message_id]] += 1
            occurrence.setdefault(message_id, seen[base[message_id]])
    by_key: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        local, _ = _local(row.sent_at, row.assumed_zone, sqlite)
        count = occurrence.get(row.id, 1)
        key = (
            base[row.id]
            if count == 1
            else _fingerprint(local, _person_key(row.sender), row.text, count)
        )
        by_key[key].append(row)
    for key, copies in by_key.items():
        _store_key(conn, key, copies, times, in_cases)


def _local(
    stored: datetime | None, zone_name: str | None, sqlite: bool
) -> tuple[datetime | None, datetime | None]:
    """(local time in the message's zone, the time in UTC) of a stored WhatsApp time."""
    if stored is None:
        return None, None
    try:
        zone = ZoneInfo(zone_name or "UTC")
    except (ValueError, OSError, KeyError):
        zone = ZoneInfo("UTC")
    if sqlite or stored.tzinfo is None:
        local = stored.replace(tzinfo=zone)
        return local, local.astimezone(UTC)
    return stored.astimezone(zone), stored.astimezone(UTC)


def _store_key(
    conn: sa.Connection,
    key: str,
    copies: list[Any],
    times: dict[int, tuple[datetime | None, datetime | None]],
    in_cases: set[int],
) -> None:
    """Give one message its new key and UTC time; merge the copies the old keys made."""
    held = [c for c in copies if c.id in in_cases]
    if len(copies) > 1 and len(held) > 1:  # both copies are case evidence: leave them apart
        for copy in copies:
            _set_time(conn, copy.id, times[copy.id], copy.assumed_zone)
        return
    kept = held[0] if held else copies[0]
    latest = max(copies, key=lambda c: (c.first_ingest_id or 0, c.id))
    for copy in copies:
        if copy.id == kept.id:
            continue
        for ingest_id, position in conn.execute(
            sa.select(_sources.c.ingest_id, _sources.c.position).where(
                _sources.c.message_id == copy.id
            )
        ).all():
            present = conn.execute(
                sa.select(_sources.c.message_id).where(
                    _sources.c.message_id == kept.id, _sources.c.ingest_id == ingest_id
                )
            ).first()
            if present is None:
                conn.execute(
                    sa.insert(_sources).values(
                        message_id=kept.id, ingest_id=ingest_id, position=position
                    )
                )
        for name in _DETAILS:
            details = sa.table(name, sa.column("message_id", sa.Integer))
            conn.execute(sa.delete(details).where(details.c.message_id == copy.id))
        conn.execute(sa.delete(_messages).where(_messages.c.id == copy.id))
    conn.execute(sa.update(_messages).where(_messages.c.id == kept.id).values(key=key))
    _set_time(conn, kept.id, times[latest.id], latest.assumed_zone)


def _set_time(
    conn: sa.Connection,
    message_id: int,
    utc: tuple[datetime | None, datetime | None],
    zone: str | None,
) -> None:
    """Store a message's time in UTC (and its membership event's)."""
    sent_at, edited_at = utc
    conn.execute(
        sa.update(_messages)
        .where(_messages.c.id == message_id)
        .values(sent_at=sent_at, edited_at=edited_at, assumed_zone=zone)
    )
    conn.execute(
        sa.update(_membership).where(_membership.c.message_id == message_id).values(at=sent_at)
    )
