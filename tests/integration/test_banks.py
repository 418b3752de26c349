"""Bank use cases on both backends: one-transaction, idempotent imports; strict mode;
VICS; delete removes entries and the matches against them."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from crible.model.errors import InvalidList, NotFound
from crible.services.banks import delete_bank, export_bank, import_list, list_banks, show_bank
from crible.services.demo_media import picture, save_jpeg
from crible.services.scan import scan
from crible.signals.crypto import hash_file
from crible.store import Store
from crible.store.tables import bank_entries, banks, import_rejections, matches
from tests.rows import count_rows


def _hex(n: int, algo: str = "sha1") -> str:
    return hashlib.new(algo, f"benign-{n}".encode()).hexdigest()


def test_import_is_idempotent_and_keeps_valid_lines_next_to_rejected_ones(
    store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "list.csv"
    rows = [f"sha1,{_hex(n)}" for n in range(5000)]
    rows.insert(10, "sha1,xyz")
    rows.insert(3000, "unknown_type,abcd")
    path.write_text("signal_type,signal_value\n" + "\n".join(rows) + "\n")

    first = import_list(store, path, bank="big", scheme="NCMEC", category="B1")
    second = import_list(store, path, bank="big")

    assert (first.added, first.already_present) == (5000, 0)
    assert [r.line for r in first.rejected] == [12, 3002]
    assert (second.added, second.already_present, len(second.rejected)) == (0, 5000, 2)
    assert show_bank(store, "big").by_category == {"NCMEC B1": 5000}
    assert count_rows(store, bank_entries) == 5000
    assert count_rows(store, import_rejections) == 4


def test_strict_import_rolls_back_everything_including_the_new_bank(
    store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "list.txt"
    path.write_text("".join(f"{_hex(n, 'md5')}\n" for n in range(3000)) + "bad\n")

    with pytest.raises(InvalidList) as caught:
        import_list(store, path, bank="strict", strict=True)

    assert caught.value.line == 3001 and str(path) in str(caught.value)
    assert count_rows(store, banks) == 0 and count_rows(store, bank_entries) == 0
    with pytest.raises(NotFound):
        show_bank(store, "strict")


def test_vics_import_keeps_photodna_opaque_and_categories_with_their_scheme(
    store: Store, tmp_path: Path
) -> None:
    records = [
        {"MediaID": 1, "Category": 2, "MD5": _hex(1, "md5"), "SHA1": _hex(1),
         "PhotoDNA": "AAECAwQFBgc="},
        {"MediaID": 2, "Category": 0, "SHA1": _hex(2)},
    ]  # fmt: skip
    path = tmp_path / "case.json"
    path.write_text(json.dumps({"@odata.context": "benign", "value": records}))

    report = import_list(store, path, bank="vics", provenance=None)

    assert report.format == "vics" and report.added == 4 and not report.rejected
    stats = show_bank(store, "vics")
    assert stats.by_signal_type == {"md5": 1, "sha1": 2, "photodna": 1}
    assert stats.by_category == {"VIC-US 2": 3, "VIC-US 0": 1}
    out = tmp_path / "out.json"
    with out.open("w") as stream:
        assert export_bank(store, "vics", stream, fmt="vics") == 4
    again = import_list(store, out, bank="copy")
    assert again.added == 4 and show_bank(store, "copy").by_category == stats.by_category


def test_deleting_a_bank_removes_its_entries_and_matches_only(store: Store, tmp_path: Path) -> None:
    image = save_jpeg(picture(5), tmp_path / "media" / "a.jpg")
    for name in ("one", "two"):
        path = tmp_path / f"{name}.txt"
        path.write_text(hash_file(image).md5 + "\n")
        import_list(store, path, bank=name)
    assert len(scan(store, [str(tmp_path / "media")], workers=0).matches) == 2

    delete_bank(store, "one")

    assert [s.bank.name for s in list_banks(store)] == ["two"]
    assert count_rows(store, matches) == 1 and count_rows(store, bank_entries) == 1


def test_export_gives_each_video_entry_its_own_frames_in_order(
    store: Store, tmp_path: Path
) -> None:
    videos = []
    for n in range(3):
        frames = [hashlib.sha256(f"benign-{n}-{k}".encode()).hexdigest() for k in range(n + 2)]
        path = tmp_path / f"video{n}.txt"
        path.write_text("".join(f"{k},100,{h},{k}.000\n" for k, h in enumerate(frames)))
        import_list(store, path, bank="videos", fmt="vpdq")
        videos.append(frames)
    pictures = tmp_path / "pictures.txt"
    pictures.write_text(_hex(1) + "\n")
    import_list(store, pictures, bank="videos", fmt="plain")

    entries = list(store.banks.entries("videos"))

    assert [[f.pdq for f in e.frames] for e in entries] == [*videos, []]
    assert [[f.number for f in e.frames] for e in entries[:3]] == [[0, 1], [0, 1, 2], [0, 1, 2, 3]]
