"""WhatsApp text exports: the shared samples, generated exports and bad input."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crible.ingest import whatsapp
from crible.ingest.whatsapp.build import MAX_TEXT_CHARS
from crible.ingest.whatsapp.lines import MAX_LINE_BYTES
from crible.model.chats import (
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

SAMPLES = DATA / "samples" / "whatsapp"
LRM, NNBSP = "\u200e", "\u202f"


def _read(path: Path, **options: str) -> list[ExportRecord]:
    return list(whatsapp.parse(path, **options))


def _messages(records: list[ExportRecord]) -> list[ChatMessage]:
    return [r for r in records if isinstance(r, ChatMessage)]


def _notes(records: list[ExportRecord]) -> list[ExportNote]:
    return [r for r in records if isinstance(r, ExportNote)]


def _problems(records: list[ExportRecord]) -> list[ExportProblem]:
    return [r for r in records if isinstance(r, ExportProblem)]


def _chat(records: list[ExportRecord]) -> ChatRef:
    return next(r for r in records if isinstance(r, ChatRef))


def _export(tmp_path: Path, lines: list[str], name: str = "_chat.txt") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_every_sample_parses_without_problems() -> None:
    files = sorted(SAMPLES.glob("*.txt"))
    assert len(files) == 3
    for path in files:
        records = _read(path)
        assert isinstance(records[0], ExportInfo) and isinstance(records[1], ChatRef), path
        assert _problems(records) == [], path
        keys = [m.key for m in _messages(records)]
        assert len(set(keys)) == len(keys) and all(len(k) == 64 for k in keys), path


def test_ios_sample_marks_omitted_images_and_attributed_notice() -> None:
    records = _read(SAMPLES / "langchain-community__whatsapp_chat.txt")
    assert records[0] == ExportInfo(Platform.WHATSAPP, "whatsapp-ios-txt")
    chat = _chat(records)
    assert (chat.key, chat.name, chat.type) == ("name:Dr. Feather", "Dr. Feather", "personal")
    messages = _messages(records)
    assert len(messages) == 12
    notice = messages[0]
    assert (notice.kind, notice.action, notice.sender) == ("service", "encryption_notice", None)
    assert notice.extra == {
        "attributed_to": "Dr. Feather",
        "time_as_written": "8/15/23, 9:12:33 AM",
    }
    omitted = [m for m in messages if m.media]
    assert [m.position for m in omitted] == ["line 3", "line 5", "line 8"]
    for msg in omitted:
        assert msg.text == "" and msg.sender is not None and msg.sender.name == "Dr. Feather"
        (ref,) = msg.media
        assert (ref.kind, ref.exported, ref.path, ref.note) == (
            "image",
            False,
            None,
            "image omitted",
        )
    assert messages[2].sent_at == datetime(2023, 8, 15, 9, 12, 48, tzinfo=UTC)
    assert messages[-1].sent_at == datetime(2023, 8, 15, 21, 25, 16, tzinfo=UTC)
    assert messages[-1].sender is not None and messages[-1].sender.key == "name:Jungle Jane"
    assert all(m.assumed_zone == "UTC" for m in messages)


def test_german_android_sample_with_system_lines_and_odd_names() -> None:
    records = _read(SAMPLES / "whatstk__pokemon.txt")
    assert records[0] == ExportInfo(Platform.WHATSAPP, "whatsapp-android-txt")
    chat = _chat(records)
    assert (chat.name, chat.type) == ("Pokemon Chat", "group")
    messages = _messages(records)
    assert len(messages) == 20
    first, second = messages[0], messages[1]
    assert first.action == "encryption_notice"
    assert first.extra == {"attributed_to": "Pokemon Chat", "time_as_written": "15.04.2016, 15:04"}
    assert (second.kind, second.action, second.sender) == ("service", "encryption_notice", None)
    assert second.text.startswith("Messages you send to this group")
    assert second.sent_at == datetime(2016, 8, 6, 13, 18, tzinfo=UTC)
    senders = {m.sender.name for m in messages if m.sender is not None}
    assert {"Jessie & James", "Prof. Oak", "Ash Ketchum", "Wobbuffet"} <= senders
    assert messages[-1].text == "Wo-bbu-ffet"
    assert messages[-2].sent_at == datetime(2016, 10, 31, 11, 45, tzinfo=UTC)


def test_spanish_twelve_hour_sample() -> None:
    records = _read(SAMPLES / "chat-miner__test_mmddyyyy_12hrs.txt")
    chat = _chat(records)
    assert (chat.key, chat.type) == ("name:Groupname", "group")
    by_line = {m.position: m for m in _messages(records)}
    assert len(by_line) == 9
    evening = by_line["line 3"]
    assert evening.sent_at == datetime(2019, 1, 30, 20, 49, tzinfo=UTC)
    assert evening.text == "Lorem ipsum dolor sit amet,\nconsectetur adipiscing elit. Duis libero."
    assert by_line["line 2"].text == "."
    body = by_line["line 5"]
    assert body.sender is not None and body.sender.name == "John-John Doe"
    assert body.text == "Lorem ipsum : dolor sit amet."
    created = by_line["line 6"]
    assert (created.kind, created.action) == ("service", "created_group")
    assert created.sent_at == datetime(2020, 6, 20, 0, 8, tzinfo=UTC)
    assert created.sender is not None and created.sender.key == "+12345578"
    assert created.sender.phone == "+12345578" and created.extra["subject"] == "Groupname"
    added = by_line["line 7"]
    assert (added.action, added.members, added.sender) == ("added", ("You",), None)
    emoji = by_line["line 9"]
    assert emoji.sender is not None and emoji.sender.key == "name:🤓"
    assert emoji.sent_at == datetime(2021, 12, 20, 12, 10, tzinfo=UTC)
    assert by_line["line 10"].text.endswith("\nconsectetur adipiscing elit. Duis libero.")


def test_narrow_space_before_meridiem_and_marks_anywhere(tmp_path: Path) -> None:
    path = _export(
        tmp_path,
        [
            f"{LRM}[1/2/23, 9:05:07{NNBSP}PM] Alice: {LRM}hello",
            f"1/2/23, 11:59{NNBSP}p.{NNBSP}m. - {LRM}Bob{LRM}: fine",
            f"[1/3/23, 12:00:01{NNBSP}AM] Alice: late",
        ],
    )
    first, second, third = _messages(_read(path, date_order="MDY"))
    assert first.sent_at == datetime(2023, 1, 2, 21, 5, 7, tzinfo=UTC)
    assert first.text == f"{LRM}hello"
    assert second.sent_at == datetime(2023, 1, 2, 23, 59, tzinfo=UTC)
    assert second.sender is not None and second.sender.key == "name:Bob"
    assert third.sent_at == datetime(2023, 1, 3, 0, 0, 1, tzinfo=UTC)


def test_date_order_from_a_thirteenth_day(tmp_path: Path) -> None:
    lines = ["01/02/2023, 10:00 - Ann: one", "13/02/2023, 10:00 - Ben: two"]
    records = _read(_export(tmp_path, lines))
    assert _problems(records) == []
    assert [m.sent_at for m in _messages(records)] == [
        datetime(2023, 2, 1, 10, tzinfo=UTC),
        datetime(2023, 2, 13, 10, tzinfo=UTC),
    ]
    records = _read(_export(tmp_path, ["02/13/2023, 10:00 - Ann: one"], "us.txt"))
    assert _messages(records)[0].sent_at == datetime(2023, 2, 13, 10, tzinfo=UTC)


def test_date_order_option_and_reported_guesses(tmp_path: Path) -> None:
    path = _export(tmp_path, ["01/02/2023, 10:00 - Ann: one", "01/02/2023, 11:00 - Ben: two"])
    assert _messages(_read(path, date_order="MDY"))[0].sent_at == datetime(
        2023, 1, 2, 10, tzinfo=UTC
    )
    records = _read(path, date_order="dmy")
    assert _messages(records)[0].sent_at == datetime(2023, 2, 1, 10, tzinfo=UTC)
    assert _problems(records) == [] and _notes(records) == []
    guessed = _read(path)  # a guess is a note: nothing was rejected
    assert _problems(guessed) == []
    assert [(n.position, "assumed DMY" in n.text) for n in _notes(guessed)] == [("file", True)]
    forward = [
        "05/01/2023, 10:00 - Ann: a",
        "06/01/2023, 10:00 - Ann: b",
        "01/02/2023, 10:00 - Ann: c",
    ]
    records = _read(_export(tmp_path, forward, "order.txt"))
    assert _messages(records)[2].sent_at == datetime(2023, 2, 1, 10, tzinfo=UTC)
    assert "go back in time" in _notes(records)[0].text
    ymd = _read(_export(tmp_path, ["2023-12-31 23:59 - Ann: end"], "ymd.txt"))
    assert _messages(ymd)[0].sent_at == datetime(2023, 12, 31, 23, 59, tzinfo=UTC)


def test_zone_option_and_bad_options(tmp_path: Path) -> None:
    path = _export(tmp_path, ["15.01.2024, 10:00 - Ann: winter", "15.07.2024, 10:00 - Ann: summer"])
    winter, summer = _messages(_read(path, zone="Europe/Paris"))
    assert winter.sent_at == datetime(2024, 1, 15, 9, tzinfo=UTC)  # given in UTC
    assert summer.sent_at == datetime(2024, 7, 15, 8, tzinfo=UTC)
    assert winter.assumed_zone == "Europe/Paris"
    assert winter.extra["time_as_written"] == "15.01.2024, 10:00"
    with pytest.raises(UserError, match="time zone"):
        whatsapp.parse(path, zone="Nowhere/Town")
    with pytest.raises(UserError, match="date order"):
        whatsapp.parse(path, date_order="DDMM")
    with pytest.raises(BadInput, match="no such file"):
        whatsapp.parse(tmp_path / "missing.txt")


def test_attached_media_beside_the_chat_file(tmp_path: Path) -> None:
    folder = tmp_path / "WhatsApp Chat - Garden club"
    folder.mkdir()
    for name in (
        "IMG-20230101-WA0001.jpg",
        "00000012-PHOTO-2023-01-01-10-00-00.jpg",
        "PTT-20230101-WA0002.opus",
    ):
        (folder / name).write_bytes(b"placeholder")
    _export(
        folder,
        [
            "01.01.23, 10:00 - Ann: IMG-20230101-WA0001.jpg (file attached)",
            "A caption",
            "on two lines",
            f"01.01.23, 10:01 - Ben: {LRM}<attached: 00000012-PHOTO-2023-01-01-10-00-00.jpg>",
            "01.01.23, 10:02 - Ann: PTT-20230101-WA0002.opus (file attached)",
            "01.01.23, 10:03 - Ben: STK-20230101-WA0003.webp (Datei angehängt)",
            "01.01.23, 10:04 - Ann: <Media omitted>",
        ],
    )
    root, txt = whatsapp.locate(folder)
    assert (root, txt) == (folder, folder / "_chat.txt")
    records = _read(txt)
    assert _chat(records).name == "Garden club"
    photo, ios, voice, sticker, omitted = _messages(records)
    assert photo.text == "A caption\non two lines"
    assert [(r.kind, r.path, r.exported) for r in photo.media] == [
        ("image", "IMG-20230101-WA0001.jpg", True)
    ]
    assert ios.text == "" and ios.media[0].path == "00000012-PHOTO-2023-01-01-10-00-00.jpg"
    for msg in (photo, ios, voice):
        assert msg.media[0].path is not None and (root / msg.media[0].path).is_file()
    assert voice.media[0].kind == "audio" and sticker.media[0].kind == "sticker"
    assert (omitted.media[0].exported, omitted.media[0].note) == (False, "<Media omitted>")


def test_locate_refuses_what_is_not_one_export(tmp_path: Path) -> None:
    (tmp_path / "chat.zip").write_bytes(b"PK")
    assert whatsapp.locate(tmp_path / "chat.zip") == (tmp_path, tmp_path / "chat.zip")
    with pytest.raises(BadInput, match="not a readable zip archive"):
        whatsapp.parse(tmp_path / "chat.zip")
    with pytest.raises(BadInput, match="no WhatsApp chat"):
        whatsapp.locate(tmp_path)
    _export(tmp_path, ["x"], "WhatsApp Chat with A.txt")
    _export(tmp_path, ["x"], "WhatsApp Chat with B.txt")
    with pytest.raises(BadInput, match="several"):
        whatsapp.locate(tmp_path)
    notes = _export(tmp_path, ["x"], "notes.json")
    with pytest.raises(BadInput, match="not a WhatsApp export"):
        whatsapp.locate(notes)
    with pytest.raises(BadInput, match="no such file or folder"):
        whatsapp.locate(tmp_path / "gone")


def test_chat_names_phone_authors_and_system_events(tmp_path: Path) -> None:
    path = _export(
        tmp_path,
        [
            "[03.02.24, 10:00:00] \u202a+49 170 1234567\u202c: hallo",
            "[03.02.24, 10:01:00] Book club: \u200eAnn added Ben and Cid",
            '03.02.24, 10:02 - Ann changed the subject from "Books" to "Books: read"',
            "03.02.24, 10:03 - Ann removed Cid",
            "03.02.24, 10:04 - Ben left",
            "03.02.24, 10:05 - Ann: see you <This message was edited>",
        ],
        "WhatsApp Chat with Book club.txt",
    )
    records = _read(path)
    assert _chat(records) == ChatRef(
        _chat(records).platform, "name:Book club", "Book club", "group"
    )
    phone, added, subject, removed, left, edited = _messages(records)
    assert (
        phone.sender is not None
        and (phone.sender.key, phone.sender.phone) == ("+491701234567",) * 2
    )
    assert (added.action, added.members, added.extra["attributed_to"]) == (
        "added",
        ("Ben", "Cid"),
        "Book club",
    )
    assert added.sender is not None and added.sender.key == "name:Ann"
    assert (subject.action, subject.extra["subject"]) == ("changed_subject", "Books: read")
    assert (removed.action, removed.members) == ("removed", ("Cid",))
    assert (left.action, left.members, left.sender) == ("left", ("Ben",), None)
    assert (edited.text, edited.extra) == (
        "see you",
        {"edited": True, "time_as_written": "03.02.24, 10:05"},
    )
    assert _chat(_read(path, chat_name="Other name")).key == "name:Other name"


def test_unreadable_lines_are_reported_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "_chat.txt"
    path.write_bytes(
        b"\xef\xbb\xbfheader junk\nmore junk\n"
        b"21.01.23, 10:00 - Ann: caf\xe9 ok\n"
        b"21.01.23, 10:01 - Ben: fine\r\n"
    )
    records = _read(path)
    problems = _problems(records)
    assert [(p.position, p.fatal) for p in problems] == [
        ("line 1", False),
        ("line 2", False),
        ("line 3", False),
    ]
    assert problems[0].excerpt == "header junk" and "UTF-8" in problems[2].reason
    ann, ben = _messages(records)
    assert ann.text == "caf\ufffd ok" and ben.text == "fine"
    path.write_text("no header here\nnor here\n", encoding="utf-8")
    with pytest.raises(BadInput, match="not a WhatsApp text export: no message line"):
        _read(path)


def test_huge_lines_and_messages_are_bounded(tmp_path: Path) -> None:
    path = tmp_path / "_chat.txt"
    long_line = "x" * (MAX_LINE_BYTES * 3)
    many = "\n".join(["y" * 1000] * 200)
    path.write_text(
        f"21.01.23, 10:00 - Ann: {long_line}\n21.01.23, 10:01 - Ben: {many}\n"
        "21.01.23, 10:02 - Cid: end\n"
    )
    records = _read(path)
    ann, ben, cid = _messages(records)
    assert MAX_LINE_BYTES - 30 < len(ann.text) < MAX_LINE_BYTES
    assert MAX_TEXT_CHARS - 10 < len(ben.text) <= MAX_TEXT_CHARS
    reasons = [(p.position, p.reason) for p in _problems(records)]
    assert reasons[0][0] == "line 1" and "cut" in reasons[0][1]
    assert reasons[1][0] == "line 2" and f"cut at {MAX_TEXT_CHARS}" in reasons[1][1]
    assert cid.text == "end" and cid.position == "line 202"


def test_fingerprint_keys_merge_two_exports_and_split_repeats(tmp_path: Path) -> None:
    common = ["01.01.23, 10:00 - Ann: ok", "01.01.23, 10:00 - Ann: ok", "01.01.23, 10:01 - Ben: ok"]
    early = _messages(_read(_export(tmp_path, common, "a.txt")))
    late = _messages(_read(_export(tmp_path, ["31.12.22, 09:00 - Cid: first", *common], "b.txt")))
    assert [m.key for m in early] == [m.key for m in late[1:]]
    assert len({m.key for m in early}) == 3
    assert early[0].key == whatsapp.message_fingerprint(early[0])
    assert early[1].key == whatsapp.message_fingerprint(early[1], occurrence=2)
    assert [m.position for m in late] == ["line 1", "line 2", "line 3", "line 4"]
    shifted = _messages(_read(_export(tmp_path, common, "c.txt"), zone="Etc/GMT-1"))
    assert [m.key for m in shifted] == [m.key for m in early]  # the zone is not in the key
    assert shifted[0].sent_at == datetime(2023, 1, 1, 9, tzinfo=UTC)
    assert shifted[0].key == whatsapp.message_fingerprint(shifted[0])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.one_of(
            st.text(),
            st.builds(
                lambda a, b: f"{a} - {b}",
                st.from_regex(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}, \d\d:\d\d", fullmatch=True),
                st.text(),
            ),
            st.builds(
                lambda a, b: f"[{a}] {b}",
                st.from_regex(r"\d{1,2}/\d{1,2}/\d\d, \d{1,2}:\d\d:\d\d [AP]M", fullmatch=True),
                st.text(),
            ),
        ),
        max_size=12,
    )
)
def test_arbitrary_lines_never_raise(lines: list[str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "_chat.txt"
        path.write_bytes("\n".join(lines).encode("utf-8", "surrogatepass"))
        try:
            records = _read(path)
        except BadInput as exc:
            assert "not a WhatsApp text export" in str(exc)
            return
        assert all(
            isinstance(r, ExportInfo | ChatRef | ChatMessage | ExportProblem | ExportNote)
            for r in records
        )
        for msg in _messages(records):
            assert msg.sent_at is None or msg.sent_at.tzinfo is not None
            assert len(msg.text) <= MAX_TEXT_CHARS
