"""Ingesting chat exports into one investigation, on both backends: merging across
exports, account history, forwards linked by name, media screened and linked, hostile
media paths refused, broken files leaving the store as it was."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from crible.model.errors import BadInput
from crible.services.banks import import_list
from crible.services.demo_media import picture, transformed_copy
from crible.services.demo_telegram import TelegramExport, at
from crible.services.ingest import IngestOptions, ingest
from crible.services.views import list_accounts, list_media, list_messages
from crible.signals.pdq import pdq_from_path
from crible.store import Store
from crible.store.tables import (
    chats,
    ingests,
    membership_events,
    message_media,
    message_sources,
    messages,
)
from tests.rows import count_rows

ALICE, BOB, CAROL = (101, "Alice"), (102, "Bob"), (103, "Carol")


def _group() -> TelegramExport:
    chat = TelegramExport(5001, "Group One")
    chat.service(1, at(1), ALICE, "create_group", title="Group One", members=["Alice"])
    chat.service(2, at(1, 13), ALICE, "invite_members", members=["Bob", "Carol"])
    chat.post(3, at(2), BOB, "hello #tag", photo=picture(1))
    chat.post(4, at(3), CAROL, "a placeholder", placeholder=True)
    chat.post(5, at(4), BOB, "", photo=picture(2), forwarded_from="Alice")
    chat.post(6, at(5), ALICE, [{"type": "mention", "text": "@bob"}, " see above"], reply_to=5)
    chat.service(7, at(6), (104, "Dave"), "join_group_by_link", inviter="Alice")
    return chat


def test_two_exports_of_one_chat_merge_messages_and_accounts(store: Store, tmp_path: Path) -> None:
    chat = _group()
    first = ingest(store, "telegram", chat.write(tmp_path / "a", only=range(1, 6)), workers=0)
    chat.messages = [m for m in chat.messages if m["id"] != 3]
    chat.post(3, at(2), (102, "Bobby"), "hello #tag", photo=picture(1))  # renamed since
    second = ingest(store, "telegram", chat.write(tmp_path / "b"), workers=0)

    assert (first.messages_new, first.messages_merged) == (5, 0)
    assert (second.messages_new, second.messages_merged) == (2, 5)
    assert count_rows(store, messages) == 7
    assert count_rows(store, message_sources) == 12
    bob = next(a for a in list_accounts(store) if a.key == "user102")
    assert bob.names == ("Bob",) and bob.messages == 2
    merged = list_messages(store, chat="Group One")
    assert [m.exports for m in merged] == [2, 2, 2, 2, 2, 1, 1]
    assert merged[4].forwarded_from == "Alice" and merged[4].forwarded_link == "by_name"
    with store.engine.connect() as conn:
        events = conn.execute(
            select(membership_events.c.event, membership_events.c.name).order_by(
                membership_events.c.id
            )
        ).all()
    assert events == [("create", "Alice"), ("invite", "Bob"), ("invite", "Carol"), ("join", "Dave")]


def test_media_are_screened_and_linked_to_their_message(store: Store, tmp_path: Path) -> None:
    listed = picture(2)
    original = transformed_copy(listed, "recompressed", tmp_path / "original.jpg")
    bank = tmp_path / "bank.csv"
    bank.write_text(f"signal_type,signal_value\npdq,{pdq_from_path(original).value}\n")
    import_list(store, bank, bank="demo", scheme="DEMO", category="DEMO")

    report = ingest(store, "telegram", _group().write(tmp_path / "export"), workers=1)

    assert report.media == {"hashed": 2, "not_exported": 1}
    assert report.scan is not None and report.scan.matched_media == 1
    matched = list_media(store, matched=True)
    assert [(m.chat, m.sender, m.kind, m.status) for m in matched] == [
        ("Group One", "Bob", "photo", "hashed")
    ]
    assert matched[0].matches[0].startswith("demo d=")
    with store.engine.connect() as conn:
        row = conn.execute(select(ingests)).one()._mapping
    assert row["status"] == "complete" and len(row["main_sha256"]) == 64
    assert row["importer_version"].startswith("crible ") and json.loads(row["counts"])


def test_media_paths_leaving_the_export_are_refused(store: Store, tmp_path: Path) -> None:
    outside = tmp_path / "outside.jpg"
    picture(9).save(outside, "JPEG")
    folder = tmp_path / "export"
    (folder / "photos").mkdir(parents=True)
    (folder / "photos" / "link.jpg").symlink_to(outside)
    doc = {
        "name": "G",
        "type": "private_group",
        "id": 7,
        "messages": [
            {
                "id": n,
                "type": "message",
                "date_unixtime": str(1_700_000_000 + n),
                "from": "A",
                "from_id": "user1",
                "text": "",
                "photo": path,
            }
            for n, path in enumerate(
                ["../outside.jpg", str(outside), "photos/link.jpg", "photos/missing.jpg"], 1
            )
        ],
    }
    (folder / "result.json").write_text(json.dumps(doc))

    report = ingest(store, "telegram", folder, workers=0)

    assert report.media == {"refused": 3, "missing": 1}
    assert len([p for p in report.problems if "media" in p.reason]) == 3
    assert report.scan is None
    with store.engine.connect() as conn:
        reasons = conn.execute(select(message_media.c.reason).order_by(message_media.c.id))
        assert [r for (r,) in reasons][:3] == [
            "path leaves the export folder",
            "absolute path: refused, it leaves the export folder",
            "a link inside the export points outside it",
        ]


def test_truncated_export_stores_nothing_unless_keep_partial(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "export"
    text = _group().write(folder).read_text()
    (folder / "result.json").write_text(text[: int(len(text) * 0.7)])

    with pytest.raises(BadInput) as caught:
        ingest(store, "telegram", folder, workers=0)
    assert "byte" in str(caught.value) and "result.json" in str(caught.value)
    assert count_rows(store, ingests) == 0 and count_rows(store, messages) == 0

    partial = ingest(store, "telegram", folder, IngestOptions(keep_partial=True), workers=0)
    assert partial.status == "incomplete" and 0 < partial.messages_new < 7
    assert any(p.fatal for p in partial.problems)


def test_forward_names_shown_by_two_accounts_stay_unlinked(store: Store, tmp_path: Path) -> None:
    chat = TelegramExport(9, "G")
    chat.post(1, at(1), (1, "Sam"), "one")
    chat.post(2, at(2), (2, "Sam"), "two")
    chat.post(3, at(3), (3, "Kim"), "", forwarded_from="Sam")
    ingest(store, "telegram", chat.write(tmp_path / "e"), workers=0)
    with store.engine.connect() as conn:
        row = conn.execute(
            select(messages.c.forwarded_account_id, messages.c.forwarded_link).where(
                messages.c.forwarded_from == "Sam"
            )
        ).one()
    assert tuple(row) == (None, None)


def test_ingest_run_again_completes_media_left_pending_by_a_killed_one(
    store: Store, tmp_path: Path
) -> None:
    folder = tmp_path / "export"
    _group().write(folder)
    ingest(store, "telegram", folder, workers=0)
    with store.engine.begin() as conn:  # as if killed after the messages, before hashing
        conn.execute(
            message_media.update()
            .where(message_media.c.location_key.is_not(None))
            .values(status="pending", sha256=None)
        )

    again = ingest(store, "telegram", folder, workers=0)

    assert again.messages_new == 0
    with store.engine.connect() as conn:
        statuses = sorted(s for (s,) in conn.execute(select(message_media.c.status)))
    assert statuses == ["hashed", "hashed", "not_exported"]


def test_a_media_file_the_scan_rejects_is_linked_with_its_reason(
    store: Store, tmp_path: Path
) -> None:
    chat = TelegramExport(8, "G")
    chat.post(1, at(1), BOB, "one", photo=picture(1), photo_name="empty.jpg")
    chat.post(2, at(2), BOB, "two", photo=picture(2))
    folder = tmp_path / "export"
    chat.write(folder)
    (folder / "photos" / "empty.jpg").write_bytes(b"")

    report = ingest(store, "telegram", folder, workers=0)

    assert report.media == {"hashed": 1, "rejected": 1}
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(message_media.c.status, message_media.c.sha256, message_media.c.reason).order_by(
                message_media.c.id
            )
        ).all()
    assert rows[0][:2] == ("rejected", None) and "0 bytes" in rows[0][2]
    assert rows[1][0] == "hashed" and len(rows[1][1]) == 64 and rows[1][2] is None


def test_forwards_are_linked_by_name_only_within_the_platform(store: Store, tmp_path: Path) -> None:
    with store.engine.begin() as conn:  # another platform's message forwarded from "Alice"
        chat_id = conn.execute(
            chats.insert().values(platform="whatsapp", key="wa-chat", name="Other")
        ).inserted_primary_key[0]
        conn.execute(
            messages.insert().values(
                chat_id=chat_id, key="m1", kind="message", text="", forwarded_from="Alice"
            )
        )

    report = ingest(store, "telegram", _group().write(tmp_path / "export"), workers=0)

    assert report.forwards_linked == 1
    with store.engine.connect() as conn:
        linked = dict(
            conn.execute(
                select(chats.c.platform, messages.c.forwarded_link)
                .join(chats, chats.c.id == messages.c.chat_id)
                .where(messages.c.forwarded_from == "Alice")
            ).all()
        )
    assert linked == {"telegram": "by_name", "whatsapp": None}
