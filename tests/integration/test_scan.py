"""The scan use case on both backends: matching, dedup by SHA-256, reuse, bad input."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select

from crible.model.scans import ScanStatus
from crible.model.signals import SignalType
from crible.services.banks import import_list, set_enabled
from crible.services.demo_media import picture, save_jpeg, transformed_copy
from crible.services.scan import scan
from crible.signals.crypto import hash_file
from crible.signals.pdq import pdq_from_path
from crible.store import Store
from crible.store.tables import matches, media, media_locations
from tests.rows import count_rows, media_pdq


def _bank(store: Store, tmp: Path, rows: list[str], name: str = "listed") -> None:
    path = tmp / f"{name}.csv"
    path.write_text("signal_type,signal_value\n" + "\n".join(rows) + "\n")
    report = import_list(store, path, bank=name, scheme="DEMO", category="DEMO")
    assert report.added == len(rows) and not report.rejected


def test_scan_matches_edited_copies_by_pdq_and_exact_copies_by_sha256(
    store: Store, tmp_path: Path
) -> None:
    originals = tmp_path / "originals"
    folder = tmp_path / "media"
    rows = []
    for seed, edit in enumerate(["resized", "mirrored", "cropped"]):
        img = picture(seed)
        rows.append(f"pdq,{pdq_from_path(save_jpeg(img, originals / f'{seed}.jpg')).value}")
        transformed_copy(img, edit, folder / f"{edit}.jpg")
    exact = save_jpeg(picture(50), folder / "exact.jpg")
    rows.append(f"sha256,{hash_file(exact).sha256}")
    for seed in range(100, 106):
        save_jpeg(picture(seed), folder / f"other-{seed}.jpg")
    _bank(store, tmp_path, rows)

    summary = scan(store, [str(folder)], workers=2)

    assert summary.run.status is ScanStatus.COMPLETED
    assert summary.files_seen == 10 and summary.files_hashed == 10
    by_type = {(m.signal_type, m.variant) for m in summary.matches}
    assert (SignalType.SHA256, None) in by_type
    mirrored = [m for m in summary.matches if m.variant not in (None, "original")]
    assert len(mirrored) == 1 and mirrored[0].variant in ("flip_x", "flip_y")
    assert summary.matched_media == 4
    assert all(m.distance <= 31 for m in summary.matches)
    assert {str(m.category) for m in summary.matches} == {"DEMO DEMO"}


def test_same_file_under_two_paths_is_hashed_once_and_linked_to_both(
    store: Store, tmp_path: Path
) -> None:
    folder = tmp_path / "media"
    original = save_jpeg(picture(7), folder / "a.jpg")
    os.link(original, folder / "b-hardlink.jpg")
    (folder / "c-symlink.jpg").symlink_to(original)
    _bank(store, tmp_path, [f"sha256,{hash_file(original).sha256}"])

    summary = scan(store, [str(folder)], workers=1)

    assert (summary.files_seen, summary.files_hashed, summary.files_skipped) == (3, 1, 2)
    assert count_rows(store, media) == 1
    assert count_rows(store, media_locations) == 3
    assert count_rows(store, matches) == 1


def test_rescan_reads_nothing_again_but_matches_banks_added_since(
    store: Store, tmp_path: Path
) -> None:
    folder = tmp_path / "media"
    files = [save_jpeg(picture(s), folder / f"{s}.jpg") for s in range(4)]
    first = scan(store, [str(folder)], workers=0)
    assert first.files_hashed == 4 and not first.matches

    _bank(store, tmp_path, [f"md5,{hash_file(files[2]).md5}"])
    second = scan(store, [str(folder)], workers=0)

    assert second.run.id != first.run.id
    assert (second.files_hashed, second.files_skipped) == (0, 4)
    assert [m.signal_type for m in second.matches] == [SignalType.MD5]


def test_disabled_bank_does_not_match_and_threshold_is_respected(
    store: Store, tmp_path: Path
) -> None:
    folder = tmp_path / "media"
    img = picture(3)
    original = pdq_from_path(save_jpeg(img, tmp_path / "o.jpg"))
    transformed_copy(img, "brightened", folder / "bright.jpg")
    _bank(store, tmp_path, [f"pdq,{original.value}"])
    copy = pdq_from_path(folder / "bright.jpg")
    from crible.signals.pdq import hamming

    distance = hamming(original.value, copy.value)
    assert 0 < distance <= 31

    set_enabled(store, "listed", False)
    assert not scan(store, [str(folder)], workers=0).matches
    set_enabled(store, "listed", True)
    from crible.model.scans import ScanOptions

    below = scan(store, [str(folder)], ScanOptions(threshold=distance - 1), workers=0)
    assert not below.matches
    at = scan(store, [str(folder)], ScanOptions(threshold=distance), workers=0)
    assert [m.distance for m in at.matches] == [distance]


@pytest.mark.parametrize("size", [(64, 64)])
def test_low_quality_image_is_recorded_but_never_matched(
    store: Store, tmp_path: Path, size: tuple[int, int]
) -> None:
    from PIL import Image

    folder = tmp_path / "media"
    folder.mkdir()
    flat = folder / "flat.png"
    Image.new("RGB", size, (128, 128, 128)).save(flat)
    pdq = pdq_from_path(flat)
    assert pdq.quality < 50
    _bank(store, tmp_path, [f"pdq,{pdq.value}"])

    summary = scan(store, [str(folder)], workers=0)

    assert summary.low_quality == 1
    assert not summary.matches
    with store.engine.connect() as conn:
        joined, pdq_column = media_pdq()
        row = conn.execute(select(pdq_column, media.c.pdq_status).select_from(joined)).one()
    assert row == (pdq.value, "low_quality")


def test_fast_hashes_never_stand_in_for_exact_ones_and_changed_files_are_read_again(
    store: Store, tmp_path: Path
) -> None:
    from crible.model.scans import ScanOptions

    folder = tmp_path / "media"
    files = [save_jpeg(picture(s, (800, 600)), folder / f"{s}.jpg") for s in range(3)]
    exact_pdq = {hash_file(f).sha256: pdq_from_path(f).value for f in files}

    fast = scan(store, [str(folder)], ScanOptions(fast=True), workers=0)
    assert fast.files_hashed == 3
    assert scan(store, [str(folder)], ScanOptions(fast=True), workers=0).files_skipped == 3

    exact = scan(store, [str(folder)], workers=0)
    assert (exact.files_hashed, exact.files_skipped) == (3, 0)
    with store.engine.connect() as conn:
        joined, pdq_column = media_pdq()
        query = select(media.c.sha256, pdq_column, media.c.hash_mode).select_from(joined)
        rows = conn.execute(query).all()
    assert {(sha, pdq, mode) for sha, pdq, mode in rows} == {
        (sha, pdq, "exact") for sha, pdq in exact_pdq.items()
    }
    assert scan(store, [str(folder)], ScanOptions(fast=True), workers=0).files_skipped == 3

    os.utime(files[0], ns=(1_000_000_000, 1_000_000_000))
    touched = scan(store, [str(folder)], workers=0)
    assert (touched.files_hashed, touched.files_skipped) == (1, 2)
    assert scan(store, [str(folder)], workers=0).files_skipped == 3
