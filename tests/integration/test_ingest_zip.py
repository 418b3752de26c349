"""Zipped WhatsApp exports read where they lie, on both backends (issue 12, point 15): the chat
streamed from the archive, its media hashed, matched and linked as for a folder export, the
archive's SHA-256 kept as the item seized; hostile archives (entries leaving the archive,
oversized or bomb-like chat entries) refused or reported, nothing outside them read."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from crible.ingest import archive
from crible.model.errors import BadInput
from crible.services.banks import import_list
from crible.services.demo_media import picture
from crible.services.ingest import ingest
from crible.signals.pdq import pdq_from_path
from crible.store import Store
from crible.store.tables import ingests, message_media, messages
from tests.rows import count_rows

ANDROID = "WhatsApp Chat with Garden club"
LINES = [
    "13.01.23, 10:00 - Ann: IMG-20230113-WA0001.jpg (file attached)",
    "the roses",
    "13.01.23, 10:01 - Ben: IMG-20230113-WA0002.jpg (file attached)",
    "13.01.23, 10:02 - Ann: <Media omitted>",
    "13.01.23, 10:03 - Ben: IMG-20230113-WA0003.jpg (file attached)",  # not in the archive
]


def _jpeg(seed: int) -> bytes:
    out = io.BytesIO()
    picture(seed).save(out, "JPEG", quality=90)
    return out.getvalue()


def _zip(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as packed:
        for name, data in entries.items():
            packed.writestr(name, data)
    return path


def _android(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    entries = {
        f"{ANDROID}.txt": ("\n".join(LINES) + "\n").encode(),
        "IMG-20230113-WA0001.jpg": _jpeg(1),
        "IMG-20230113-WA0002.jpg": _jpeg(2),
    }
    return _zip(tmp_path / f"{ANDROID}.zip", entries), entries


def test_a_zipped_export_is_read_where_it_lies(store: Store, tmp_path: Path) -> None:
    packed, entries = _android(tmp_path)
    bank = tmp_path / "bank.csv"
    pdq = pdq_from_path(_unpacked(tmp_path, "IMG-20230113-WA0002.jpg", entries)).value
    bank.write_text(f"signal_type,signal_value\npdq,{pdq}\n")
    import_list(store, bank, bank="demo", scheme="DEMO", category="DEMO")

    report = ingest(store, "whatsapp", packed, workers=0)

    assert report.messages_new == 4 and report.path == str(packed) and not report.problems
    assert report.media == {"hashed": 2, "not_exported": 1, "missing": 1}
    assert report.scan is not None and report.scan.matched_media == 1
    with store.engine.connect() as conn:
        row = conn.execute(select(ingests)).one()._mapping
        media = conn.execute(
            select(message_media.c.path, message_media.c.sha256, message_media.c.location_key)
            .where(message_media.c.status == "hashed")
            .order_by(message_media.c.id)
        ).all()
        caption = conn.execute(
            select(messages.c.text).where(messages.c.text == "the roses")
        ).scalar()
    assert row["main_file"] == str(packed) and row["size"] == packed.stat().st_size
    assert row["main_sha256"] == hashlib.sha256(packed.read_bytes()).hexdigest()
    assert row["member"] == f"{ANDROID}.txt"
    assert row["member_sha256"] == hashlib.sha256(entries[f"{ANDROID}.txt"]).hexdigest()
    assert row["format"] == "whatsapp-android-txt-zip"
    assert caption == "the roses"
    for name, sha256, key in media:
        assert sha256 == hashlib.sha256(entries[name]).hexdigest()
        assert bytes(key) == str(packed).encode() + b"!/" + name.encode()


def test_the_zip_and_its_unpacked_folder_merge(store: Store, tmp_path: Path) -> None:
    packed, entries = _android(tmp_path)
    ingest(store, "whatsapp", packed, workers=0)
    folder = tmp_path / "unpacked"
    folder.mkdir()
    for name, data in entries.items():
        (folder / name).write_bytes(data)
    again = ingest(store, "whatsapp", folder, workers=0)
    assert (again.messages_new, again.messages_merged) == (0, 4)
    assert count_rows(store, messages) == 4


def test_an_ios_zip_is_named_after_the_archive(store: Store, tmp_path: Path) -> None:
    packed = _zip(
        tmp_path / "WhatsApp Chat - Book club.zip",
        {
            "_chat.txt": (
                "[13.01.23, 10:00:00] Ann: \u200e<attached: 00000012-PHOTO-2023-01-13.jpg>\n"
            ).encode(),
            "00000012-PHOTO-2023-01-13.jpg": _jpeg(3),
        },
    )
    report = ingest(store, "whatsapp", packed, workers=0)
    assert report.media == {"hashed": 1} and report.chats == {"name:Book club"}


def test_entries_leaving_the_archive_are_never_read(store: Store, tmp_path: Path) -> None:
    outside = tmp_path / "evil.jpg"
    outside.write_bytes(_jpeg(9))  # what "../evil.jpg" would reach if it were extracted
    inner = tmp_path / "inner"
    inner.mkdir()
    packed = _zip(
        inner / "chat.zip",
        {
            f"{ANDROID}.txt": (
                b"13.01.23, 10:00 - Ann: ../evil.jpg (file attached)\n"
                b"13.01.23, 10:01 - Ann: /etc/hostname (file attached)\n"
            ),
            "../evil.jpg": _jpeg(9),
        },
    )
    report = ingest(store, "whatsapp", packed, workers=0)

    assert report.media == {"refused": 2} and report.scan is None
    assert report.rejected_input
    reasons = sorted(p.reason for p in report.problems)
    assert reasons == [
        "media '../evil.jpg': path leaves the archive",
        "media '/etc/hostname': absolute path: refused, it leaves the archive",
        "path leaves the archive: not read",
    ]
    assert [p.position for p in report.problems if "not read" in p.reason] == [
        "archive entry '../evil.jpg'"
    ]


def test_a_chat_entry_outside_the_archive_is_not_a_chat(store: Store, tmp_path: Path) -> None:
    packed = _zip(tmp_path / "chat.zip", {f"../{ANDROID}.txt": b"13.01.23, 10:00 - Ann: hi\n"})
    with pytest.raises(BadInput, match=r"no WhatsApp chat \.txt file in this zip"):
        ingest(store, "whatsapp", packed, workers=0)
    assert count_rows(store, ingests) == 0


def test_a_zip_bomb_is_refused_before_it_is_inflated(store: Store, tmp_path: Path) -> None:
    text = b"13.01.23, 10:00 - Ann: " + b"a" * (20 * 1024 * 1024) + b"\n"
    packed = _zip(tmp_path / "chat.zip", {f"{ANDROID}.txt": text})
    assert packed.stat().st_size < 100_000
    with pytest.raises(BadInput, match="refused as a zip bomb") as caught:
        ingest(store, "whatsapp", packed, workers=0)
    assert f"chat.zip!/{ANDROID}.txt" in str(caught.value)
    assert count_rows(store, ingests) == 0


def test_an_oversized_chat_entry_is_refused(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    packed, _ = _android(tmp_path)
    monkeypatch.setattr(archive, "MAX_CHAT_BYTES", 100)
    with pytest.raises(BadInput, match="over the cap of 100 for a chat file"):
        ingest(store, "whatsapp", packed, workers=0)
    assert count_rows(store, ingests) == 0


def test_a_chat_entry_longer_than_it_declares_stops(tmp_path: Path) -> None:
    packed = tmp_path / "chat.zip"
    text = b"13.01.23, 10:00 - Ann: hello there\n"
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_STORED) as out:
        out.writestr(f"{ANDROID}.txt", text)
    data = bytearray(packed.read_bytes())
    declared = len(text).to_bytes(4, "little")
    shorter = (len(text) - 12).to_bytes(4, "little")
    central = data.rindex(b"PK\x01\x02")  # the uncompressed size is at +24
    assert data[central + 24 : central + 28] == declared
    data[central + 24 : central + 28] = shorter
    packed.write_bytes(bytes(data))
    chat = archive.chat_in_zip(packed)
    assert chat.size == len(text) - 12
    with pytest.raises(BadInput), chat.open() as stream:
        stream.read()


def _unpacked(tmp_path: Path, name: str, entries: dict[str, bytes]) -> Path:
    path = tmp_path / "copies" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(entries[name])
    return path
