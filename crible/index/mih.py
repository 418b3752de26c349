"""The PDQ index crible uses: multi-index hashing tables, a delta, and background rebuilds.

Searches read a snapshot (the tables and the delta's first n rows, taken under a lock) and run
with the GIL released, so they never wait for an add, a remove or a rebuild. A rebuild folds
the delta and the removals into new tables on a background thread and swaps them in under
the lock; removals made while it ran are replayed on the new tables before the swap.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import numpy.typing as npt

from crible.index.base import HashArray, IdArray, Neighbour
from crible.index.delta import Delta
from crible.index.tables import MihTables, default_threads, scan_flat, split_run

MAX_THRESHOLD = 256
# The delta is scanned exhaustively (~2 ns a row a query): at most 16k rows (512 KB, in L2)
# keep that under ~30 us a query, a quarter of a search at 10M.
MIN_REBUILD = 4096
MAX_REBUILD = 16384


def _as_hashes(hashes: HashArray) -> HashArray:
    array = np.ascontiguousarray(hashes, dtype=np.uint8)
    if array.ndim != 2 or array.shape[1] != 32:
        array = array.reshape(-1, 32)
    return array


class MihPdqIndex:
    """Exact Hamming range search over PDQ hashes by multi-index hashing (see tables.py)."""

    def __init__(self, *, threads: int | None = None, rebuild_at: int | None = None) -> None:
        self.threads = threads or default_threads()
        self.rebuild_at = rebuild_at
        self.rebuilds = 0
        self._lock = threading.Lock()
        self._main: MihTables | None = None
        self._delta = Delta()
        self._removed: list[int] | None = None  # ids removed while a rebuild runs
        self._worker: threading.Thread | None = None
        self._error: BaseException | None = None

    @classmethod
    def from_arrays(cls, ids: IdArray, hashes: HashArray, **options: int) -> MihPdqIndex:
        """An index built at once over ``hashes`` (the fast way to load a whole list)."""
        index = cls(**options)
        ids = np.asarray(ids, dtype=np.int64)
        index._main = MihTables.build(ids, _as_hashes(hashes), threads=index.threads)
        return index

    @classmethod
    def from_parts(cls, main: MihTables | None, delta: Delta, **options: int) -> MihPdqIndex:
        """An index over existing tables and delta (used by ``load``)."""
        index = cls(**options)
        index._main, index._delta = main, delta
        return index

    def __len__(self) -> int:
        with self._lock:
            return (self._main.live if self._main else 0) + self._delta.live

    # ------------------------------------------------------------------ changes

    def add(self, ids: IdArray, hashes: HashArray) -> None:
        """Index ``hashes`` under ``ids``; an id already indexed is an error."""
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        hashes = _as_hashes(hashes)
        if len(ids) != len(hashes):
            raise ValueError("ids and hashes differ in length")
        if len(np.unique(ids)) != len(ids):
            raise ValueError("ids repeat within one add")
        with self._lock:
            taken = [i for i in ids.tolist() if i in self._delta.where]
            if self._main is not None:
                rows = self._main.rows_of(ids)
                hit = rows >= 0
                hit[hit] = self._main.dead[rows[hit]] == 0
                taken += ids[hit].tolist()
            if taken:
                raise ValueError(f"ids already indexed: {sorted(taken)[:5]}")
            self._delta.append(ids, hashes)
            self._maybe_rebuild()

    def remove(self, ids: IdArray) -> None:
        """Forget the hashes indexed under ``ids`` (unknown ids are ignored)."""
        wanted = np.unique(np.asarray(ids, dtype=np.int64).reshape(-1))
        with self._lock:
            if self._removed is not None:
                self._removed.extend(wanted.tolist())
            in_delta = set(self._delta.remove(wanted.tolist()))
            if self._main is not None:
                rest = np.array([i for i in wanted.tolist() if i not in in_delta], dtype=np.int64)
                self._main.mark_dead(self._main.rows_of(rest))
            self._maybe_rebuild()

    # ------------------------------------------------------------------ search

    def search(self, queries: HashArray, threshold: int) -> list[list[Neighbour]]:
        """For each query, every indexed hash at distance <= threshold, nearest first."""
        lims, ids, dists = self.search_arrays(queries, threshold)
        if len(ids) == 0:
            return [[] for _ in range(len(lims) - 1)]
        pairs = [Neighbour(i, d) for i, d in zip(ids.tolist(), dists.tolist(), strict=True)]
        bounds = lims.tolist()
        return [pairs[bounds[k] : bounds[k + 1]] for k in range(len(bounds) - 1)]

    def search_arrays(
        self, queries: HashArray, threshold: int
    ) -> tuple[npt.NDArray[np.int64], IdArray, npt.NDArray[np.uint8]]:
        """(lims, ids, distances), query k's neighbours at [lims[k], lims[k+1]), nearest first."""
        queries = _as_hashes(queries)
        if not 0 <= threshold < MAX_THRESHOLD:
            raise ValueError(f"threshold must be within 0..{MAX_THRESHOLD - 1}")
        with self._lock:
            main, delta, n = self._main, self._delta, self._delta.n
            dhashes, dids, ddead = delta.hashes, delta.ids, delta.dead
        q = len(queries)
        parts: list[tuple[npt.NDArray[np.int64], IdArray, npt.NDArray[np.uint8]]] = []
        if main is not None and main.n and q:
            lims, rows, dists = main.search(queries, threshold, self.threads)
            if len(rows):
                parts.append((lims, main.ids[rows].astype(np.int64), dists))
        presorted = bool(parts)  # the tables' hits come in (distance, id) order
        if n and q:
            run = lambda part: scan_flat(dhashes, ddead, n, part, threshold)  # noqa: E731
            lims, rows, dists = split_run(run, queries, self.threads)
            if len(rows):
                parts.append((lims, dids[rows], dists))
                presorted = False
        return _merge(q, parts, presorted)

    # ------------------------------------------------------------------ rebuilds

    def _limit(self) -> int:
        if self.rebuild_at is not None:
            return self.rebuild_at
        size = self._main.n if self._main else 0
        return min(MAX_REBUILD, max(MIN_REBUILD, size // 512))

    def _maybe_rebuild(self, force: bool = False) -> None:
        """Start a background rebuild when the delta or the dead rows pass the limit (locked)."""
        if self._worker is not None:
            return
        limit = max(1, self._limit())
        size = self._main.n if self._main else 0
        dead = self._main.dead_count if self._main else 0
        if force or self._delta.n >= limit or dead >= max(limit, size // 8):
            self._removed = []
            self._worker = threading.Thread(
                target=self._rebuild, name="crible-mih-rebuild", daemon=True
            )
            self._worker.start()

    def _rebuild(self) -> None:
        try:
            with self._lock:
                main, delta, frozen = self._main, self._delta, self._delta.n
                dead = main.dead.copy() if main is not None else None
                fresh_ids, fresh_hashes = delta.rows(0, frozen)
            parts_ids, parts_hashes = [fresh_ids], [fresh_hashes]
            if main is not None and dead is not None:
                keep = dead == 0
                parts_ids.insert(0, main.ids[keep].astype(np.int64))
                parts_hashes.insert(0, main.hashes[keep])
            built = MihTables.build(
                np.concatenate(parts_ids), np.concatenate(parts_hashes), threads=self.threads
            )
            with self._lock:
                removed = np.array(self._removed or [], dtype=np.int64)
                built.mark_dead(built.rows_of(removed))
                self._main, self._delta = built, delta.tail(frozen)
                self.rebuilds += 1
        except BaseException as exc:  # kept for wait(); the old tables stay in use
            with self._lock:
                self._error = exc
        finally:
            with self._lock:
                self._worker, self._removed = None, None
                if self._error is None:
                    self._maybe_rebuild()

    def wait(self) -> None:
        """Wait until no rebuild runs; re-raise the error of a failed one."""
        while True:
            with self._lock:
                worker, error = self._worker, self._error
                self._error = None
            if error is not None:
                raise error
            if worker is None:
                return
            worker.join()

    def compact(self) -> None:
        """Fold the delta and removed rows into the tables now, and wait for it."""
        self.wait()
        self.compact_in_background()
        self.wait()

    def compact_in_background(self) -> None:
        """Start a rebuild now unless one runs."""
        with self._lock:
            self._maybe_rebuild(force=True)

    # ------------------------------------------------------------------ persistence

    def snapshot(self) -> tuple[MihTables | None, Delta]:
        """The current tables and delta (for saving)."""
        with self._lock:
            return self._main, self._delta.tail(0)

    def save(self, directory: Path | str) -> None:
        """Write the index to ``directory`` (see persist.py)."""
        from crible.index.persist import save

        save(self, Path(directory))

    @classmethod
    def load(cls, directory: Path | str, *, verify: bool = False, **options: int) -> MihPdqIndex:
        """Map an index saved by ``save`` back in."""
        from crible.index.persist import load

        main, delta = load(Path(directory), verify=verify)
        return cls.from_parts(main, delta, **options)

    @property
    def nbytes(self) -> int:
        """Bytes held by the index's arrays."""
        with self._lock:
            main = self._main.nbytes if self._main else 0
            return main + self._delta.hashes.nbytes + self._delta.ids.nbytes


def _merge(
    q: int,
    parts: list[tuple[npt.NDArray[np.int64], IdArray, npt.NDArray[np.uint8]]],
    presorted: bool,
) -> tuple[npt.NDArray[np.int64], IdArray, npt.NDArray[np.uint8]]:
    """Per-query (distance, id) order over the hits of the tables and of the delta.

    The tables' hits come from the kernel already in that order (rows are sorted by id); the
    delta's rows are in insertion order, so hits from the delta need a sort.
    """
    if not parts:
        return np.zeros(q + 1, dtype=np.int64), np.empty(0, np.int64), np.empty(0, np.uint8)
    if presorted:
        return parts[0]
    owner = np.concatenate([np.repeat(np.arange(q), np.diff(lims)) for lims, _, _ in parts])
    ids = np.concatenate([p[1] for p in parts])
    dists = np.concatenate([p[2] for p in parts])
    order = np.lexsort((ids, dists, owner))
    lims = np.zeros(q + 1, dtype=np.int64)
    np.cumsum(np.bincount(owner, minlength=q), out=lims[1:])
    return lims, ids[order], dists[order]
