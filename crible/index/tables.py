"""One immutable multi-index hashing structure over PDQ hashes, and the C kernels behind it.

Structure (multi-index hashing, Norouzi, Punjani and Fleet, CVPR 2012), for n rows sorted by id:

- ``hashes`` (n, 32) uint8, 64-byte aligned: the full hashes, for the final popcount;
- per chunk (m of them, 23-24 bits at 10M): a directory of 2^d + 1 uint32 offsets on the
  top d ~ log2(n / 8) bits of the chunk key (4 MB at 10M), and n uint32 entries sorted by
  directory slot, each ``(low key bits << row_bits) | row``;
- ``ids`` (uint32 when they fit, else int64), sorted, so that id -> row is a binary search;
- ``dead``: one byte a row, set when the row's id is removed.

Why it wins (10M random hashes, threshold 31, one core of a 2-vCPU Xeon VM; figures from
benchmarks/index.py and the ablations noted): a query costs memory accesses, not arithmetic.
HMA's 16 x 16-bit MultiHash verifies ~40k candidates reached through hash maps of lists
(47 queries/s, 2.6 GB, 31 s to build). Here the 11 chunks at radii (2 x 10, 1) make 2,131
directory slots and ~2,900 candidates a query. Probes that share a directory slot are one
slot, filtered on the packed low bits, so a slot costs one line of offsets and one or two
lines of ~10 packed entries, and a candidate one line (its hash; rows are 64-byte aligned so a
hash never straddles two lines). Every address of a query is known up front, so the kernel
runs a software pipeline: slot offsets prefetched 16 probes ahead, entries 8 ahead (both
ends of the run: prefetching only its first line left a stall on every other slot, 5,900 ->
7,800 queries/s), hashes prefetched as candidates are found, then verified in a tight loop
(verifying each candidate as found measured 2x slower; three separate stage loops 1.35x).
Result: ~8,000 queries/s in the kernel, ~6,600 a Python call, 140x HMA; clustered data
(100k centres x 100 near-duplicates) ~5,700 a call. Memory: directories 46 MB + entries
440 MB + hashes 320 MB + ids 40 MB = 817 MB at 10M. Other layouts measured or sized:
directories on 18 / 19 / 21 bits (more entries a slot, or more slots) were slower or no
faster; 10 or 12 chunks 1.35-1.45x slower (the cost model in layout.py agrees); direct CSR
offsets on full 23-24-bit keys would add 370 MB; sorted keys with binary search cost
log2(n) dependent misses a probe; a branch-free entry filter was 15% slower (the branch
predicts well).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from crible.index import _mih
from crible.index.base import HashArray, IdArray
from crible.index.layout import Layout, choose_layout, plan

Hits = tuple[npt.NDArray[np.int64], npt.NDArray[np.uint32], npt.NDArray[np.uint8]]
"""(lims, rows, dists): the rows of query k are rows[lims[k]:lims[k + 1]]."""

U32Array = npt.NDArray[np.uint32]
ByteArray = npt.NDArray[np.uint8]
MAX_ROWS = 2**31 - 1
PARALLEL_MIN_QUERIES = 64

_pool: ThreadPoolExecutor | None = None


def default_threads() -> int:
    """Threads for large batches and builds: the machine's cores, at most 8."""
    return max(1, min(8, os.cpu_count() or 1))


def _executor() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=default_threads(), thread_name_prefix="crible-mih")
    return _pool


def aligned_empty(shape: tuple[int, ...], dtype: type[np.generic], align: int = 64) -> np.ndarray:
    """An uninitialised array whose data starts on an ``align``-byte boundary (one cache line)."""
    itemsize = np.dtype(dtype).itemsize
    count = int(np.prod(shape)) if shape else 1
    raw = np.empty(count * itemsize + align, dtype=np.uint8)
    skip = -raw.ctypes.data % align
    return raw[skip : skip + count * itemsize].view(dtype).reshape(shape)


def hits_from(raw: tuple[bytes, bytes, bytes]) -> Hits:
    """The C kernels' bytes as arrays."""
    lims, rows, dists = raw
    return (
        np.frombuffer(lims, dtype=np.int64),
        np.frombuffer(rows, dtype=np.uint32),
        np.frombuffer(dists, dtype=np.uint8),
    )


def split_run(run: Callable[[HashArray], Hits], queries: HashArray, threads: int) -> Hits:
    """Run a kernel over ``queries``, in ``threads`` parts on the shared pool for large batches."""
    if threads <= 1 or len(queries) < PARALLEL_MIN_QUERIES:
        return run(queries)
    parts = np.array_split(queries, threads)
    results = list(_executor().map(run, parts))
    lims = [np.zeros(1, dtype=np.int64)]
    offset = 0
    for part_lims, part_rows, _ in results:
        lims.append(part_lims[1:] + offset)
        offset += len(part_rows)
    return (
        np.concatenate(lims),
        np.concatenate([r[1] for r in results]),
        np.concatenate([r[2] for r in results]),
    )


def scan_flat(
    hashes: HashArray, dead: ByteArray, n: int, queries: HashArray, threshold: int
) -> Hits:
    """Exhaustive search of hashes[:n] (the delta of recent additions)."""
    return hits_from(_mih.scan(hashes, n, dead, queries, threshold))


