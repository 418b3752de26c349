"""DiscordChatExporter JSON exports: the shared samples, generated exports and bad input."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from crible.ingest import discord
from crible.ingest.discord.stream import MAX_DEPTH, MAX_STRING_CHARS
from crible.model.chats import (
    AccountRef,
    ChatMessage,
    ChatRef,
    Entity,
    ExportInfo,
    ExportNote,
    ExportProblem,
    ExportRecord,
    Platform,
)
from crible.model.errors import BadInput
from tests.conftest import DATA

SAMPLES = DATA / "samples" / "discord"
ALICE = {"id": "101", "name": "alice", "discriminator": "0000", "nickname": "Alice", "isBot": False}
BOB = {"id": "202", "name": "bob", "discriminator": "4321", "isBot": False}


def _read(path: Path) -> list[ExportRecord]:
    return list(discord.parse(path))


def _messages(records: list[ExportRecord]) -> list[ChatMessage]:
    return [r for r in records if isinstance(r, ChatMessage)]


def _problems(records: list[ExportRecord]) -> list[ExportProblem]:
    return [r for r in records if isinstance(r, ExportProblem)]


def _message(number: int, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": str(9000 + number),
        "type": "Default",
        "timestamp": f"2024-03-0{1 + number % 9}T10:00:00.000+02:00",
        "timestampEdited": None,
        "isPinned": False,
        "content": f"placeholder text {number}",
        "author": ALICE,
        "attachments": [],
        "embeds": [],
        "stickers": [],
        "reactions": [],
        "mentions": [],
    }
    return {**base, **fields}


def _export(folder: Path, messages: list[Any], name: str = "general.json", **top: Any) -> Path:
    document = {
        "guild": {"id": "77", "name": "Garden club", "iconUrl": "x"},
        "channel": {
            "id": "88",
            "type": "GuildTextChat",
            "categoryId": "5",
            "category": "Chat",
            "name": "general",
            "topic": None,
        },
        "dateRange": {"after": None, "before": None},
        "exportedAt": "2024-03-10T10:00:00+00:00",
        "messages": messages,
        "messageCount": len(messages),
        **top,
    }
    path = folder / name
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


def test_server_sample() -> None:
    records = _read(SAMPLES / "chat-analytics__SV_5A_5M.json")
    assert records[0] == ExportInfo(Platform.DISCORD, "discordchatexporter-json")
    assert records[1] == ChatRef(
        Platform.DISCORD, "253601524398293010", "general-chiptune", "GuildTextChat", "DefleMask"
    )
    assert _problems(records) == []
    messages = _messages(records)
    assert [m.key for m in messages][:2] == ["459136077417021488"] * 2 and len(messages) == 5
    assert replace(messages[0], position="message 2") == messages[1]
    deleted = messages[0]
    assert deleted.sender == AccountRef(
        Platform.DISCORD, "555555555555555555", "Deleted User", "Deleted User"
    )
    assert deleted.edited_at == datetime(2018, 5, 20, 16, 9, 56, 439000, tzinfo=UTC)
    assert deleted.extra == {"guild_id": "253601524398293010"}
    no_nickname = messages[2].sender
    assert no_nickname is not None and (no_nickname.name, no_nickname.username) == (
        "mlomb",
        "mlomb#5506",
    )
    attachment, sticker = messages[3].media
    assert (attachment.kind, attachment.file_name, attachment.size_bytes) == (
        "image",
        "unknown.png",
        165152,
    )
    assert (attachment.exported, attachment.path) == (False, None)
    assert attachment.note == "https://cdn.discordapp.com/attachments/123/123/unknown.png"
    assert (sticker.kind, sticker.file_name, sticker.exported) == ("sticker", "Laugh", False)
    custom, heart = messages[4].reactions
    assert (custom.emoji, custom.count) == ("<:paul:464662216386412545>", 3)
    assert (heart.emoji, heart.count) == ("❤", 2)


def test_direct_message_sample() -> None:
    records = _read(SAMPLES / "chat-analytics__DM_2A_2M.json")
    chat = records[1]
    assert isinstance(chat, ChatRef)
    assert (chat.key, chat.name, chat.type, chat.parent) == (
        "530805775262679064",
        "Someones name",
        "DirectTextChat",
        None,
    )
    assert _problems(records) == []
    first, bot, call = _messages(records)
    assert [(r.emoji, r.count) for r in first.reactions] == [("\U0001f446", 42)]
    assert bot.sender is not None and bot.sender.is_bot and bot.sender.name == "Someones nickname"
    assert first.sender is not None and not first.sender.is_bot
    assert (call.kind, call.action, call.text) == (
        "service",
        "Call",
        "Started a call that lasted 251 minutes.",
    )
    assert call.sent_at == datetime(2020, 7, 17, 17, 3, 14, 366000, tzinfo=UTC)
    assert call.extra == {"call_ended_at": "2020-07-17T21:14:52.787+00:00"}
    assert all(m.assumed_zone is None and "guild_id" not in m.extra for m in (first, bot, call))


def test_local_media_replies_forwards_mentions(tmp_path: Path) -> None:
    files = tmp_path / "general.json_Files"
    files.mkdir()
    (files / "photo-1A2B.jpg").write_bytes(b"placeholder")
    messages = [
        _message(
            1,
            content="look https://example.org/page",
            attachments=[
                {
                    "id": "1",
                    "url": "general.json_Files/photo-1A2B.jpg",
                    "fileName": "photo.jpg",
                    "fileSizeBytes": 11,
                },
                {
                    "id": "2",
                    "url": "general.json_Files\\clip-3C4D.mp4",
                    "fileName": "clip.mp4",
                    "fileSizeBytes": 5,
                },
            ],
            embeds=[
                {
                    "title": "A page",
                    "url": "https://example.org/page",
                    "thumbnail": {"url": "general.json_Files/thumb.png", "width": 4, "height": 3},
                }
            ],
            mentions=[BOB],
            reactions=[{"emoji": {"id": "", "name": "👍"}, "count": 1, "users": [BOB]}],
        ),
        _message(
            2,
            type="Reply",
            author=BOB,
            reference={"messageId": "9001", "channelId": "88", "guildId": "77"},
        ),
        _message(
            3,
            content="",
            reference={"type": "Forward", "messageId": "555", "channelId": "66", "guildId": "77"},
            forwardedMessage={
                "timestamp": "2024-01-01T00:00:00+00:00",
                "content": "shared words",
                "attachments": [
                    {
                        "id": "3",
                        "url": "general.json_Files/fwd.png",
                        "fileName": "fwd.png",
                        "fileSizeBytes": 3,
                    }
                ],
            },
        ),
        _message(4, type="RecipientAdd", content="Added bob.", mentions=[BOB]),
    ]
    path = _export(tmp_path, messages)
    root, found = discord.locate(tmp_path)
    assert (root, found) == (tmp_path, path)
    records = _read(found)
    assert _problems(records) == []
    media_msg, reply, forward, added = _messages(records)
    assert media_msg.sent_at == datetime(2024, 3, 2, 8, tzinfo=UTC)
    photo, clip, thumb = media_msg.media
    assert (photo.kind, photo.path, photo.exported, photo.size_bytes) == (
        "image",
        "general.json_Files/photo-1A2B.jpg",
        True,
        11,
    )
    assert (root / str(photo.path)).is_file()
    assert (clip.kind, clip.path, clip.mime_type) == (
        "video",
        "general.json_Files/clip-3C4D.mp4",
        "video/mp4",
    )
    assert (thumb.kind, thumb.width, thumb.exported) == ("image", 4, True)
    assert media_msg.entities == (
        Entity("link", "https://example.org/page"),
        Entity("link", "A page", "https://example.org/page"),
        Entity("mention", "@bob", "202"),
    )
    assert media_msg.reactions[0].accounts == (
        AccountRef(Platform.DISCORD, "202", "bob", "bob#4321"),
    )
    assert reply.reply_to == "9001" and reply.kind == "message"
    assert (forward.text, forward.reply_to, forward.forwarded_from) == ("shared words", None, None)
    assert forward.extra["forwarded"]["messageId"] == "555"
    assert [m.path for m in forward.media] == ["general.json_Files/fwd.png"]
    assert (added.kind, added.action, added.members) == ("service", "RecipientAdd", ("bob",))


def test_truncated_file_keeps_what_came_before(tmp_path: Path) -> None:
    path = _export(tmp_path, [_message(n) for n in range(1, 400)])
    data = path.read_bytes()
    cut = data.index(b'"id": "9300"')
    path.write_bytes(data[:cut])
    records = _read(path)
    assert len(_messages(records)) == 299
    fatal = records[-1]
    assert isinstance(fatal, ExportProblem) and fatal.fatal
    assert fatal.position == f"byte {cut}" and "after message 299" in fatal.reason
    assert [p for p in _problems(records) if p.fatal] == [fatal]


def test_invalid_json_gives_its_offset(tmp_path: Path) -> None:
    path = _export(tmp_path, [_message(n) for n in range(1, 400)])
    original = path.read_bytes()
    middle = original.index(b'"placeholder text 250"')
    near_end = original.rindex(b"399")
    for where, read in ((middle, 249), (near_end, 399)):
        path.write_bytes(original[:where] + b"?" + original[where + 1 :])
        records = _read(path)
        fatal = records[-1]
        assert isinstance(fatal, ExportProblem) and fatal.fatal
        assert f"after message {read}" in fatal.reason and len(_messages(records)) == read
        assert where <= int(fatal.position.removeprefix("byte ")) <= where + 2


def test_huge_integer_is_refused_not_crashing(tmp_path: Path) -> None:
    path = _export(tmp_path, [_message(1), _message(2, flags="NUMBER")])
    path.write_text(path.read_text().replace('"NUMBER"', "9" * 5000))
    records = _read(path)
    assert [m.key for m in _messages(records)] == ["9001"]
    assert (
        isinstance(records[-1], ExportProblem)
        and records[-1].fatal
        and "digits" in records[-1].reason
    )


def test_broken_before_the_channel_or_not_an_export(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text('{"guild": {"id": "1", "na')
    with pytest.raises(BadInput, match="not a readable DiscordChatExporter file"):
        _read(path)
    for other in ('{"something": []}', "[1, 2]"):
        path.write_text(other)
        with pytest.raises(BadInput, match="looks like JSON that is no known chat export"):
            _read(path)


def test_unknown_fields_kept_and_bounded(tmp_path: Path) -> None:
    deep: Any = "bottom"
    for _ in range(MAX_DEPTH + 10):
        deep = [deep]
    messages = [
        _message(
            1,
            newField={"a": [1, 2.5, None]},
            components=[{"type": "ActionRow"}],
            author={**ALICE, "pronouns": "n/a"},
        ),
        _message(2, nested=deep),
        _message(3, content="z" * (MAX_STRING_CHARS * 2)),
        [1, 2],
        _message(5, id=None),
    ]
    records = _read(_export(tmp_path, messages))
    kept, nested, huge = _messages(records)
    assert kept.extra["newField"] == {"a": [1, 2.5, None]}
    assert kept.extra["components"] == [{"type": "ActionRow"}]
    assert kept.extra["author"] == {"pronouns": "n/a"}
    assert "nested" in nested.extra
    assert len(huge.text) == MAX_STRING_CHARS
    reasons = {p.position: p.reason for p in _problems(records)}
    assert f"deeper than {MAX_DEPTH}" in reasons["message 2"]
    assert "cut to" in reasons["message 3"]
    assert "not a JSON object" in reasons["message 4"] and "without an id" in reasons["message 5"]
    assert all(not p.fatal for p in _problems(records))


def test_changed_repeats_and_wrong_counts_are_reported(tmp_path: Path) -> None:
    messages = [_message(1), _message(1, content="other words"), _message(2), _message(2)]
    records = _read(_export(tmp_path, messages, messageCount=7))
    assert [m.key for m in _messages(records)] == ["9001", "9001", "9002", "9002"]
    (problem,) = _problems(records)
    assert problem.position == "message 2"
    assert "appears again with different content" in problem.reason
    (note,) = [r for r in records if isinstance(r, ExportNote)]  # a count: rejects nothing
    assert note.position == "file" and "says 7 messages, 4 were read" in note.text


def test_bad_times_are_reported_and_naive_ones_assumed_utc(tmp_path: Path) -> None:
    messages = [_message(1, timestamp="yesterday"), _message(2, timestamp="2024-03-01T10:00:00")]
    records = _read(_export(tmp_path, messages))
    bad, naive = _messages(records)
    assert bad.sent_at is None and "timestamp" in _problems(records)[0].reason
    assert naive.sent_at == datetime(2024, 3, 1, 10, tzinfo=UTC) and naive.assumed_zone == "UTC"


def test_locate_refuses_what_is_not_one_export(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="no DiscordChatExporter"):
        discord.locate(tmp_path)
    _export(tmp_path, [], "a.json")
    _export(tmp_path, [], "b.json")
    with pytest.raises(BadInput, match="several"):
        discord.locate(tmp_path)
    text = tmp_path / "c.txt"
    text.write_text("x")
    assert discord.locate(text) == (tmp_path, text)  # a named file is judged by its shape
    with pytest.raises(BadInput, match="not a readable DiscordChatExporter"):
        list(discord.parse(text))
    with pytest.raises(BadInput, match="no such file"):
        discord.parse(tmp_path / "gone.json")
