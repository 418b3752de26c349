"""Saving the PDQ index to disk and mapping it back in; damaged saves give a clear error."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from crible.index import MihPdqIndex
from crible.index.persist import MANIFEST
from crible.model.errors import BadInput
from tests.unit.test_index import found, queries_near, random_set, reference


@pytest.fixture
def saved(tmp_path: Path) -> tuple[Path, MihPdqIndex]:
    """An index with tables, dead rows and a delta, saved to tmp_path/index."""
    ids, hashes = random_set(20_000, seed=21)
    index = MihPdqIndex.from_arrays(ids[:15_000], hashes[:15_000], rebuild_at=10**9)
    index.add(ids[15_000:], hashes[15_000:])
    index.remove(ids[:100])  # dead rows in the tables
    index.remove(ids[19_000:19_050])  # dead rows in the delta
    index.save(tmp_path / "index")
    return tmp_path / "index", index


def test_round_trip(saved: tuple[Path, MihPdqIndex]) -> None:
    directory, index = saved
    loaded = MihPdqIndex.load(directory, verify=True)
    queries = queries_near(random_set(20_000, seed=21)[1], 100)
    assert len(loaded) == len(index) == 20_000 - 150
    for threshold in (0, 31, 63):
        assert found(loaded, queries, threshold) == found(index, queries, threshold)
    assert isinstance(loaded._main.hashes, np.memmap)  # type: ignore[union-attr]


def test_a_loaded_index_takes_changes_and_rebuilds(saved: tuple[Path, MihPdqIndex]) -> None:
    directory, _ = saved
    ids, hashes = random_set(20_000, seed=21)
    loaded = MihPdqIndex.load(directory)
    loaded.remove(ids[100:200])
    loaded.add(ids[:50], hashes[:50])
    loaded.compact()
    live = np.concatenate([ids[:50], ids[200:19_000], ids[19_050:]])
    live_hashes = np.concatenate([hashes[:50], hashes[200:19_000], hashes[19_050:]])
    queries = queries_near(hashes, 100)
    assert found(loaded, queries, 31) == reference(live, live_hashes, queries, 31)
    loaded.save(directory)  # over the files it was mapped from
    again = MihPdqIndex.load(directory, verify=True)
    assert found(again, queries, 31) == reference(live, live_hashes, queries, 31)


def test_saving_again_replaces_the_old_generation(saved: tuple[Path, MihPdqIndex]) -> None:
    directory, index = saved
    before = {p.name for p in directory.iterdir()}
    index.save(directory)
    after = {p.name for p in directory.iterdir()}
    assert len(after) == len(before) and not (after - {MANIFEST}) & before


def test_empty_index_round_trip(tmp_path: Path) -> None:
    MihPdqIndex().save(tmp_path / "empty")
    loaded = MihPdqIndex.load(tmp_path / "empty", verify=True)
    assert len(loaded) == 0
    assert loaded.search(random_set(2)[1], 31) == [[], []]


def test_load_in_a_fresh_process(saved: tuple[Path, MihPdqIndex]) -> None:
    directory, index = saved
    query = random_set(20_000, seed=21)[1][15_500:15_501]
    code = (
        "import sys, numpy as np; from crible.index import MihPdqIndex; "
        f"i = MihPdqIndex.load({str(directory)!r}); "
        f"print([n.id for n in i.search(np.array({query.tolist()}, dtype=np.uint8), 0)[0]])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str([n.id for n in index.search(query, 0)[0]])


def _array_file(directory: Path, name: str) -> Path:
    manifest = json.loads((directory / MANIFEST).read_text())
    return directory / str(manifest["arrays"][name]["file"])


def test_missing_or_unreadable_manifest(tmp_path: Path, saved: tuple[Path, MihPdqIndex]) -> None:
    with pytest.raises(BadInput, match="no saved PDQ index"):
        MihPdqIndex.load(tmp_path / "nowhere")
    directory, _ = saved
    (directory / MANIFEST).write_text("{not json")
    with pytest.raises(BadInput, match=r"manifest\.json.*unreadable"):
        MihPdqIndex.load(directory)
    (directory / MANIFEST).write_text(json.dumps({"format": "crible-pdq-mih", "version": 99}))
    with pytest.raises(BadInput, match="version"):
        MihPdqIndex.load(directory)


@pytest.mark.parametrize("name", ["hashes", "entries", "dirs", "ids", "delta_hashes"])
def test_truncated_array_names_the_file(saved: tuple[Path, MihPdqIndex], name: str) -> None:
    directory, _ = saved
    path = _array_file(directory, name)
    with path.open("r+b") as f:
        f.truncate(path.stat().st_size // 2)
    with pytest.raises(BadInput, match=path.name):
        MihPdqIndex.load(directory)


def test_missing_array_names_the_file(saved: tuple[Path, MihPdqIndex]) -> None:
    directory, _ = saved
    path = _array_file(directory, "entries")
    path.unlink()
    with pytest.raises(BadInput, match=path.name):
        MihPdqIndex.load(directory)


def test_garbage_header_names_the_file(saved: tuple[Path, MihPdqIndex]) -> None:
    directory, _ = saved
    path = _array_file(directory, "ids")
    path.write_bytes(b"\x00" * 300)
    with pytest.raises(BadInput, match=path.name):
        MihPdqIndex.load(directory)


def test_an_array_of_the_wrong_shape_is_refused(saved: tuple[Path, MihPdqIndex]) -> None:
    directory, _ = saved
    path = _array_file(directory, "dead")
    np.save(path, np.zeros(7, dtype=np.uint8))
    with pytest.raises(BadInput, match=path.name):
        MihPdqIndex.load(directory)


def test_inconsistent_directory_is_refused(saved: tuple[Path, MihPdqIndex]) -> None:
    directory, _ = saved
    path = _array_file(directory, "dirs")
    dirs = np.load(path)
    dirs[5] = 2**31
    np.save(path, dirs)
    with pytest.raises(BadInput, match=path.name):
        MihPdqIndex.load(directory)


def test_flipped_bytes_fail_the_checksum_and_never_crash(saved: tuple[Path, MihPdqIndex]) -> None:
    directory, _ = saved
    path = _array_file(directory, "entries")
    data = bytearray(path.read_bytes())
    rng = np.random.default_rng(0)
    for pos in rng.integers(200, len(data), 5000).tolist():
        data[pos] = 0xFF  # row numbers far beyond the table
    path.write_bytes(bytes(data))
    with pytest.raises(BadInput, match=f"{path.name}.*checksum"):
        MihPdqIndex.load(directory, verify=True)
    unverified = MihPdqIndex.load(directory)  # loads; searching stays in bounds
    queries = queries_near(random_set(20_000, seed=21)[1], 50)
    assert len(unverified.search(queries, 31)) == len(queries)


def _replace_array(directory: Path, name: str, array: np.ndarray) -> None:
    """Swap in another array, with a manifest entry that agrees (so only the content is bad)."""
    manifest = json.loads((directory / MANIFEST).read_text())
    np.save(directory / manifest["arrays"][name]["file"], array)
    manifest["arrays"][name] |= {"dtype": array.dtype.str, "shape": list(array.shape)}
    (directory / MANIFEST).write_text(json.dumps(manifest))


DELTA_ROWS = 5_000 - 50
TABLE_IDS = random_set(20_000, seed=21)[0][100:15_000]  # live in the saved tables
FRESH_IDS = np.arange(DELTA_ROWS, dtype=np.int64) + 10**6


@pytest.mark.parametrize(
    ("name", "array", "reason"),
    [
        ("delta_hashes", np.zeros((DELTA_ROWS, 31), dtype=np.uint8), "32 bytes"),
        ("delta_ids", FRESH_IDS[1:], "32 bytes"),
        ("delta_ids", np.array(7, dtype=np.int64), "int64"),
        ("delta_ids", FRESH_IDS.astype(np.float64), "int64"),
        ("delta_ids", np.full(DELTA_ROWS, 10**6, dtype=np.int64), "repeat"),
        ("delta_ids", TABLE_IDS[:DELTA_ROWS], "also in the tables"),
    ],
    ids=["short-hashes", "fewer-ids", "scalar-ids", "float-ids", "repeated-ids", "taken-ids"],
)
def test_a_delta_that_does_not_fit_is_refused(
    saved: tuple[Path, MihPdqIndex], name: str, array: np.ndarray, reason: str
) -> None:
    directory, _ = saved
    _replace_array(directory, name, array)
    with pytest.raises(BadInput, match=reason):
        MihPdqIndex.load(directory)


def test_a_delta_of_fresh_ids_loads(saved: tuple[Path, MihPdqIndex]) -> None:
    directory, index = saved
    _replace_array(directory, "delta_ids", FRESH_IDS)
    assert len(MihPdqIndex.load(directory)) == len(index)
