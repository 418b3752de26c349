"""The multi-index hashing PDQ index against faiss's exhaustive IndexBinaryFlat (the reference)."""

from __future__ import annotations

import threading

import faiss
import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crible.index import MihPdqIndex, default_pdq_index
from crible.index.layout import choose_layout, make_layout, plan, radii_for
from crible.index.tables import MihTables

THRESHOLDS = [0, 1, 15, 31, 32, 47, 63]
Hashes = npt.NDArray[np.uint8]
Ids = npt.NDArray[np.int64]
Result = list[list[tuple[int, int]]]


def flip(rng: np.random.Generator, hashes: Hashes, counts: npt.NDArray[np.int64]) -> Hashes:
    """Copies of ``hashes`` with counts[i] distinct random bits of row i flipped."""
    out = hashes.copy()
    for i, k in enumerate(counts.tolist()):
        for bit in rng.choice(256, k, replace=False).tolist():
            out[i, bit // 8] ^= np.uint8(0x80 >> (bit % 8))
    return out


def random_set(n: int, seed: int = 1) -> tuple[Ids, Hashes]:
    rng = np.random.default_rng(seed)
    ids = rng.permutation(n).astype(np.int64) * 7 + 3
    return ids, rng.integers(0, 256, (n, 32), dtype=np.uint8)


def clustered_set(centres: int, per_centre: int, seed: int = 2) -> tuple[Ids, Hashes]:
    """Near-duplicates: each centre with neighbours at distances 0 to 40."""
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, (centres, 32), dtype=np.uint8)
    hashes = flip(
        rng, np.repeat(base, per_centre, axis=0), rng.integers(0, 41, centres * per_centre)
    )
    ids = rng.permutation(len(hashes)).astype(np.int64)
    return ids, hashes


