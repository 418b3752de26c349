"""Evidence audit (issue 12, done-when): every sample export is ingested, and each stored
message's UTC time, author and text are compared, message by message, with a reading of the
source file written here, independently of crible's parsers: ``json`` for Telegram and
Discord, a regular expression and ``zoneinfo`` for WhatsApp (several zones, both date
orders). Run on both backends."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from crible.services.ingest import IngestOptions, ingest
from crible.store import Store
from crible.store.tables import account_names, accounts, message_sources, messages
from tests.conftest import DATA

SAMPLES = DATA / "samples"
MARKS = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\ufeff"))


@dataclass(frozen=True)
class Fact:
    """A message as its source file states it."""

    at: datetime | None
    author: str | None
    """The author's identity: a platform id, ``name:<name>`` or a phone; None: not checked."""
    name: str | None
    """The name the author showed, where the file gives one."""
    text: str


@dataclass(frozen=True)
class Stored:
    """A message as the store holds it, for one ingest."""

    at: datetime | None
    author: str | None
    names: frozenset[str]
    kind: str
    text: str


# --- independent readings of the sources ---------------------------------------------------


def _telegram_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return "".join(part if isinstance(part, str) else part.get("text", "") for part in value)


def _telegram_time(msg: dict[str, Any], zone: ZoneInfo) -> datetime | None:
    if "date_unixtime" in msg:
        return datetime.fromtimestamp(int(msg["date_unixtime"]), UTC)
    return datetime.fromisoformat(msg["date"]).replace(tzinfo=zone).astimezone(UTC)


def _telegram_author(msg: dict[str, Any]) -> tuple[str | None, str | None]:
    ident, name = (
        (msg.get("actor_id"), msg.get("actor"))
        if "actor" in msg or "actor_id" in msg
        else (
            msg.get("from_id"),
            msg.get("from"),
        )
    )
    if isinstance(ident, int):  # exports before April 2021 wrote the user id as a number
        ident = f"user{ident}"
    if ident is None and name is not None:
        ident = f"name:{name}"
    return ident, name


def read_telegram(path: Path, zone: str) -> Iterator[Fact]:
    document = json.loads(path.read_text(encoding="utf-8"))
    chats = [document] if "messages" in document else document["chats"]["list"]
    for chat in chats:
        for msg in chat["messages"]:
            author, name = _telegram_author(msg)
            yield Fact(
                _telegram_time(msg, ZoneInfo(zone)), author, name, _telegram_text(msg["text"])
            )


def read_discord(path: Path, _zone: str) -> Iterator[Fact]:
    seen: set[str] = set()
    for msg in json.loads(path.read_text(encoding="utf-8"))["messages"]:
        if msg["id"] in seen:  # the exporter sometimes writes a message twice
            continue
        seen.add(msg["id"])
        at = datetime.fromisoformat(msg["timestamp"]).astimezone(UTC)
        author = msg["author"]
        yield Fact(at, author["id"], author.get("nickname") or author["name"], msg["content"])


_WHATSAPP = re.compile(
    r"\[?(?P<a>\d{1,4})[./-](?P<b>\d{1,2})[./-](?P<c>\d{2,4}),? "
    r"(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?"
    r"(?: ?(?P<ampm>[ap])\.? ?m\.?)?\]?(?: -)? (?P<body>.*)",
    re.IGNORECASE,
)


def _whatsapp_time(found: re.Match[str], order: str, zone: ZoneInfo) -> datetime:
    a, b, c = int(found["a"]), int(found["b"]), int(found["c"])
    day, month, year = (a, b, c) if order == "DMY" else (b, a, c)
    year += 2000 if year < 100 else 0
    hour = int(found["h"])
    if found["ampm"]:
        hour = hour % 12 + (12 if found["ampm"].lower() == "p" else 0)
    local = datetime(year, month, day, hour, int(found["m"]), int(found["s"] or 0), tzinfo=zone)
    return local.astimezone(UTC)


def read_whatsapp(path: Path, zone: str, order: str) -> Iterator[Fact]:
    current: dict[str, Any] | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        found = _WHATSAPP.fullmatch(line.translate(MARKS).replace("\u202f", " "))
        if found is None:
            assert current is not None, line
            current["lines"].append(line)
            continue
        if current is not None:
            yield _whatsapp_fact(current)
        body = line[line.index(found["body"][:8]) :] if found["body"] else ""
        current = {"at": _whatsapp_time(found, order, ZoneInfo(zone)), "lines": [body]}
    if current is not None:
        yield _whatsapp_fact(current)


def _whatsapp_fact(message: dict[str, Any]) -> Fact:
    body, *rest = message["lines"]
    while rest and rest[-1] == "":  # WhatsApp trims what is sent: a blank end is the file's
        rest.pop()
    head, colon, text = body.partition(":")
    if not colon or '"' in head:  # a system line: no author
        return Fact(message["at"], None, None, "\n".join([body, *rest]))
    name = head.translate(MARKS).strip()
    text = text.removeprefix(" ")
    if text.translate(MARKS).strip().endswith("omitted"):  # a media placeholder, no text
        text = ""
    phone = re.sub(r"\D", "", name) if re.fullmatch(r"\+[\d ()-]+", name) else None
    return Fact(
        message["at"], f"+{phone}" if phone else f"name:{name}", name, "\n".join([text, *rest])
    )


