"""``crible ingest`` and the views through the entry point, on every shared sample."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import zipfile
from pathlib import Path

import pytest

from tests.conftest import DATA
from tests.e2e.cli import crible, crible_json

SAMPLES = (
    [("telegram", p) for p in sorted((DATA / "samples" / "telegram").glob("*.json"))]
    + [("whatsapp", p) for p in sorted((DATA / "samples" / "whatsapp").glob("*.txt"))]
    + [("discord", p) for p in sorted((DATA / "samples" / "discord").glob("*.json"))]
)


@pytest.mark.parametrize(("platform", "sample"), SAMPLES, ids=[p.name for _, p in SAMPLES])
def test_every_shared_sample_ingests_and_shows_in_the_views(
    tmp_path: Path, platform: str, sample: Path
) -> None:
    db = str(tmp_path / "crible.db")
    done = crible("ingest", platform, str(sample), "--json", "-j", "0", db=db)
    report = json.loads(done.stdout)
    assert report["status"] == "complete"
    assert report["messages_new"] > 0 and report["chats"] >= 1
    # nothing of a sample is rejected: its notes (a count that differs, fields kept raw)
    # never make the exit status 3
    assert (done.returncode, report["problems"]) == (0, []), done.stderr

    shown = crible_json("messages", "--limit", "100000", db=db)
    assert len(shown) == report["messages_new"]
    assert all(m["sent_at"] for m in shown)
    assert crible_json("chats", db=db)[0]["messages"] > 0
    assert any(a["names"] for a in crible_json("accounts", db=db))

    again = json.loads(crible("ingest", platform, str(sample), "--json", db=db).stdout)
    records = report["messages_new"] + report["messages_merged"]
    assert (again["messages_new"], again["messages_merged"]) == (0, records)


def test_expected_contents_of_two_samples(tmp_path: Path) -> None:
    db = str(tmp_path / "crible.db")
    telegram = DATA / "samples" / "telegram" / "telegram-chat-analyzer__raw_minus5.json"
    crible("ingest", "telegram", str(telegram), db=db)
    messages = crible_json("messages", db=db)
    assert any(m["forwarded_from"] for m in messages)
    assert {m["action"] for m in messages if m["kind"] == "service"} >= {
        "create_channel",
        "invite_members",
    }
    pokemon = DATA / "samples" / "whatsapp" / "whatsapp__pokemon.txt"
    pokemon = pokemon.with_name("whatstk__pokemon.txt")
    crible("ingest", "whatsapp", str(pokemon), "--zone", "Europe/Berlin", db=db)
    chats = {c["platform"]: c for c in crible_json("chats", db=db)}
    assert set(chats) == {"telegram", "whatsapp"}
    whatsapp = crible_json("messages", "--chat", chats["whatsapp"]["key"], db=db)
    assert all(m["assumed_zone"] == "Europe/Berlin" for m in whatsapp)


def test_export_text_is_shown_literally_never_as_terminal_markup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crible.services.demo_telegram import TelegramExport, at

    chat = TelegramExport(1, "[red]G[/red]")
    chat.post(1, at(1), (1, "[bold]A"), "[link=x]click[/link] \x1b[31m")
    chat.service(2, at(2), (1, "[bold]A"), "create_group", title="T")
    db = str(tmp_path / "crible.db")
    crible("ingest", "telegram", str(chat.write(tmp_path / "e")), db=db)

    monkeypatch.setenv("COLUMNS", "300")
    shown = crible("messages", db=db).stdout

    assert "[link=x]click[/link]" in shown and "[create_group]" in shown
    assert "[bold]A" in shown and "\x1b" not in shown


def test_notes_are_printed_but_never_change_the_exit_status(tmp_path: Path) -> None:
    db = str(tmp_path / "crible.db")
    export = json.loads(
        (DATA / "samples" / "discord" / "chat-analytics__DM_2A_2M.json").read_text()
    )
    export["messageCount"] = 2  # it holds 3: every one is read, nothing is rejected
    path = tmp_path / "dm.json"
    path.write_text(json.dumps(export))
    done = crible("ingest", "discord", str(path), "-j", "0", db=db)
    assert done.returncode == 0, done.stdout + done.stderr
    shown = " ".join(done.stdout.split())
    assert "notes (nothing rejected)" in shown and "the file says 2 messages, 3 were read" in shown
    assert "rejected" not in shown.replace("nothing rejected", "")

    guessed = tmp_path / "_chat.txt"
    guessed.write_text("01.02.23, 10:00 - Ann: one\n01.02.23, 10:01 - Ben: two\n")
    report = crible("ingest", "whatsapp", str(guessed), "--json", db=db)
    assert report.returncode == 0
    notes = json.loads(report.stdout)["notes"]
    assert [n["position"] for n in notes] == ["file"] and "assumed DMY" in notes[0]["note"]


def test_rejected_input_still_exits_3(tmp_path: Path) -> None:
    export = json.loads(
        (DATA / "samples" / "discord" / "chat-analytics__DM_2A_2M.json").read_text()
    )
    del export["messages"][1]["id"]  # a message crible cannot key: rejected
    path = tmp_path / "dm.json"
    path.write_text(json.dumps(export))
    done = crible("ingest", "discord", str(path), "--json", db=str(tmp_path / "crible.db"))
    assert done.returncode == 3
    problems = json.loads(done.stdout)["problems"]
    assert [p["reason"] for p in problems] == ["message without an id: skipped"]


def test_a_file_of_another_format_is_refused_by_name(tmp_path: Path) -> None:
    db = str(tmp_path / "crible.db")
    discord = DATA / "samples" / "discord" / "chat-analytics__DM_2A_2M.json"
    done = crible("ingest", "telegram", str(discord), db=db)
    assert done.returncode != 0 and "complete" not in done.stdout
    said = " ".join(done.stderr.split())
    assert f"{discord}: not a Telegram Desktop export" in said
    assert "it looks like a DiscordChatExporter JSON export" in said
    assert "Traceback" not in done.stderr
    assert crible_json("messages", db=db) == []


def test_a_zipped_whatsapp_export_through_the_cli(tmp_path: Path) -> None:
    pokemon = DATA / "samples" / "whatsapp" / "whatstk__pokemon.txt"
    packed = tmp_path / "WhatsApp Chat with Pokemon Chat.zip"
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as out:
        out.write(pokemon, "WhatsApp Chat with Pokemon Chat.txt")
    db = str(tmp_path / "crible.db")
    done = crible("ingest", "whatsapp", str(packed), "--zone", "Europe/Berlin", "--json", db=db)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["path"], report["messages_new"]) == (str(packed), 20)
    shown = crible_json("messages", "--limit", "5", db=db)
    assert shown[2]["text"] == "Hey guys!" and shown[2]["sent_at"].startswith("2016-08-06 11:23")
    with sqlite3.connect(db) as conn:
        main_sha256, member = conn.execute("SELECT main_sha256, member FROM ingests").fetchone()
    assert main_sha256 == hashlib.sha256(packed.read_bytes()).hexdigest()
    assert member == "WhatsApp Chat with Pokemon Chat.txt"
