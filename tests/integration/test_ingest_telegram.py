"""Telegram Desktop JSON parsing: every shared sample, generated exports (full account, media,
placeholders, hostile paths), and bad input (truncated, malformed, unknown, huge, deep)."""

from __future__ import annotations

import dataclasses
import functools
import json
import re
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crible.ingest.telegram import locate, parse, stream
from crible.ingest.telegram.message import CUT_KEY
from crible.ingest.telegram.parts import MAX_DEPTH, MAX_FIELD, MAX_TEXT, TOO_DEEP
from crible.model.chats import (
    AccountRef,
    ChatMessage,
    ChatRef,
    ExportInfo,
    ExportNote,
    ExportProblem,
    ExportRecord,
    Platform,
)
from crible.model.errors import BadInput, UserError
from tests.conftest import DATA

SAMPLES = DATA / "samples" / "telegram"
PLACEHOLDER = "(File not included. Change data exporting settings to download.)"
TOO_BIG = "(File exceeds maximum size. Change data exporting settings to download.)"


def _records(path: Path, zone: str | None = None) -> list[ExportRecord]:
    return list(parse(path, zone=zone))


def _messages(records: Sequence[ExportRecord]) -> list[ChatMessage]:
    return [r for r in records if isinstance(r, ChatMessage)]


def _notes(records: Sequence[ExportRecord]) -> list[ExportNote]:
    return [r for r in records if isinstance(r, ExportNote)]


def _problems(records: Sequence[ExportRecord]) -> list[ExportProblem]:
    return [r for r in records if isinstance(r, ExportProblem)]


def _by_key(records: Sequence[ExportRecord]) -> dict[str, ChatMessage]:
    return {m.key: m for m in _messages(records)}


def _sender(message: ChatMessage) -> AccountRef:
    assert message.sender is not None
    return message.sender


def _message(number: int, text: Any = "", **fields: Any) -> dict[str, Any]:
    """A message as tdesktop writes it, from Member <number % 7>."""
    when = 1_700_000_000 + number * 60
    sender = number % 7
    out: dict[str, Any] = {
        "id": number,
        "type": "message",
        "date": "2023-11-14T23:13:20",
        "date_unixtime": str(when),
        "from": f"Member {sender}",
        "from_id": f"user{1000 + sender}",
    }
    out.update(fields)
    out["text"] = text
    return out


def _chat(chat_id: int, name: str, messages: list[Any]) -> dict[str, Any]:
    return {"name": name, "type": "private_group", "id": chat_id, "messages": messages}