@dataclass
class MihTables:
    """The multi-index hashing structure over rows sorted by id (immutable but for ``dead``)."""

    layout: Layout
    hashes: HashArray
    ids: npt.NDArray[np.integer]
    dirs: U32Array
    entries: U32Array
    dead: ByteArray
    dead_count: int = 0
    _kernel: _mih.Tables = field(init=False, repr=False)
    _plans: dict[int, bytes | None] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        offsets = self.layout.dir_offsets()
        chunks = [
            (c.start, c.bits, c.dir_bits, o)
            for c, o in zip(self.layout.chunks, offsets, strict=True)
        ]
        self._kernel = _mih.Tables(
            self.hashes,
            self.dirs,
            self.entries,
            self.dead,
            self.layout.n,
            chunks,
            self.layout.row_bits,
        )

    @property
    def n(self) -> int:
        return self.layout.n

    @property
    def live(self) -> int:
        return self.n - self.dead_count

    @property
    def nbytes(self) -> int:
        """Bytes held by the structure's arrays."""
        return sum(a.nbytes for a in (self.hashes, self.ids, self.dirs, self.entries, self.dead))

    @classmethod
    def build(
        cls, ids: IdArray, hashes: HashArray, *, threads: int = 1, layout: Layout | None = None
    ) -> MihTables:
        """Sort the rows by id and build every chunk's table (chunks spread over ``threads``)."""
        n = len(ids)
        if n > MAX_ROWS:
            raise ValueError(f"at most {MAX_ROWS} hashes in one index")
        if n > 1 and not bool(np.all(ids[1:] > ids[:-1])):
            order = np.argsort(ids, kind="stable")
            ids, hashes = ids[order], hashes[order]
            if bool(np.any(ids[1:] == ids[:-1])):
                raise ValueError("ids must be unique")
        layout = layout or choose_layout(n)
        sorted_hashes = aligned_empty((n, 32), np.uint8)
        sorted_hashes[:] = hashes
        fits = n == 0 or (int(ids[0]) >= 0 and int(ids[-1]) < 2**32)
        stored_ids: npt.NDArray[np.integer] = ids.astype(np.uint32 if fits else np.int64)
        dirs = np.empty(layout.dir_length, dtype=np.uint32)
        entries = aligned_empty((len(layout.chunks), n), np.uint32)
        offsets = layout.dir_offsets()

        def build_one(i: int) -> None:
            c = layout.chunks[i]
            d = dirs[offsets[i] : offsets[i] + (1 << c.dir_bits) + 1]
            _mih.build_chunk(
                sorted_hashes, n, c.start, c.bits, c.dir_bits, layout.row_bits, d, entries[i]
            )

        if threads > 1:
            with ThreadPoolExecutor(max_workers=threads) as pool:
                list(pool.map(build_one, range(len(layout.chunks))))
        else:
            for i in range(len(layout.chunks)):
                build_one(i)
        dead = np.zeros(n, dtype=np.uint8)
        return cls(layout, sorted_hashes, stored_ids, dirs, entries, dead)

    def search(
        self, queries: HashArray, threshold: int, threads: int = 1, radii: bytes | None = None
    ) -> Hits:
        """Rows within ``threshold`` of each query, not dead, each once (unordered).

        ``radii`` (each chunk's radius + 1) overrides the cost model's choice, which may be an
        exhaustive scan; tests use it to check every radius plan against the reference.
        """
        if radii is None:
            radii = self.plan(threshold)
        if radii is None:
            return split_run(lambda q: hits_from(self._kernel.scan(q, threshold)), queries, threads)
        chosen = radii
        return split_run(
            lambda q: hits_from(self._kernel.search(q, threshold, chosen)), queries, threads
        )

    def plan(self, threshold: int) -> bytes | None:
        """The cost model's radii for ``threshold`` (None: an exhaustive scan is cheaper)."""
        if threshold not in self._plans:
            self._plans[threshold] = plan(self.layout, threshold)
        return self._plans[threshold]

    def rows_of(self, ids: IdArray) -> npt.NDArray[np.int64]:
        """The row of each id, or -1 where the id is not in the structure."""
        ids = np.asarray(ids, dtype=np.int64)
        rows = np.full(len(ids), -1, dtype=np.int64)
        # Search in the stored dtype: mixing uint32 and int64 would copy the whole id array.
        info = np.iinfo(self.ids.dtype)
        fits = np.flatnonzero((ids >= info.min) & (ids <= info.max))
        if self.n == 0 or len(fits) == 0:
            return rows
        wanted = ids[fits].astype(self.ids.dtype)
        pos = np.searchsorted(self.ids, wanted)
        inside = pos < self.n
        hit = np.zeros(len(fits), dtype=bool)
        hit[inside] = self.ids[pos[inside]] == wanted[inside]
        rows[fits[hit]] = pos[hit]
        return rows

    def mark_dead(self, rows: npt.NDArray[np.int64]) -> int:
        """Set the dead flag of ``rows`` (-1 ignored); returns how many were live."""
        rows = rows[rows >= 0]
        newly = rows[self.dead[rows] == 0]
        newly = np.unique(newly)
        self.dead[newly] = 1
        self.dead_count += len(newly)
        return len(newly)

    def live_rows(self) -> tuple[IdArray, HashArray]:
        """(ids, hashes) of the rows not removed, sorted by id."""
        if self.dead_count == 0:
            return self.ids.astype(np.int64), self.hashes
        keep = self.dead == 0
        return self.ids[keep].astype(np.int64), self.hashes[keep]