# --- what the store holds -----------------------------------------------------------------


def stored_messages(store: Store, ingest_id: int) -> list[Stored]:
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(
                messages.c.sent_at, accounts.c.key, accounts.c.id, messages.c.kind, messages.c.text
            )
            .join(message_sources, message_sources.c.message_id == messages.c.id)
            .outerjoin(accounts, accounts.c.id == messages.c.sender_id)
            .where(message_sources.c.ingest_id == ingest_id)
            .order_by(message_sources.c.id)
        ).all()
        names: dict[int, set[str]] = {}
        for account_id, value in conn.execute(
            select(account_names.c.account_id, account_names.c.value).where(
                account_names.c.kind == "name"
            )
        ):
            names.setdefault(account_id, set()).add(value)
    return [
        Stored(
            at if at is None or at.tzinfo else at.replace(tzinfo=UTC),
            key,
            frozenset(names.get(account_id, ())),
            kind,
            text,
        )
        for at, key, account_id, kind, text in rows
    ]


def audit(facts: list[Fact], stored: list[Stored], source: str) -> None:
    assert len(stored) == len(facts), source
    for number, (fact, held) in enumerate(zip(facts, stored, strict=True), 1):
        where = f"{source}, message {number}"
        assert held.at is not None and held.at == fact.at, where
        assert held.at.utcoffset() is not None and held.at.utcoffset().total_seconds() == 0
        if held.kind == "service":
            # a system line: its text is kept (within the line); who did it is read from
            # its wording on WhatsApp, checked here only where both readings name someone
            assert held.text.translate(MARKS) in fact.text.translate(MARKS), where
            if held.author is not None and fact.author is not None:
                assert held.author == fact.author, where
            continue
        assert held.author == fact.author, where
        if fact.name is not None:
            assert fact.name in held.names, where
        assert held.text == fact.text, where


# --- the audit ------------------------------------------------------------------------------

TELEGRAM = sorted((SAMPLES / "telegram").glob("*.json"))
DISCORD = sorted((SAMPLES / "discord").glob("*.json"))
WHATSAPP = [
    ("whatstk__pokemon.txt", "DMY", ("Europe/Berlin", "UTC", "Asia/Kolkata")),
    ("chat-miner__test_mmddyyyy_12hrs.txt", "MDY", ("America/Mexico_City", "Europe/Madrid")),
    ("langchain-community__whatsapp_chat.txt", "MDY", ("America/New_York", "Australia/Sydney")),
]


def test_every_sample_export_is_stored_as_its_source_says(store: Store) -> None:
    checked = 0
    for path in TELEGRAM:
        for zone in ("UTC", "Europe/Paris"):  # used only where a message has no Unix time
            report = ingest(store, "telegram", path, IngestOptions(zone=zone), workers=0)
            facts = list(read_telegram(path, zone))
            audit(facts, stored_messages(store, report.ingest_id), f"{path.name} in {zone}")
            checked += len(facts)
    for path in DISCORD:
        report = ingest(store, "discord", path, workers=0)
        facts = list(read_discord(path, "UTC"))
        audit(facts, stored_messages(store, report.ingest_id), path.name)
        checked += len(facts)
    for name, order, zones in WHATSAPP:
        path = SAMPLES / "whatsapp" / name
        for zone in zones:  # each zone read again corrects the stored times
            report = ingest(store, "whatsapp", path, IngestOptions(zone=zone), workers=0)
            facts = list(read_whatsapp(path, zone, order))
            audit(facts, stored_messages(store, report.ingest_id), f"{name} in {zone}")
            checked += len(facts)
    assert checked > 150


@pytest.mark.parametrize("order", ["DMY", "MDY"])
def test_both_date_orders_as_given(store: Store, tmp_path: Path, order: str) -> None:
    """The same short file (no day above 12: the order cannot be inferred) read each way."""
    path = tmp_path / "WhatsApp Chat with Ann.txt"
    path.write_text(
        "03/04/23, 09:15 - Ann: first\n04/05/23, 22:40 - Ben: second\nline two\n",
        encoding="utf-8",
    )
    options = IngestOptions(zone="Europe/Paris", date_order=order)
    report = ingest(store, "whatsapp", path, options, workers=0)
    facts = list(read_whatsapp(path, "Europe/Paris", order))
    audit(facts, stored_messages(store, report.ingest_id), f"{order}")
    expected = (
        datetime(2023, 4, 3, 7, 15, tzinfo=UTC)
        if order == "DMY"
        else datetime(2023, 3, 4, 8, 15, tzinfo=UTC)
    )
    assert facts[0].at == expected
