"""Linking the people an export only names to the accounts the store knows.

An export names some people without showing them act: the original author of a forward
(a name), the inviter whose link someone joined by (a name), the people who reacted (an
id and a name). None of them is made an account from that alone: a name could be anyone,
and a group's own name is not a person. They are kept as named, and linked here to an
account that is known from what it sent or did:

- forwards and inviters, by name: when exactly one account with a platform id (not an
  account known by a name only) ever showed that name on that platform;
- reactions, by the key the export gives: when an account with that key exists.

Links are made at the end of each ingest, so that an account a later export brings links
the names and reactions earlier exports left unlinked.
"""

from __future__ import annotations

from sqlalchemy import Connection, and_, select, update

from crible.model.chats import Platform
from crible.store.tables import (
    account_names,
    accounts,
    chats,
    membership_events,
    message_sources,
    messages,
    reactions,
)

NAME_ONLY = "name:"
"""The key prefix of an account known by a name only (no platform id)."""


def owner_of_name(conn: Connection, platform: str, name: str) -> int | None:
    """The one account with a platform id that ever showed ``name`` on ``platform``."""
    owners = conn.execute(
        select(account_names.c.account_id)
        .join(accounts, accounts.c.id == account_names.c.account_id)
        .where(
            account_names.c.kind == "name",
            account_names.c.value == name,
            accounts.c.platform == platform,
            accounts.c.key.not_like(f"{NAME_ONLY}%"),
        )
        .distinct()
        .limit(2)
    ).all()
    return int(owners[0][0]) if len(owners) == 1 else None


def link_forwards_by_name(conn: Connection, ingest_id: int, platform: Platform) -> int:
    """Link the forwarded-from names of an ingest's messages; returns how many were linked."""
    names = conn.execute(
        select(messages.c.forwarded_from)
        .join(message_sources, message_sources.c.message_id == messages.c.id)
        .where(
            message_sources.c.ingest_id == ingest_id,
            messages.c.forwarded_from.is_not(None),
            messages.c.forwarded_account_id.is_(None),
        )
        .distinct()
    ).scalars()
    platform_chats = select(chats.c.id).where(chats.c.platform == str(platform))
    linked = 0
    for name in list(names):
        owner = owner_of_name(conn, str(platform), name)
        if owner is None:
            continue
        result = conn.execute(
            update(messages)
            .where(
                messages.c.forwarded_from == name,
                messages.c.forwarded_account_id.is_(None),
                messages.c.chat_id.in_(platform_chats),
            )
            .values(forwarded_account_id=owner, forwarded_link="by_name")
        )
        linked += result.rowcount or 0
    return linked


def link_inviters_by_name(conn: Connection, ingest_id: int) -> int:
    """Link the inviters an ingest's membership events name; returns how many events."""
    named = conn.execute(
        select(chats.c.platform, membership_events.c.by_name)
        .join(chats, chats.c.id == membership_events.c.chat_id)
        .join(message_sources, message_sources.c.message_id == membership_events.c.message_id)
        .where(
            message_sources.c.ingest_id == ingest_id,
            membership_events.c.by_name.is_not(None),
            membership_events.c.by_account_id.is_(None),
        )
        .distinct()
    ).all()
    linked = 0
    for platform, name in named:
        owner = owner_of_name(conn, platform, name)
        if owner is None:
            continue
        platform_chats = select(chats.c.id).where(chats.c.platform == platform)
        result = conn.execute(
            update(membership_events)
            .where(
                membership_events.c.by_name == name,
                membership_events.c.by_account_id.is_(None),
                membership_events.c.chat_id.in_(platform_chats),
            )
            .values(by_account_id=owner)
        )
        linked += result.rowcount or 0
        events = select(membership_events.c.message_id).where(
            membership_events.c.by_name == name, membership_events.c.by_account_id == owner
        )
        conn.execute(
            update(messages)
            .where(messages.c.id.in_(events), messages.c.inviter_id.is_(None))
            .values(inviter_id=owner)
        )
    return linked


def link_reactions(conn: Connection) -> None:
    """Link every reaction still unlinked to the account of its key, where one exists."""
    platform = (
        select(chats.c.platform)
        .join(messages, messages.c.chat_id == chats.c.id)
        .where(messages.c.id == reactions.c.message_id)
        .correlate(reactions)
        .scalar_subquery()
    )
    account = (
        select(accounts.c.id)
        .where(and_(accounts.c.key == reactions.c.account_key, accounts.c.platform == platform))
        .correlate(reactions)
    )
    conn.execute(
        update(reactions)
        .where(
            reactions.c.account_id.is_(None),
            reactions.c.account_key.is_not(None),
            account.exists(),
        )
        .values(account_id=account.scalar_subquery())
    )