def queries_near(hashes: Hashes, count: int, seed: int = 3) -> Hashes:
    """Indexed hashes moved by 0 to 40 bits, exact copies, and unrelated random hashes."""
    rng = np.random.default_rng(seed)
    near = flip(rng, hashes[rng.integers(0, len(hashes), count)], rng.integers(0, 41, count))
    exact = hashes[rng.integers(0, len(hashes), count // 4)]
    far = rng.integers(0, 256, (count // 4, 32), dtype=np.uint8)
    return np.concatenate([near, exact, far])


def reference(ids: Ids, hashes: Hashes, queries: Hashes, threshold: int) -> Result:
    """faiss range search (strictly below its radius, hence threshold + 1), nearest first."""
    if len(ids) == 0:
        return [[] for _ in queries]
    flat = faiss.IndexBinaryFlat(256)
    flat.add(np.ascontiguousarray(hashes))
    lims, dists, rows = flat.range_search(np.ascontiguousarray(queries), threshold + 1)
    return [
        sorted((int(dists[j]), int(ids[rows[j]])) for j in range(lims[k], lims[k + 1]))
        for k in range(len(queries))
    ]


def found(index: MihPdqIndex, queries: Hashes, threshold: int) -> Result:
    return [[(n.distance, n.id) for n in row] for row in index.search(queries, threshold)]


@pytest.fixture(scope="module")
def random_data() -> tuple[Ids, Hashes, Hashes]:
    ids, hashes = random_set(30_000)
    return ids, hashes, queries_near(hashes, 160)


@pytest.fixture(scope="module")
def clustered_data() -> tuple[Ids, Hashes, Hashes]:
    ids, hashes = clustered_set(300, 100)
    return ids, hashes, queries_near(hashes, 160)


@pytest.mark.parametrize("threshold", THRESHOLDS)
@pytest.mark.parametrize("data", ["random_data", "clustered_data"])
def test_batch_search_equals_faiss(
    threshold: int, data: str, request: pytest.FixtureRequest
) -> None:
    ids, hashes, queries = request.getfixturevalue(data)
    index = MihPdqIndex.from_arrays(ids, hashes)
    expected = reference(ids, hashes, queries, threshold)
    assert sum(map(len, expected)) > 0
    assert found(index, queries, threshold) == expected


@pytest.mark.parametrize("threshold", THRESHOLDS)
@pytest.mark.parametrize("data", ["random_data", "clustered_data"])
def test_every_radius_plan_is_exact(
    threshold: int, data: str, request: pytest.FixtureRequest
) -> None:
    """The multi-index kernel itself (not the exhaustive fallback) at every threshold."""
    ids, hashes, queries = request.getfixturevalue(data)
    tables = MihTables.build(ids, hashes)
    radii, _ = radii_for(tables.layout, threshold)
    assert sum(r + 1 for r in radii) == threshold + 1
    lims, rows, dists = tables.search(queries, threshold, radii=bytes(r + 1 for r in radii))
    got = [
        sorted((int(dists[j]), int(tables.ids[rows[j]])) for j in range(lims[k], lims[k + 1]))
        for k in range(len(queries))
    ]
    assert got == reference(ids, hashes, queries, threshold)


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 3000),
    m=st.integers(10, 32),
    threshold=st.integers(0, 90),
    spread=st.integers(0, 60),
    seed=st.integers(0, 2**32 - 1),
)
def test_any_layout_and_threshold_is_exact(
    n: int, m: int, threshold: int, spread: int, seed: int
) -> None:
    """Random sizes, chunk counts, thresholds and neighbourhoods, through the kernel itself."""
    rng = np.random.default_rng(seed)
    ids = rng.permutation(n).astype(np.int64) * 3
    hashes = flip(
        rng,
        rng.integers(0, 256, (1, 32), dtype=np.uint8).repeat(n, 0),
        rng.integers(0, spread + 1, n),
    )
    queries = flip(rng, hashes[rng.integers(0, n, 5)], rng.integers(0, spread + 1, 5))
    tables = MihTables.build(ids, hashes, layout=make_layout(n, m))
    radii, _ = radii_for(tables.layout, threshold)
    lims, rows, dists = tables.search(queries, threshold, radii=bytes(r + 1 for r in radii))
    got = [
        [(int(dists[j]), int(tables.ids[rows[j]])) for j in range(lims[k], lims[k + 1])]
        for k in range(len(queries))
    ]
    assert got == reference(ids, hashes, queries, threshold)


def test_single_queries_equal_the_batch(clustered_data: tuple[Ids, Hashes, Hashes]) -> None:
    ids, hashes, queries = clustered_data
    index = MihPdqIndex.from_arrays(ids, hashes, threads=1)
    batch = found(index, queries, 31)
    assert [found(index, queries[k : k + 1], 31)[0] for k in range(len(queries))] == batch


def test_two_threads_equal_one(random_data: tuple[Ids, Hashes, Hashes]) -> None:
    ids, hashes, queries = random_data
    one = MihPdqIndex.from_arrays(ids, hashes, threads=1)
    two = MihPdqIndex.from_arrays(ids, hashes, threads=2)
    assert len(queries) >= 64  # large enough to be split
    assert found(two, queries, 31) == found(one, queries, 31)


def test_the_cost_model_uses_the_multi_index_at_the_default_threshold() -> None:
    assert plan(choose_layout(30_000), 31) is not None
    assert plan(choose_layout(100), 31) is None  # a scan is cheaper for a tiny list
    layout = choose_layout(10_000_000)
    assert [c.bits for c in layout.chunks].count(23) == 8
    assert radii_for(layout, 31)[0].count(2) == 10


def test_layout_covers_every_bit_once() -> None:
    for n, m in [(1, 8), (1000, 25), (30_000, 16), (10_000_000, 11)]:
        layout = make_layout(n, m)
        assert sum(c.bits for c in layout.chunks) == 256
        assert [c.start for c in layout.chunks] == [
            sum(c.bits for c in layout.chunks[:i]) for i in range(m)
        ]
        assert all(
            0 <= c.low_bits <= 8 and c.low_bits + layout.row_bits <= 32 for c in layout.chunks
        )


def test_distance_zero_and_duplicate_hashes() -> None:
    ids, hashes = random_set(5000)
    twins = np.concatenate([hashes, hashes[:100]])
    twin_ids = np.concatenate([ids, np.arange(10**9, 10**9 + 100)])
    index = MihPdqIndex.from_arrays(twin_ids, twins)
    result = index.search(hashes[:100], 0)
    for k, row in enumerate(result):
        assert sorted(n.id for n in row) == sorted([int(ids[k]), 10**9 + k])
        assert {n.distance for n in row} == {0}


def test_neighbours_come_nearest_first_then_by_id() -> None:
    """Both from the tables and from the delta, whose rows are in insertion order."""
    rng = np.random.default_rng(8)
    base = random_set(1, seed=8)[1]
    near = flip(rng, np.repeat(base, 40, axis=0), np.arange(40) % 7)
    index = MihPdqIndex.from_arrays(np.arange(1000, 1020), near[:20], rebuild_at=10**9)
    index.add(np.arange(999, 979, -1), near[20:])
    for part in (
        index.search(base, 31)[0],
        MihPdqIndex.from_arrays(np.arange(40), near).search(base, 31)[0],
    ):
        keys = [(n.distance, n.id) for n in part]
        assert len(keys) == 40 and keys == sorted(keys)
    delta_only = MihPdqIndex.from_arrays(np.arange(5), random_set(5, seed=9)[1], rebuild_at=10**9)
    delta_only.add(np.arange(99, 59, -1), near)
    keys = [(n.distance, n.id) for n in delta_only.search(base, 31)[0]]
    assert len(keys) == 40 and keys == sorted(keys)


def test_empty_index() -> None:
    index = MihPdqIndex()
    queries = random_set(3)[1]
    assert len(index) == 0
    assert index.search(queries, 31) == [[], [], []]
    index.remove(np.array([1, 2]))
    assert MihPdqIndex.from_arrays(np.empty(0, np.int64), np.empty((0, 32), np.uint8)).search(
        queries, 63
    ) == [[], [], []]
    assert index.search(np.empty((0, 32), np.uint8), 31) == []


def test_large_ids_and_negative_ids() -> None:
    ids, hashes = random_set(3000)
    ids = ids * 10**12 - 5 * 10**15
    index = MihPdqIndex.from_arrays(ids, hashes)
    queries = queries_near(hashes, 40)
    assert found(index, queries, 31) == reference(ids, hashes, queries, 31)


def test_bad_calls() -> None:
    index = MihPdqIndex.from_arrays(*random_set(100))
    with pytest.raises(ValueError, match="threshold"):
        index.search(random_set(1)[1], 256)
    with pytest.raises(ValueError, match="differ"):
        index.add(np.array([1, 2]), random_set(1)[1])
    with pytest.raises(ValueError, match="already indexed"):
        index.add(np.array([3]), random_set(1)[1])
    with pytest.raises(ValueError, match="repeat"):
        index.add(np.array([10**6, 10**6]), random_set(2)[1])


def test_default_index_is_the_multi_index() -> None:
    assert isinstance(default_pdq_index(), MihPdqIndex)


class Model:
    """What the index should hold: a dict of id -> hash, checked against faiss."""

    def __init__(self) -> None:
        self.rows: dict[int, Hashes] = {}

    def add(self, index: MihPdqIndex, ids: Ids, hashes: Hashes) -> None:
        index.add(ids, hashes)
        self.rows.update(zip(ids.tolist(), hashes, strict=True))

    def remove(self, index: MihPdqIndex, ids: list[int]) -> None:
        index.remove(np.array(ids, dtype=np.int64))
        for i in ids:
            self.rows.pop(i, None)

    def check(self, index: MihPdqIndex, queries: Hashes, threshold: int = 31) -> None:
        ids = np.array(list(self.rows), dtype=np.int64)
        hashes = np.array(list(self.rows.values()), dtype=np.uint8).reshape(-1, 32)
        assert len(index) == len(ids)
        assert found(index, queries, threshold) == reference(ids, hashes, queries, threshold)


@pytest.mark.parametrize("rebuild_at", [10**9, 700])
def test_adds_removes_and_re_adds(rebuild_at: int) -> None:
    rng = np.random.default_rng(5)
    ids, hashes = clustered_set(60, 100)
    queries = queries_near(hashes, 80)
    index = MihPdqIndex.from_arrays(ids[:3000], hashes[:3000], rebuild_at=rebuild_at)
    model = Model()
    model.rows.update(zip(ids[:3000].tolist(), hashes[:3000], strict=True))
    model.check(index, queries)
    for start in range(3000, 6000, 500):  # additions land in the delta
        model.add(index, ids[start : start + 500], hashes[start : start + 500])
        model.check(index, queries)
    model.remove(index, ids[:200].tolist())  # from the tables
    model.remove(index, ids[5800:5900].tolist())  # from the delta, unless rebuilt meanwhile
    model.remove(index, [-1, 10**12])  # unknown ids are ignored
    model.check(index, queries)
    moved = flip(rng, hashes[:150], rng.integers(1, 30, 150))
    model.add(index, ids[:150], moved)  # re-added with new hashes
    model.add(index, ids[5800:5850], hashes[5800:5850])  # re-added after a delta removal
    model.check(index, queries)
    model.remove(index, ids[5800:5810].tolist())
    model.check(index, queries)
    index.wait()
    model.check(index, queries)
    index.compact()
    model.check(index, queries)
    assert index.rebuilds == 1 if rebuild_at == 10**9 else index.rebuilds > 1


def test_background_rebuilds_stay_exact_at_every_moment() -> None:
    """Readers search continuously while a writer adds and removes; rebuilds run beneath."""
    ids, hashes = random_set(20_000, seed=9)
    stable = 4000
    index = MihPdqIndex.from_arrays(ids[:stable], hashes[:stable], rebuild_at=400, threads=1)
    probe = flip(np.random.default_rng(4), hashes[:200], np.full(200, 9))
    expected = reference(ids[:200], hashes[:200], probe, 31)
    errors: list[str] = []
    done = threading.Event()

    def reader() -> None:
        while not done.is_set():
            got = found(index, probe, 31)
            # The stable rows are never touched: they must always be found, exactly once.
            stable_part = [[p for p in row if p[1] in set(ids[:200].tolist())] for row in got]
            if stable_part != expected:
                errors.append("stable rows lost or repeated")
                return

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    model = Model()
    model.rows.update(zip(ids[:stable].tolist(), hashes[:stable], strict=True))
    for start in range(stable, 20_000, 400):
        model.add(index, ids[start : start + 400], hashes[start : start + 400])
        model.remove(index, ids[start : start + 40].tolist())
        model.remove(
            index, ids[stable // 2 + start // 100 : stable // 2 + start // 100 + 10].tolist()
        )
    done.set()
    for t in threads:
        t.join()
    assert not errors
    queries = queries_near(hashes, 60)
    model.check(index, queries)
    index.wait()
    assert index.rebuilds >= 2
    model.check(index, queries)


def test_changes_during_a_rebuild_are_replayed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Removals and re-adds made while the new tables are built survive the swap."""
    ids, hashes = random_set(8000, seed=11)
    index = MihPdqIndex.from_arrays(ids[:4000], hashes[:4000], rebuild_at=10**9)
    index.add(ids[4000:], hashes[4000:])
    building, release = threading.Event(), threading.Event()
    real_build = MihTables.build

    def slow_build(*args: object, **kwargs: object) -> MihTables:
        building.set()
        release.wait(10)
        return real_build(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(MihTables, "build", slow_build)
    index.compact_in_background()
    assert building.wait(10)
    index.remove(ids[3990:4010])  # half from the old tables, half from the delta
    index.add(ids[3995:3996], hashes[3995:3996])  # re-added while the build runs
    index.add(np.array([10**9]), hashes[:1])  # new while the build runs
    release.set()
    index.wait()
    assert index.rebuilds == 1
    live = np.concatenate([ids[:3990], ids[3995:3996], ids[4010:], [10**9]])
    live_hashes = np.concatenate([hashes[:3990], hashes[3995:3996], hashes[4010:], hashes[:1]])
    queries = np.concatenate([hashes[3980:4020], hashes[:3]])
    assert len(index) == len(live)
    assert found(index, queries, 0) == reference(live, live_hashes, queries, 0)


def test_a_failed_rebuild_keeps_the_old_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    ids, hashes = random_set(3000, seed=12)
    index = MihPdqIndex.from_arrays(ids[:2000], hashes[:2000], rebuild_at=10**9)
    index.add(ids[2000:], hashes[2000:])

    def broken(*args: object, **kwargs: object) -> MihTables:
        raise MemoryError("no room")

    monkeypatch.setattr(MihTables, "build", broken)
    index.compact_in_background()
    with pytest.raises(MemoryError):
        index.wait()
    assert found(index, hashes[1990:2010], 0) == reference(ids, hashes, hashes[1990:2010], 0)
