"""Who and when, as a Telegram Desktop export gives them: accounts, chats, dates."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any

from crible.ingest.telegram.parts import MAX_FIELD
from crible.ingest.zones import load_zone
from crible.model.chats import AccountRef, ChatRef, ExportNote, Platform

ACCOUNT_CACHE = 50_000
"""Accounts remembered (so that messages share one AccountRef object); then forgotten."""

UNKNOWN_NAMES = 1000
"""Most distinct unknown message types and fields counted."""


@dataclass
class Context:
    """What converting messages needs: the zone of local dates, the accounts seen."""

    zone: tzinfo
    zone_name: str
    accounts: dict[tuple[str, str | None], AccountRef] = field(default_factory=dict)
    unknown: Counter[str] = field(default_factory=Counter)
    """Message types and fields crible does not know, and how many messages had each."""

    def count_unknown(self, name: str) -> None:
        """Count one more message with this unknown type or field (``UNKNOWN_NAMES`` at most)."""
        if name in self.unknown or len(self.unknown) < UNKNOWN_NAMES:
            self.unknown[name] += 1

    def take_summary(self) -> ExportNote | None:
        """The note that counts what was not understood (kept raw), if anything was;
        the count starts again from zero."""
        if not self.unknown:
            return None
        listed = ", ".join(f"{name} ({count})" for name, count in self.unknown.most_common(50))
        more = f" and {len(self.unknown) - 50} more" if len(self.unknown) > 50 else ""
        self.unknown.clear()
        reason = f"not understood, kept raw in the messages' extra: {listed}{more}"
        return ExportNote("export", reason)

    @classmethod
    def for_zone(cls, zone: str | None) -> Context:
        """The context for an IANA zone name (None: UTC, recorded as assumed); else UserError."""
        if zone is None:
            return cls(UTC, "UTC")
        return cls(load_zone(zone), zone)

    def account(self, raw_id: Any, raw_name: Any) -> tuple[AccountRef | None, bool]:
        """The account of a (``from_id``, ``from``) pair, and whether the raw id must be kept.

        Ids in the current form ("user123", "channel456", "chat789") are the key as they
        are. A legacy integer N (exports before April 2021) becomes "user<N>" ("peer<N>"
        if negative); the caller keeps the integer in ``extra``. Without an id, the key is
        "name:<name>".
        """
        name = raw_name[:MAX_FIELD] if isinstance(raw_name, str) else None
        keep = False
        if isinstance(raw_id, str) and raw_id:
            key = raw_id[:MAX_FIELD]
        elif isinstance(raw_id, int) and not isinstance(raw_id, bool):
            key, keep = (f"user{raw_id}" if raw_id >= 0 else f"peer{raw_id}"), True
        elif name is not None:
            key, keep = f"name:{name}", raw_id is not None
        else:
            return None, raw_id is not None
        ref = self.accounts.get((key, name))
        if ref is None:
            if len(self.accounts) >= ACCOUNT_CACHE:
                self.accounts.clear()
            ref = self.accounts[key, name] = AccountRef(Platform.TELEGRAM, key, name)
        return ref, keep

    def when(
        self, raw: dict[str, Any], unix_key: str, local_key: str, problems: list[str]
    ) -> tuple[datetime | None, bool]:
        """Pop a date (the Unix time, else the local time in the zone); whether it was local."""
        unix = raw.get(unix_key)
        if type(unix) is str and unix.isdigit() and len(unix) < 12:  # the usual case, quickly
            del raw[unix_key]
            raw.pop(local_key, None)
            return datetime.fromtimestamp(int(unix), UTC), False
        if unix is not None and (instant := _from_unix(unix)) is not None:
            del raw[unix_key]
            raw.pop(local_key, None)
            return instant, False
        local = raw.get(local_key)
        if isinstance(local, str) and (parsed := _from_iso(local)) is not None:
            if parsed.tzinfo is None:  # the local text stays in extra, as written
                return parsed.replace(tzinfo=self.zone).astimezone(UTC), True
            del raw[local_key]
            return parsed.astimezone(UTC), False
        if unix is not None or local is not None:
            problems.append(f"{unix_key}/{local_key}: no readable date, kept raw")
        return None, False


def _from_unix(value: Any) -> datetime | None:
    """A Unix time (an integer or its decimal text) as an aware UTC datetime."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    try:
        return datetime.fromtimestamp(int(value), UTC)
    except (ValueError, OverflowError, OSError):
        return None


def _from_iso(value: str) -> datetime | None:
    """An ISO 8601 date and time, naive or not; None if unreadable."""
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def chat_key(raw_id: Any, name: str | None, path: str) -> str:
    """A chat's key: its id as text, else "name:<name>", else "pos:<where in the export>"."""
    if isinstance(raw_id, int | str) and not isinstance(raw_id, bool) and raw_id != "":
        return str(raw_id)[:MAX_FIELD]
    if name is not None:
        return f"name:{name}"
    return f"pos:{path}"


def chat_ref(header: dict[str, Any], path: str) -> ChatRef:
    """A chat from its ``name``, ``type`` and ``id``."""
    name = header.get("name")
    name = name[:MAX_FIELD] if isinstance(name, str) else None
    kind = header.get("type")
    kind = kind[:MAX_FIELD] if isinstance(kind, str) else None
    return ChatRef(Platform.TELEGRAM, chat_key(header.get("id"), name, path), name, kind)


def person(raw: Any) -> AccountRef | None:
    """The owner or a contact: keyed ``user<user_id>``, else ``phone:<phone_number>``, else
    ``name:<first_name last_name>``; None without any of them."""
    if not isinstance(raw, dict):
        return None
    texts = {k: v[:MAX_FIELD] for k, v in raw.items() if isinstance(v, str) and v}
    name = " ".join(texts[k] for k in ("first_name", "last_name") if k in texts) or None
    phone = texts.get("phone_number")
    user_id = raw.get("user_id")
    if isinstance(user_id, int) and not isinstance(user_id, bool) and user_id > 0:
        key = f"user{user_id}"
    elif phone is not None:
        key = f"phone:{phone}"
    elif name is not None:
        key = f"name:{name}"
    else:
        return None
    handle = texts.get("username", "").removeprefix("@") or None
    return AccountRef(Platform.TELEGRAM, key, name, handle, phone)