def _write(folder: Path, document: Any) -> Path:
    """Write ``result.json`` in tdesktop's one-space layout; return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "result.json"
    path.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def _full(
    chats: list[dict[str, Any]], left: list[dict[str, Any]] | None = None, odd: bool = False
) -> dict[str, Any]:
    """A full-account export holding ``chats`` (and ``left`` chats); ``odd``: with a third
    contact that has neither id, phone nor name."""
    export = {
        "about": "Here is the data you requested.",
        "personal_information": {
            "user_id": 1000,
            "first_name": "Owner",
            "last_name": "Account",
            "phone_number": "+33 6 00 00 00 00",
            "username": "@owner_account",
        },
        "contacts": {
            "about": "Contacts.",
            "list": [
                {
                    "user_id": 1001,
                    "first_name": "Member",
                    "last_name": "1",
                    "phone_number": "+33 6 00 00 00 01",
                    "date": "2023-01-01T10:00:00",
                },
                {
                    "user_id": 0,
                    "first_name": "Paper",
                    "last_name": "Contact",
                    "phone_number": "+33 6 00 00 00 09",
                    "date": "2023-01-02T10:00:00",
                },
            ],
        },
        "frequent_contacts": {"about": "Rated.", "list": [{"id": 1001, "rating": 0.5}]},
        "sessions": {"about": "Sessions.", "list": [{"last_ip": "192.0.2.1"}]},
        "chats": {"about": "Chats.", "list": chats},
        "left_chats": {"about": "Left.", "list": left or []},
    }
    if odd:
        export["contacts"]["list"].append({"date": "2023-01-03T10:00:00"})  # type: ignore[index]
    return export


# --- the shared samples --------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(p.name for p in SAMPLES.glob("*.json")))
def test_every_shared_sample_parses_whole_without_problems(name: str) -> None:
    records = _records(SAMPLES / name)
    assert not _problems(records)
    assert isinstance(records[0], ExportInfo | ChatRef)
    assert _messages(records)
    assert all(m.sent_at is not None and m.sent_at.tzinfo is UTC for m in _messages(records))
    assert all(dataclasses.replace(m) == m for m in _messages(records))  # built as __init__ would


def test_all_five_samples_are_covered() -> None:
    assert len(list(SAMPLES.glob("*.json"))) == 5


def test_current_single_chat_export_keeps_ids_dates_and_senders() -> None:
    records = _records(SAMPLES / "langchain-community__result.json")
    assert records[0] == ChatRef(Platform.TELEGRAM, "5965280513", "Jimmeny", "personal_chat")
    first = _messages(records)[0]
    assert [m.key for m in _messages(records)] == ["1", "2", "3", "4"]
    assert first.sent_at == datetime(2023, 8, 23, 20, 11, 23, tzinfo=UTC)
    assert first.assumed_zone is None and first.entities == () and first.extra == {}
    assert (_sender(first).key, _sender(first).name) == ("user123450513", "Jimmeny Marvelton")
    assert first.text == "i refuse to converse with you" and first.position == "messages[0]"


def test_legacy_export_maps_integer_ids_and_keeps_mojibake_names_as_written() -> None:
    records = _records(SAMPLES / "langchain-community__telegram.json")
    chat, messages = records[0], _messages(records)
    assert isinstance(chat, ChatRef) and chat.name == "Grace ðŸ§¤"
    assert [_sender(m).key for m in messages] == ["user4325636679"] * 2 + ["user4720225552"]
    assert [m.extra["from_id"] for m in messages] == [4325636679] * 2 + [4720225552]
    assert str(_sender(messages[2]).name).startswith("Grace ðŸ§¤ ")
    assert _sender(messages[2]).key != f"user{chat.key}"
    assert messages[0].sent_at == datetime(2020, 1, 1, 0, 0, 2, tzinfo=UTC)
    assert {m.assumed_zone for m in messages} == {"UTC"}
    paris = _messages(_records(SAMPLES / "langchain-community__telegram.json", "Europe/Paris"))
    assert paris[0].sent_at == datetime(2019, 12, 31, 23, 0, 2, tzinfo=UTC)
    assert paris[0].assumed_zone == "Europe/Paris"


def test_personal_chat_sample_has_service_messages_links_placeholders_and_either_date() -> None:
    by_key = _by_key(_records(SAMPLES / "chat-analytics__DM_2A_7M.json"))
    assert list(by_key) == ["2675", "3644", "3645", "3662", "3663", "3672", "3673", "3674"]
    joined, call = by_key["2675"], by_key["3674"]
    assert (joined.kind, joined.action, _sender(joined).key) == (
        "service",
        "joined_telegram",
        "user700000000",
    )
    assert (call.action, _sender(call).name) == ("phone_call", "Alice")
    assert call.extra == {"duration_seconds": 56, "discard_reason": "hangup"}
    link = by_key["3644"]
    assert link.text == "https://google.com 👀"
    assert [(e.kind, e.text) for e in link.entities] == [("link", "https://google.com")]
    photo = by_key["3672"].media[0]
    assert (photo.kind, photo.path, photo.exported, photo.note) == (
        "photo",
        None,
        False,
        PLACEHOLDER,
    )
    assert (photo.width, photo.height) == (960, 1280)
    assert by_key["3645"].assumed_zone == "UTC" and by_key["3662"].assumed_zone is None
    assert by_key["3645"].sent_at == datetime(2022, 3, 8, 13, 7, 42, tzinfo=UTC)
    assert by_key["3662"].sent_at == datetime.fromtimestamp(1652135033, UTC)


def test_supergroup_sample_has_channel_posts_forwards_edits_replies_and_reactions() -> None:
    records = _records(SAMPLES / "telegram-chat-analyzer__raw_minus5.json")
    assert records[0] == ChatRef(Platform.TELEGRAM, "123456789", "ИМЯ ЧАТА", "private_supergroup")
    by_key = _by_key(records)
    created, invite, post = by_key["1"], by_key["4"], by_key["3"]
    assert (created.action, _sender(created).key) == ("create_channel", "channel123456789")
    assert created.extra == {"title": "ИМЯ ЧАТА."}
    assert (invite.action, invite.members) == ("invite_members", ("УЧАСТНИК1",))
    assert (_sender(post).key, _sender(post).name) == ("channel123456789", "АДМИН")
    assert (post.forwarded_from, post.saved_from) == ("АДМИН", "АДМИН")
    assert post.edited_at == datetime.fromtimestamp(1728044993, UTC)
    assert [(e.kind, e.text) for e in post.entities] == [("link", "https://")]
    assert (by_key["5"].reply_to, by_key["8"].reply_to) == ("3", "6")
    photo = by_key["6"].media[0]
    assert (photo.size_bytes, photo.width, photo.height, photo.exported) == (4113, 260, 157, False)
    assert [(r.emoji, r.count) for r in by_key["7"].reactions] == [("❤", 11), ("👍", 2)]
    (reaction,) = by_key["8"].reactions
    keys = [a.key for a in reaction.accounts]
    assert (reaction.count, keys) == (8, ["user123987564", "user21347865", "user123450009"])
    assert by_key["8"].extra["reactions"][0]["recent"][0]["date"] == "2025-05-26T18:46:23"
    assert "reactions" not in by_key["7"].extra


def test_hand_made_full_export_shape_gets_derived_keys() -> None:
    records = _records(SAMPLES / "chat-miner__test_batch_export.json")
    assert isinstance(records[0], ExportInfo) and records[0].owner is None
    assert records[1] == ChatRef(Platform.TELEGRAM, "name:Chatname", "Chatname", None)
    first, second = _messages(records)
    assert (first.key, second.key) == ("pos:0", "pos:1")
    assert _sender(first).key == "name:Author 1" and first.assumed_zone is None
    assert second.text == "Link:https://telegram.org/"
    assert [(e.kind, e.text) for e in second.entities] == [
        ("bold", "Link:"),
        ("link", "https://telegram.org/"),
    ]
    assert second.position == "chats.list[0].messages[1]"


# --- generated exports ---------------------------------------------------------------------


def test_full_account_export_yields_owner_contacts_then_each_chat_with_its_messages(
    tmp_path: Path,
) -> None:
    one = _chat(11, "Group One", [_message(1, "hello"), _message(2, "again")])
    two = _chat(12, "Group Two", [_message(1, "other chat")])
    gone = _chat(13, "Left Group", [_message(5, "before leaving")])
    document = _full([one, two], [gone], odd=True)
    document["future_section"] = {"x": 1}
    folder, path = locate(_write(tmp_path / "export", document).parent)
    records = _records(path)

    assert folder == tmp_path / "export"
    info = records[0]
    assert isinstance(info, ExportInfo) and info.format == "telegram-desktop-json"
    assert info.owner is not None
    owner = (info.owner.key, info.owner.name, info.owner.username, info.owner.phone)
    assert owner == ("user1000", "Owner Account", "owner_account", "+33 6 00 00 00 00")
    assert [(c.key, c.name) for c in info.contacts] == [
        ("user1001", "Member 1"),
        ("phone:+33 6 00 00 00 09", "Paper Contact"),
    ]
    shape = [(type(r).__name__, getattr(r, "key", None)) for r in records[1:]]
    assert shape == [
        ("ExportProblem", None),  # the third contact has neither id, phone nor name
        ("ChatRef", "11"), ("ChatMessage", "1"), ("ChatMessage", "2"),
        ("ChatRef", "12"), ("ChatMessage", "1"),
        ("ChatRef", "13"), ("ChatMessage", "5"),
        ("ExportProblem", None),
    ]  # fmt: skip
    first, last = _problems(records)
    assert (first.position, first.fatal) == ("contacts.list[2]", False)
    assert (last.position, last.fatal) == ("future_section", False)
    messages = _messages(records)
    assert [m.chat.key for m in messages] == ["11", "11", "12", "13"]
    assert messages[3].position == "left_chats.list[0].messages[0]"


def test_media_files_are_referenced_by_their_relative_paths(tmp_path: Path) -> None:
    clip: dict[str, Any] = {"file_name": "clip.mp4", "file_size": 4096, "media_type": "video_file"}
    clip |= {"thumbnail": "video_files/clip.mp4_thumb.jpg", "thumbnail_file_size": 512}
    clip |= {"mime_type": "video/mp4", "duration_seconds": 12, "width": 1280, "height": 720}
    voice: dict[str, Any] = {
        "file_size": 300,
        "media_type": "voice_message",
        "mime_type": "audio/ogg",
    }
    voice |= {"duration_seconds": 3}
    round_video: dict[str, Any] = {
        "media_type": "video_message",
        "mime_type": "video/mp4",
        "duration_seconds": 7,
    }
    sticker: dict[str, Any] = {
        "media_type": "sticker",
        "sticker_emoji": "🙂",
        "width": 512,
        "height": 512,
    }
    pdf: dict[str, Any] = {
        "file_name": "notes.pdf",
        "mime_type": "application/pdf",
        "file_size": 100,
    }
    photo_path = "photos/photo_1@01-01-2024_10-00-00.jpg"
    files = {
        photo_path: _message(
            1, "a photo", photo=photo_path, photo_file_size=2048, width=800, height=600
        ),
        "video_files/clip.mp4": _message(2, "", file="video_files/clip.mp4", **clip),
        "voice_messages/audio_1.ogg": _message(3, "", file="voice_messages/audio_1.ogg", **voice),
        "round_video_messages/r.mp4": _message(
            4, "", file="round_video_messages/r.mp4", **round_video
        ),
        "stickers/sticker.webp": _message(5, "", file="stickers/sticker.webp", **sticker),
        "files/notes.pdf": _message(6, "", file="files/notes.pdf", **pdf),
    }
    path = _write(tmp_path, _chat(20, "Media", list(files.values())))
    for name in [*files, "video_files/clip.mp4_thumb.jpg"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"benign")
    records = _records(path)

    assert not _problems(records)
    by_key = _by_key(records)
    refs = [ref for m in by_key.values() for ref in m.media]
    assert all(ref.exported and (tmp_path / str(ref.path)).is_file() for ref in refs)
    kinds = [(m.key, [r.kind for r in m.media]) for m in by_key.values()]
    assert kinds == [
        ("1", ["photo"]), ("2", ["video_file", "thumbnail"]), ("3", ["voice_message"]),
        ("4", ["video_message"]), ("5", ["sticker"]), ("6", ["file"]),
    ]  # fmt: skip
    photo, (video, thumb) = by_key["1"].media[0], by_key["2"].media
    assert (photo.size_bytes, photo.width, photo.height) == (2048, 800, 600)
    assert (video.mime_type, video.size_bytes, video.duration_seconds) == ("video/mp4", 4096, 12.0)
    assert (video.width, video.height, video.file_name) == (1280, 720, "clip.mp4")
    assert (thumb.path, thumb.size_bytes) == ("video_files/clip.mp4_thumb.jpg", 512)
    assert by_key["5"].extra == {"sticker_emoji": "🙂"}
    assert by_key["6"].media[0].file_name == "notes.pdf"


def test_files_not_downloaded_are_known_to_exist_with_the_exports_own_words(
    tmp_path: Path,
) -> None:
    unavailable = "(File unavailable, please try again later)"
    messages = [
        _message(1, "", file=TOO_BIG, media_type="video_file", file_size=900_000_000),
        _message(2, "", photo=unavailable, width=10, height=20),
        _message(3, "", file=PLACEHOLDER, thumbnail=PLACEHOLDER, media_type="animation"),
    ]
    by_key = _by_key(_records(_write(tmp_path, _chat(21, "Placeholders", messages))))
    big, photo = by_key["1"].media[0], by_key["2"].media[0]
    assert (big.path, big.exported, big.note, big.size_bytes) == (None, False, TOO_BIG, 900_000_000)
    assert (photo.note, photo.width, photo.height) == (unavailable, 10, 20)
    assert [(r.kind, r.exported, r.note) for r in by_key["3"].media] == [
        ("animation", False, PLACEHOLDER),
        ("thumbnail", False, PLACEHOLDER),
    ]


@pytest.mark.parametrize(
    "hostile", ["../outside.jpg", "photos/../../outside.jpg", "/abs/photo.jpg", "C:\\x.jpg"]
)
def test_a_hostile_media_path_is_passed_on_as_written_for_the_service_to_refuse(
    tmp_path: Path, hostile: str
) -> None:
    """The ingest service checks paths against the folder (links too): the parser must
    neither drop nor rewrite one, nor resolve it."""
    messages = [_message(1, "x", photo=hostile), _message(2, "after")]
    records = _records(_write(tmp_path, _chat(22, "Hostile", messages)))
    ref = _by_key(records)["1"].media[0]
    assert (ref.kind, ref.path, ref.exported, ref.note) == ("photo", hostile, True, None)
    assert not _problems(records) and _by_key(records)["2"].text == "after"


def test_service_messages_become_membership_events_with_actors(tmp_path: Path) -> None:
    def service(number: int, action: str, **fields: Any) -> dict[str, Any]:
        out = _message(number, "", **fields)
        for key in ("from", "from_id"):
            del out[key]
        return {
            **out,
            "type": "service",
            "actor": "Member 1",
            "actor_id": "user1001",
            "action": action,
        }

    messages = [
        service(1, "create_group", title="Group", members=["Member 1", "Member 2"]),
        service(2, "join_group_by_link", inviter="Member 2"),
        service(3, "remove_members", members=[None]),
        service(4, "pin_message", message_id=1),
        service(5, "migrate_to_supergroup"),
        service(6, "join_group_by_request"),
    ]
    by_key = _by_key(_records(_write(tmp_path, _chat(23, "Events", messages))))
    assert {m.kind for m in by_key.values()} == {"service"}
    assert [m.action for m in by_key.values()] == [
        "create_group", "join_group_by_link", "remove_members",
        "pin_message", "migrate_to_supergroup", "join_group_by_request",
    ]  # fmt: skip
    assert by_key["1"].members == ("Member 1", "Member 2") and by_key["1"].extra == {
        "title": "Group"
    }
    assert by_key["2"].inviter is not None and by_key["2"].inviter.key == "name:Member 2"
    assert by_key["3"].members == ("",)
    assert by_key["4"].extra == {"message_id": 1}
    assert {_sender(m).key for m in by_key.values()} == {"user1001"}


def test_text_lists_give_plain_text_and_every_entity_with_its_target(tmp_path: Path) -> None:
    text = [
        "see ",
        {"type": "mention", "text": "@member2"},
        " and ",
        {"type": "mention_name", "text": "Member 3", "user_id": 1003},
        {"type": "text_link", "text": "here", "href": "https://example.org/page"},
        {"type": "hashtag", "text": "#weather"},
        {"type": "phone", "text": "+33 6 00 00 00 00"},
        {"type": "email", "text": "someone@example.org"},
        {"type": "bot_command", "text": "/start"},
        {"type": "cashtag", "text": "$ABC"},
        {"type": "custom_emoji", "text": "🙂", "document_id": "stickers/emoji.webp"},
        {"type": "bold", "text": "!"},
    ]
    plain = [{"type": "plain", "text": p} if isinstance(p, str) else p for p in text]
    message = _message(1, text, text_entities=plain, via_bot="@helper_bot", reply_to_message_id=7)
    message.update(edited="2023-11-15T00:00:00", edited_unixtime="1700006400")
    (parsed,) = _messages(_records(_write(tmp_path, _chat(24, "Text", [message]))))
    assert (
        parsed.text
        == "see @member2 and Member 3here#weather+33 6 00 00 00 00someone@example.org/start$ABC🙂!"
    )
    assert [(e.kind, e.value) for e in parsed.entities] == [
        ("mention", None), ("mention_name", "user1003"), ("text_link", "https://example.org/page"),
        ("hashtag", None), ("phone", None), ("email", None), ("bot_command", None),
        ("cashtag", None), ("custom_emoji", "stickers/emoji.webp"), ("bold", None),
    ]  # fmt: skip
    assert (parsed.via_bot, parsed.reply_to) == ("@helper_bot", "7")
    assert parsed.edited_at == datetime(2023, 11, 15, tzinfo=UTC) and parsed.extra == {}


def test_local_dates_are_read_in_the_given_zone_across_daylight_saving(tmp_path: Path) -> None:
    local = [
        "2024-03-31T01:30:00",
        "2024-03-31T03:30:00",
        "2024-07-01T12:00:00",
        "2024-12-01T12:00:00",
    ]
    messages = [_message(n, "x") for n in range(1, 5)]
    for message, date in zip(messages, local, strict=True):
        del message["date_unixtime"]
        message["date"] = date
    path = _write(tmp_path, _chat(25, "Paris", messages))

    paris = _messages(_records(path, "Europe/Paris"))
    assert [m.sent_at for m in paris] == [
        datetime(2024, 3, 31, 0, 30, tzinfo=UTC),  # CET, UTC+1
        datetime(2024, 3, 31, 1, 30, tzinfo=UTC),  # CEST, UTC+2, the same night
        datetime(2024, 7, 1, 10, 0, tzinfo=UTC),
        datetime(2024, 12, 1, 11, 0, tzinfo=UTC),
    ]
    assert {m.assumed_zone for m in paris} == {"Europe/Paris"}
    default = _messages(_records(path))
    assert default[0].sent_at == datetime(2024, 3, 31, 1, 30, tzinfo=UTC)
    assert {m.assumed_zone for m in default} == {"UTC"}


def test_an_unknown_zone_is_refused_at_once(tmp_path: Path) -> None:
    path = _write(tmp_path, _chat(26, "Zone", [_message(1)]))
    with pytest.raises(UserError, match="Mars/Olympus"):
        parse(path, zone="Mars/Olympus")


def test_locate_accepts_the_folder_the_file_or_a_folder_holding_one_export(tmp_path: Path) -> None:
    path = _write(tmp_path / "outer" / "ChatExport_2024-01-01", _chat(27, "Here", [_message(1)]))
    folder = path.parent
    assert locate(folder) == (folder, path)
    assert locate(path) == (folder, path)
    assert locate(tmp_path / "outer") == (folder, path)
    with pytest.raises(BadInput, match="empty"):
        (tmp_path / "empty").mkdir()
        locate(tmp_path / "empty")
    with pytest.raises(BadInput, match="missing"):
        locate(tmp_path / "missing")
    _write(tmp_path / "outer" / "ChatExport_2024-02-01", _chat(28, "There", []))
    with pytest.raises(BadInput, match="several"):
        locate(tmp_path / "outer")


# --- bad input -----------------------------------------------------------------------------


def _varied(count: int) -> list[dict[str, Any]]:
    """Messages of every common shape: lists with entities, replies, forwards, services."""
    out: list[dict[str, Any]] = []
    for n in range(1, count + 1):
        if n % 9 == 0:
            out.append(
                {
                    **_message(n, ""),
                    "type": "service",
                    "action": "invite_members",
                    "members": ["Member 2"],
                }
            )
        elif n % 4 == 0:
            out.append(
                _message(
                    n,
                    ["word ", {"type": "link", "text": "https://example.org"}],
                    reply_to_message_id=n - 1,
                )
            )
        elif n % 5 == 0:
            out.append(
                _message(
                    n,
                    "forwarded words",
                    forwarded_from="Channel",
                    saved_from="Channel",
                    photo=PLACEHOLDER,
                )
            )
        else:
            out.append(_message(n, f"ordinary message number {n} " * (1 + n % 3)))
    return out  # fmt: skip


def _shapes() -> dict[str, bytes]:
    """The same 400 messages as a single-chat export and inside a full-account export."""
    single = _chat(30, "Chat", _varied(400))
    return {
        "single": json.dumps(single, ensure_ascii=False, indent=1).encode(),
        "full": json.dumps(_full([single]), ensure_ascii=False, indent=1).encode(),
    }


SHAPES = _shapes()
MESSAGE_START = re.compile(rb'\{\s*"id": \d+,\s*"type"')


def _parse_bytes(folder: Path, data: bytes) -> list[ExportRecord]:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "result.json"
    path.write_bytes(data)
    return _records(path)


@functools.cache
def _whole(shape: str) -> list[ChatMessage]:
    """The messages of the intact export of that shape."""
    with tempfile.TemporaryDirectory() as folder:
        return _messages(_parse_bytes(Path(folder), SHAPES[shape]))


@pytest.mark.parametrize("shape", ["single", "full"])
def test_a_truncated_file_yields_what_precedes_then_one_fatal_problem_at_its_end(
    tmp_path: Path, shape: str
) -> None:
    data = SHAPES[shape][: len(SHAPES[shape]) * 3 // 5]
    records = _parse_bytes(tmp_path, data)
    whole = _whole(shape)

    *before, fatal = records
    assert isinstance(fatal, ExportProblem) and fatal.fatal
    assert fatal.position == f"byte {len(data)}" and "cut short" in fatal.reason
    read = _messages(before)
    assert 100 < len(read) < 400 and read == whole[: len(read)]
    assert read[-1].position is not None and read[-1].position in fatal.reason
    assert not _problems(before)


@pytest.mark.parametrize("shape", ["single", "full"])
@pytest.mark.parametrize("where", [0.1, 0.5, 0.9])
def test_malformed_json_in_the_middle_is_fatal_at_its_exact_byte(
    tmp_path: Path, shape: str, where: float
) -> None:
    data = SHAPES[shape]
    found = MESSAGE_START.search(data, int(len(data) * where))
    assert found is not None
    cut = found.start()
    broken = data[:cut] + b" @@" + data[cut:]
    records = _parse_bytes(tmp_path, broken)

    *before, fatal = records
    assert isinstance(fatal, ExportProblem) and fatal.fatal
    assert fatal.position == f"byte {cut + 1}" and "malformed JSON" in fatal.reason
    assert "@@" in fatal.excerpt
    whole = _whole(shape)
    read = _messages(before)
    assert read == whole[: len(read)]
    assert len(read) == len(MESSAGE_START.findall(data[:cut]))  # all before the break


def test_trailing_data_an_empty_file_and_a_non_object_are_fatal(tmp_path: Path) -> None:
    data = SHAPES["single"]
    records = _parse_bytes(tmp_path, data + b"\n{}")
    assert len(_messages(records)) == 400
    trailing = records[-1]
    assert isinstance(trailing, ExportProblem) and trailing.fatal
    assert trailing.position == f"byte {len(data) + 1}" and "garbage" in trailing.reason
    (empty,) = _parse_bytes(tmp_path, b"")
    assert isinstance(empty, ExportProblem) and empty.fatal and empty.position == "byte 0"
    with pytest.raises(BadInput, match="it looks like JSON that is no known chat export"):
        _parse_bytes(tmp_path, b"[1, 2]")


def test_a_bom_is_skipped(tmp_path: Path) -> None:
    records = _parse_bytes(tmp_path, b"\xef\xbb\xbf" + SHAPES["single"])
    assert len(_messages(records)) == 400 and not _problems(records)


@pytest.mark.parametrize("shape", ["single", "full"])
def test_unknown_types_and_fields_are_kept_raw_and_never_fatal(tmp_path: Path, shape: str) -> None:
    odd = _message(
        2, "new", future_field={"nested": [1, 2.5, None, True]}, reply_to_peer_id="user9"
    )
    odd["type"] = "story_v9"
    messages = [_message(1, "before"), odd, "a stray string", _message(3, "after")]
    chat = {"future_chat_field": 1, **_chat(31, "Odd", messages)}  # before the messages
    records = _records(_write(tmp_path, chat if shape == "single" else _full([chat])))

    by_key = _by_key(records)
    assert list(by_key) == ["1", "2", "3"]
    assert (by_key["2"].kind, by_key["2"].text) == ("unknown", "new")
    assert by_key["2"].extra == {
        "type": "story_v9",
        "future_field": {"nested": [1, 2.5, None, True]},
        "reply_to_peer_id": "user9",
    }
    problems = [(p.position, p.fatal, p.excerpt) for p in _problems(records)]
    chat_field = "future_chat_field" if shape == "single" else "chats.list[0].future_chat_field"
    where = "messages" if shape == "single" else "chats.list[0].messages"
    assert problems == [(chat_field, False, ""), (f"{where}[2]", False, "a stray string")]
    (note,) = _notes(records)  # the count of what was kept raw: a note, last
    assert records[-1] == note and note.position == "export"
    summary = note.text
    assert "type 'story_v9' (1)" in summary and "field 'future_field' (1)" in summary
    assert "reply_to_peer_id" not in summary  # tdesktop writes it: kept, not counted


@pytest.mark.parametrize("shape", ["single", "full"])
def test_a_huge_text_is_cut_and_flagged_and_the_rest_read(tmp_path: Path, shape: str) -> None:
    huge = _message(2, "a" * 5_000_000, big_field="b" * 5_000_000)
    chat = _chat(32, "Huge", [_message(1, "before"), huge, _message(3, "after")])
    records = _records(_write(tmp_path, chat if shape == "single" else _full([chat])))

    by_key = _by_key(records)
    assert list(by_key) == ["1", "2", "3"] and by_key["3"].text == "after"
    cut = by_key["2"]
    assert len(cut.text) == MAX_TEXT and len(cut.extra["big_field"]) == MAX_FIELD
    assert cut.extra[CUT_KEY] == ["big_field", "text"]
    (problem,), (summary,) = _problems(records), _notes(records)
    assert not problem.fatal and "5000000" in problem.reason and problem.position.endswith("[1]")
    assert summary.position == "export" and "field 'big_field' (1)" in summary.text


@pytest.mark.parametrize("depth", [30, 100_000, 600_000])
def test_deep_nesting_is_cut_at_the_same_depth_by_both_readers(tmp_path: Path, depth: int) -> None:
    """100,000 levels take the fast reader; 600,000 (over 1 MB) hand over to the careful one."""
    deep = _message(2, "deep", deep_field="DEEP")
    chat = _chat(33, "Deep", [_message(1, "before"), deep, _message(3, "after")])
    nested = "[" * depth + '"bottom"' + "]" * depth

    def parsed(folder: str, document: Any) -> list[ChatMessage]:
        text = json.dumps(document, indent=1).replace('"DEEP"', nested)
        return _messages(_parse_bytes(tmp_path / folder, text.encode()))

    single, full = parsed("single", chat), parsed("full", _full([chat]))
    kept = single[1].extra["deep_field"]
    for _ in range(MAX_DEPTH - 1):
        kept = kept[0]
    assert kept == [TOO_DEEP] and single[1].extra[CUT_KEY] == ["deep_field"]
    assert [m.text for m in single] == ["before", "deep", "after"]
    assert [dataclasses.replace(m, chat=single[0].chat, position=None) for m in full] == [
        dataclasses.replace(m, position=None) for m in single
    ]


def test_the_fast_and_the_careful_reader_give_the_same_messages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    fast_items = stream.items

    def spy(source: Any, prefix: str) -> Any:
        calls.append(prefix)
        return fast_items(source, prefix)

    monkeypatch.setattr(stream, "items", spy)
    single = _messages(_parse_bytes(tmp_path / "single", SHAPES["single"]))
    full = _messages(_parse_bytes(tmp_path / "full", SHAPES["full"]))
    assert calls == ["messages.item"]  # the full export never took the fast reader
    assert len(single) == 400
    assert [dataclasses.replace(m, chat=single[0].chat, position=None) for m in full] == [
        dataclasses.replace(m, position=None) for m in single
    ]


def test_the_fast_reader_takes_over_again_after_messages_too_large_for_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Too many bytes (300 kB), too many ``[`` (in a string: harmless, but counted), too
    deep: the careful reader reads those, then hands back to the fast one."""
    starts: list[int] = []
    fast_items = stream.items

    def spy(source: Any, prefix: str) -> Any:
        starts.append(source.offset)
        return fast_items(source, prefix)

    monkeypatch.setattr(stream, "items", spy)
    messages = [_message(n, f"message {n}") for n in range(1, 1201)]
    messages[49]["text"] = "x" * 300_000
    messages[50]["text"] = "[" * 2000
    messages[599]["deep_field"] = "DEEP"
    chat = _chat(34, "Mixed", messages)

    def parsed(folder: str, document: Any) -> list[ChatMessage]:
        text = json.dumps(document, indent=1).replace('"DEEP"', "[" * 50_000 + "]" * 50_000)
        return _messages(_parse_bytes(tmp_path / folder, text.encode()))

    single = parsed("single", chat)
    assert len(starts) == 3 and starts == sorted(starts)  # first, after 51, after 600
    full = parsed("full", _full([chat]))
    assert [m.key for m in single] == [str(n) for n in range(1, 1201)]
    assert single[50].text == "[" * 2000 and single[599].extra[CUT_KEY] == ["deep_field"]
    assert [dataclasses.replace(m, chat=single[0].chat, position=None) for m in full] == [
        dataclasses.replace(m, position=None) for m in single
    ]


