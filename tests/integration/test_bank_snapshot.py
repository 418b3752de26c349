"""Bank snapshots: the pure matcher over a snapshot saved beside the store and mapped back
gives what a fresh build gives; scans and the server map the saved one instead of rebuilding
while the banks are unchanged, and build a new one when they change."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import crible.services.matching as matching
from crible.index.matcher import match_all, match_value
from crible.index.snapshot import BankSnapshot
from crible.model.signals import MediaHashes, SignalType
from crible.services.banks import import_list
from crible.services.demo_media import picture, save_jpeg, transformed_copy
from crible.services.lookup import LookupIndex
from crible.services.scan import scan
from crible.signals.crypto import hash_file
from crible.signals.media import hash_media
from crible.signals.pdq import pdq_from_path
from crible.store import Store
from crible.store.settings import write_setting


def _bank(store: Store, tmp: Path, rows: list[str], name: str) -> None:
    path = tmp / f"{name}.csv"
    path.write_text("signal_type,signal_value\n" + "\n".join(rows) + "\n")
    assert import_list(store, path, bank=name, scheme="DEMO", category="DEMO").added == len(rows)


def _media(tmp: Path) -> tuple[list[str], Path]:
    """Bank rows (2 PDQ, 1 SHA-256) and a folder with their copies and unrelated pictures."""
    folder = tmp / "media"
    rows = []
    for seed, edit in ((1, "resized"), (2, "mirrored")):
        img = picture(seed)
        rows.append(f"pdq,{pdq_from_path(save_jpeg(img, tmp / 'orig' / f'{seed}.jpg')).value}")
        transformed_copy(img, edit, folder / f"{edit}.jpg")
    rows.append(f"sha256,{hash_file(save_jpeg(picture(3), folder / 'exact.jpg')).sha256}")
    for seed in (20, 21):
        save_jpeg(picture(seed), folder / f"other-{seed}.jpg")
    return rows, folder


def _hashes(folder: Path) -> list[MediaHashes]:
    found = []
    for path in sorted(folder.iterdir()):
        with path.open("rb") as stream:
            found.append(hash_media(stream))
    return found


def test_a_saved_snapshot_maps_back_and_matches_as_built(store: Store, tmp_path: Path) -> None:
    rows, folder = _media(tmp_path)
    _bank(store, tmp_path, rows, "listed")
    built = matching.snapshot_of(store)
    built.save(tmp_path / "saved")
    loaded = BankSnapshot.load(tmp_path / "saved")
    items = _hashes(folder)
    thresholds = {SignalType.PDQ: 31}
    expected = match_all(built, items, thresholds)
    assert sum(len(m) for m in expected) == 3
    assert match_all(loaded, items, thresholds) == expected
    pdq = rows[0].split(",")[1]
    assert match_value(loaded, SignalType.PDQ, pdq)[0].entry_value == pdq
    assert loaded.fingerprint == built.fingerprint == matching.fingerprint_key(store)


def test_scans_map_the_saved_snapshot_until_the_banks_change(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    beside = matching.snapshot_folder(store)
    if store.engine.url.get_backend_name() == "sqlite":
        assert beside is not None and beside.name.endswith(".db.snapshots")
    else:
        assert beside is None  # PostgreSQL: only a configured folder
    folder_of = tmp_path / "snapshots"
    monkeypatch.setattr(matching, "snapshot_folder", lambda _store, _c=None: folder_of)
    rows, media = _media(tmp_path)
    _bank(store, tmp_path, rows, "listed")
    first = scan(store, [str(media)], workers=0, resume=False)
    key = matching.fingerprint_key(store)
    assert (folder_of / key / "snapshot.json").is_file()

    def no_build(*_args: object) -> BankSnapshot:
        raise AssertionError("the snapshot was rebuilt although the banks did not change")

    monkeypatch.setattr(matching, "snapshot_of", no_build)
    again = scan(store, [str(media)], workers=0, resume=False)
    assert {(m.media_sha256, m.entry_id) for m in again.matches} == {
        (m.media_sha256, m.entry_id) for m in first.matches
    }
    monkeypatch.undo()
    monkeypatch.setattr(matching, "snapshot_folder", lambda _store, _c=None: folder_of)
    other = save_jpeg(picture(20), tmp_path / "o.jpg")
    _bank(store, tmp_path, [f"sha256,{hash_file(other).sha256}"], "more")
    assert matching.fingerprint_key(store) != key
    grown = scan(store, [str(media)], workers=0, resume=False)
    assert len(grown.matches) == len(first.matches) + 1
    assert (folder_of / matching.fingerprint_key(store) / "snapshot.json").is_file()


def test_the_server_maps_the_snapshot_the_serve_command_saved(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows, _ = _media(tmp_path)
    _bank(store, tmp_path, rows, "listed")
    saved = tmp_path / "snapshots"
    matching.latest_snapshot(store, saved, save=True)

    def no_build(*_args: object) -> BankSnapshot:
        raise AssertionError("a worker rebuilt the index instead of mapping the snapshot")

    monkeypatch.setattr(matching, "snapshot_of", no_build)
    index = LookupIndex(store, folder=saved)
    assert index.pdq_entries == 2
    assert index.lookup(SignalType.PDQ, rows[0].split(",")[1])[0].bank_name == "listed"


def test_a_configured_folder_holds_the_snapshots_on_either_backend(
    store: Store, tmp_path: Path
) -> None:
    write_setting(store.engine, matching.SNAPSHOT_FOLDER, str(tmp_path / "common-folder"), "test")
    assert matching.snapshot_folder(store) == tmp_path / "common-folder"
    rows, media = _media(tmp_path)
    _bank(store, tmp_path, rows, "listed")
    assert len(scan(store, [str(media)], workers=0).matches) == 3
    assert (
        tmp_path / "common-folder" / matching.fingerprint_key(store) / "snapshot.json"
    ).is_file()


def test_the_matcher_does_no_io() -> None:
    """Importing the matcher and the snapshot loads neither the store nor SQLAlchemy."""
    code = (
        "import sys, crible.index.matcher, crible.index.snapshot; "
        "print(sorted(m for m in sys.modules if m.startswith(('crible.store', 'sqlalchemy'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
