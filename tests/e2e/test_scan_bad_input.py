"""Every kind of bad input is recorded with its reason; the scan goes on and exits 3."""

from __future__ import annotations

import io
import os
import struct
import zipfile
import zlib
from pathlib import Path

from sqlalchemy import select

from crible.services.demo_media import picture, save_jpeg
from crible.signals.crypto import hash_file
from crible.store import Store
from crible.store.tables import media
from tests.e2e.cli import crible, crible_json
from tests.rows import media_pdq


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny, valid-looking PNG whose header claims width x height pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def _bad_folder(root: Path) -> dict[str, str]:
    """Write good and bad inputs; return expected rejection code by file name."""
    root.mkdir()
    good = save_jpeg(picture(1), root / "good.jpg")
    jpeg = good.read_bytes()
    (root / "truncated.jpg").write_bytes(jpeg[: len(jpeg) // 3])
    (root / "corrupt.jpg").write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(5000))
    (root / "empty.jpg").write_bytes(b"")
    (root / "bomb.png").write_bytes(_png_claiming(100_000, 100_000))
    (root / "notes.txt").write_text("plain text, hashed cryptographically only\n")
    (root / b"caf\xe9-latin1.jpg".decode("utf-8", "surrogateescape")).write_bytes(jpeg)
    loop = root / "loop"
    loop.mkdir()
    (loop / "again").symlink_to(root)
    (root / "dangling.jpg").symlink_to(root / "nowhere.jpg")
    os.mkfifo(root / "pipe")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("inside/ok.jpg", jpeg)
        archive.writestr("../escape.jpg", jpeg)
        archive.writestr("/absolute.jpg", jpeg)
    (root / "archive.zip").write_bytes(buffer.getvalue())
    return {
        "truncated.jpg": "corrupt_image",
        "corrupt.jpg": "corrupt_image",
        "empty.jpg": "empty",
        "bomb.png": "image_too_large",
        "dangling.jpg": "unreadable",
        "pipe": "not_a_file",
        "../escape.jpg": "unsafe_path",
        "/absolute.jpg": "unsafe_path",
    }


def test_each_bad_input_is_listed_with_its_reason_and_the_rest_is_scanned(tmp_path: Path) -> None:
    folder = tmp_path / "media"
    expected = _bad_folder(folder)
    db = str(tmp_path / "crible.db")
    bank = tmp_path / "bank.txt"
    bank.write_text(hash_file(folder / "good.jpg").sha256 + "\n")
    assert (
        crible("bank", "import", str(bank), "--name", "b", "--type", "sha256", db=db).returncode
        == 0
    )

    result = crible_json("scan", str(folder), "-j", "2", db=db, expect=3)

    assert result["status"] == "completed_with_errors"
    codes = {
        r["location"].rsplit("/", 1)[-1]
        if "!/" not in r["location"]
        else r["location"].split("!/", 1)[1]: r["code"]
        for r in result["rejected"]
    }
    for name, code in expected.items():
        assert codes.get(name) == code, (name, codes)
    assert "symlink_loop" in codes.values()
    assert all(r["reason"] for r in result["rejected"])
    matched = sorted(loc for m in result["matches"] for loc in m["locations"])
    assert [Path(p.split("!/")[0]).name for p in matched] == [
        "archive.zip",
        "caf\\xe9-latin1.jpg",
        "good.jpg",
    ]
    assert any(p.endswith("!/inside/ok.jpg") for p in matched)
    assert len({m["sha256"] for m in result["matches"]}) == 1

    assert "notes.txt" not in codes
    with Store.open(db) as store, store.engine.connect() as conn:
        joined, pdq_column = media_pdq()
        text = conn.execute(
            select(pdq_column, media.c.pdq_status)
            .select_from(joined)
            .where(media.c.sha256 == hash_file(folder / "notes.txt").sha256)
        ).one()
    assert text == (None, "not_image")

    again = crible_json("results", db=db, expect=3)
    assert len(again["rejected"]) == len(result["rejected"])
