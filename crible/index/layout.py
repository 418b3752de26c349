"""How the 256 bits are cut into chunks, and which radius each chunk is searched with.

Both choices come from one cost model of a query, fitted to measured search times (within
~5% at 100k and 10M hashes, thresholds 31 to 63, on a 2-vCPU Xeon VM): a directory slot costs
14 ns when the structure is cache-resident and 36 ns from DRAM (two dependent misses, the
offsets then the packed entries, overlapped by prefetching), an entry scanned 0.6 ns, a
candidate 9 to 14 ns (its full hash, prefetched), and an exhaustive scan 1.85 ns a hash a
query in a batch (5 ns alone, memory-bound). The chunk count m is the one with the cheapest
query at the default threshold: the classic m = b / log2(N) of Norouzi et al. is where the
model lands, m = 11 at 10M (three 24-bit chunks, eight 23-bit), which measured fastest
(121 us a query against 164 us for m = 10 and 177 us for m = 12; the model says 129, 204
and 176 us).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, cached_property
from math import comb, log2

HASH_BITS = 256
MAX_LOW_BITS = 8
SLOT_NS = 14.0
SLOT_MISS_NS = 22.0
ENTRY_NS = 0.6
CANDIDATE_NS = 9.0
CANDIDATE_MISS_NS = 5.0
SCAN_NS = 2.0
DESIGN_THRESHOLD = 31
ENTRIES_PER_SLOT = 8


@dataclass(frozen=True)
class Chunk:
    """Bits [start, start + bits) of a hash; the top dir_bits index the directory."""

    start: int
    bits: int
    dir_bits: int

    @property
    def low_bits(self) -> int:
        return self.bits - self.dir_bits


@dataclass(frozen=True)
class Layout:
    """The chunks of a table set over n rows, and the bits a row number takes."""

    n: int
    chunks: tuple[Chunk, ...]
    row_bits: int

    def dir_offsets(self) -> list[int]:
        """Where each chunk's directory starts in the one concatenated directory array."""
        offsets, at = [], 0
        for chunk in self.chunks:
            offsets.append(at)
            at += (1 << chunk.dir_bits) + 1
        return offsets

    @cached_property
    def dir_length(self) -> int:
        """Slots of all directories (cached: the cost model asks for it thousands of times)."""
        return sum((1 << c.dir_bits) + 1 for c in self.chunks)


def row_bits_for(n: int) -> int:
    """Bits needed for row numbers 0..n-1."""
    return max(1, (n - 1).bit_length())


def make_layout(n: int, m: int, dir_bits: int | None = None) -> Layout:
    """m chunks of near-equal width; directories of about ENTRIES_PER_SLOT entries a slot."""
    row_bits = row_bits_for(n)
    wide = HASH_BITS % m
    chunks, start = [], 0
    want = dir_bits if dir_bits is not None else round(log2(max(n, 1) / ENTRIES_PER_SLOT))
    for i in range(m):
        bits = HASH_BITS // m + (1 if i < wide else 0)
        max_low = min(MAX_LOW_BITS, 32 - row_bits)
        d = min(bits, 30, max(bits - max_low, want, 0))
        chunks.append(Chunk(start, bits, d))
        start += bits
    return Layout(n, tuple(chunks), row_bits)


@cache
def _ball(d: int, r: int) -> int:
    return sum(comb(d, w) for w in range(min(r, d) + 1))


def _miss_weight(layout: Layout) -> float:
    """0 while the structure fits in a large cache (16 MB), rising to 1 at 256 MB."""
    footprint = layout.n * (32 + 4 * len(layout.chunks)) + 4 * layout.dir_length
    return min(1.0, max(0.0, log2(max(footprint, 1) / 2**24) / 4))


def chunk_cost(chunk: Chunk, layout: Layout, radius: int) -> float:
    """Expected nanoseconds to probe one chunk within ``radius`` (negative: not probed)."""
    if radius < 0:
        return 0.0
    n, weight = layout.n, _miss_weight(layout)
    slots = _ball(chunk.dir_bits, radius)
    entries = slots * n / (1 << chunk.dir_bits)
    candidates = n * _ball(chunk.bits, radius) / (1 << chunk.bits)
    slot_ns = SLOT_NS + SLOT_MISS_NS * weight
    candidate_ns = CANDIDATE_NS + CANDIDATE_MISS_NS * weight
    return slot_ns * slots + ENTRY_NS * entries + candidate_ns * candidates


def radii_for(layout: Layout, threshold: int) -> tuple[list[int], float]:
    """Per-chunk radii with sum(r + 1) > threshold (so recall is exact), and their cost.

    If a hash is within ``threshold`` of the query, some chunk i differs by at most r_i bits:
    otherwise the distance would be at least sum(r_i + 1). Raising the radius of whichever
    chunk adds least cost is optimal here, the cost of each chunk being convex in its radius.
    """
    radii = [-1] * len(layout.chunks)
    costs = [0.0] * len(layout.chunks)
    for _ in range(threshold + 1):
        best, best_step = 0, float("inf")
        for i, chunk in enumerate(layout.chunks):
            if radii[i] >= chunk.bits:
                continue
            step = chunk_cost(chunk, layout, radii[i] + 1) - costs[i]
            if step < best_step:
                best, best_step = i, step
        if best_step == float("inf"):
            return radii, float("inf")
        radii[best] += 1
        costs[best] += best_step
    return radii, sum(costs)


def plan(layout: Layout, threshold: int) -> bytes | None:
    """The radii to search with (each + 1, as bytes), or None when a full scan is cheaper."""
    radii, cost = radii_for(layout, threshold)
    if cost >= SCAN_NS * layout.n or max(radii) >= 32:
        return None
    return bytes(r + 1 for r in radii)


def choose_layout(n: int, threshold: int = DESIGN_THRESHOLD) -> Layout:
    """The chunk count with the cheapest query at ``threshold`` (chunks of 8 to 32 bits)."""
    best: Layout | None = None
    best_cost = float("inf")
    for m in range(8, 33):
        layout = make_layout(n, m)
        if layout.dir_length > 4 * n + 2**20:
            continue  # directories far larger than the entries (wide chunks, few hashes)
        cost = radii_for(layout, threshold)[1]
        if cost < best_cost:
            best, best_cost = layout, cost
    assert best is not None
    return best