def test_a_number_too_long_for_the_c_parser_is_a_fatal_problem_not_a_crash(
    tmp_path: Path,
) -> None:
    path = tmp_path / "result.json"
    head = b'{"name": "N", "type": "private_group", "id": 1, "messages": [{"id": 1, "x": '
    path.write_bytes(head + b"9" * 5000 + b"}]}")
    code = (
        "import sys; from pathlib import Path; from crible.ingest.telegram import parse; "
        "r = list(parse(Path(sys.argv[1]))); print(r[-1].fatal, r[-1].position)"
    )
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[0] == "True" and done.stdout.split()[1] == "byte"


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(shape=st.sampled_from(["single", "full"]), fraction=st.floats(0, 1, exclude_max=True))
def test_any_truncation_never_raises_and_keeps_a_prefix_of_the_messages(
    tmp_path: Path, shape: str, fraction: float
) -> None:
    data = SHAPES[shape]
    cut = int(len(data) * fraction)
    records = _parse_bytes(tmp_path, data[:cut])
    whole = _whole(shape)

    fatal = records[-1]
    assert isinstance(fatal, ExportProblem) and fatal.fatal
    assert fatal.position == f"byte {cut}"
    assert sum(isinstance(r, ExportProblem) and r.fatal for r in records) == 1
    read = _messages(records)
    assert read == whole[: len(read)]


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    shape=st.sampled_from(["single", "full"]),
    edits=st.lists(
        st.tuples(
            st.floats(0, 1, exclude_max=True),
            st.sampled_from(["replace", "insert", "delete"]),
            st.sampled_from(list(b'{}[]",:0123456789 \\ntruefalsenul\xff\xc3-.eE')),
        ),
        min_size=1,
        max_size=3,
    ),
)
def test_any_corruption_never_raises_and_ends_with_at_most_one_fatal_problem(
    tmp_path: Path, shape: str, edits: list[tuple[float, str, int]]
) -> None:
    data = bytearray(SHAPES[shape])
    for fraction, edit, byte in edits:
        at = int(len(data) * fraction)
        if edit == "replace":
            data[at] = byte
        elif edit == "insert":
            data.insert(at, byte)
        else:
            del data[at]
    try:
        records = _parse_bytes(tmp_path, bytes(data))
    except BadInput as refused:  # valid JSON of another shape: refused at once, by name
        assert "not a Telegram Desktop export" in str(refused)
        return

    fatal = [n for n, r in enumerate(records) if isinstance(r, ExportProblem) and r.fatal]
    assert fatal in ([], [len(records) - 1])
    assert sum(isinstance(r, ExportNote) and r.position == "export" for r in records) <= 1
