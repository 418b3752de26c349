"""A file ingested under the wrong format is refused, naming what it looks like, and stores
nothing (issue 12, point 8: a Discord file ingested as Telegram was "complete" with
messages whose text was "[None]" and no time), on both backends."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from crible.model.errors import BadInput
from crible.services.ingest import ingest
from crible.store import Store
from crible.store.tables import accounts, ingests, messages
from tests.conftest import DATA
from tests.rows import count_rows

SAMPLES = DATA / "samples"
DISCORD = SAMPLES / "discord" / "chat-analytics__SV_5A_5M.json"
TELEGRAM = SAMPLES / "telegram" / "langchain-community__result.json"
WHATSAPP = SAMPLES / "whatsapp" / "whatstk__pokemon.txt"


def _refused(store: Store, platform: str, path: Path, looks: str) -> str:
    with pytest.raises(BadInput) as caught:
        ingest(store, platform, path, workers=0)
    message = str(caught.value)
    assert str(path) in message and f"it looks like {looks}" in message
    assert count_rows(store, ingests) == count_rows(store, messages) == 0
    assert count_rows(store, accounts) == 0
    return message


def test_a_discord_export_is_not_a_telegram_one(store: Store) -> None:
    message = _refused(store, "telegram", DISCORD, "a DiscordChatExporter JSON export")
    assert "not a Telegram Desktop export" in message and "crible ingest discord" in message


def test_a_telegram_export_is_not_a_discord_one(store: Store, tmp_path: Path) -> None:
    message = _refused(store, "discord", TELEGRAM, "a Telegram Desktop export")
    assert "not a DiscordChatExporter JSON export" in message
    full = SAMPLES / "telegram" / "chat-miner__test_batch_export.json"  # chats.list shape
    _refused(store, "discord", full, "a Telegram Desktop export")


def test_a_whatsapp_text_is_neither_json_format(store: Store) -> None:
    _refused(store, "telegram", WHATSAPP, "a WhatsApp text export")
    _refused(store, "discord", WHATSAPP, "a WhatsApp text export")


def test_json_given_as_whatsapp_is_refused(store: Store, tmp_path: Path) -> None:
    disguised = tmp_path / "WhatsApp Chat with Bob.txt"
    shutil.copy(DISCORD, disguised)
    _refused(store, "whatsapp", disguised, "a DiscordChatExporter JSON export")
    shutil.copy(TELEGRAM, disguised)
    _refused(store, "whatsapp", disguised, "a Telegram Desktop export")


def test_a_zip_given_as_telegram_is_refused(store: Store, tmp_path: Path) -> None:
    packed = tmp_path / "result.json"
    with zipfile.ZipFile(packed, "w") as archive:
        archive.write(TELEGRAM, "result.json")
    _refused(store, "telegram", packed, "a zip archive")


def test_other_json_is_refused_by_every_json_format(store: Store, tmp_path: Path) -> None:
    other = tmp_path / "result.json"
    other.write_text('{"messages": [{"id": 1, "body": "no date, no author"}]}')
    for platform in ("telegram", "discord"):
        _refused(store, platform, other, "JSON that is no known chat export")
