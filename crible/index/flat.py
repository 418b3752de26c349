"""Exhaustive PDQ index on faiss's IndexBinaryFlat: exact, simple, and fast enough for
lists of up to about a million hashes. A multi-index hashing index replaces it for larger lists.
"""

from __future__ import annotations

import faiss
import numpy as np

from crible.index.base import HashArray, IdArray, Neighbour

MAX_THRESHOLD = 256


class FlatPdqIndex:
    """Brute-force Hamming range search with 100% recall."""

    def __init__(self) -> None:
        self._ids: IdArray = np.empty(0, dtype=np.int64)
        self._hashes: HashArray = np.empty((0, 32), dtype=np.uint8)
        self._index = faiss.IndexBinaryFlat(256)

    def add(self, ids: IdArray, hashes: HashArray) -> None:
        """Index ``hashes`` under ``ids``."""
        ids = np.asarray(ids, dtype=np.int64)
        hashes = np.ascontiguousarray(hashes, dtype=np.uint8).reshape(-1, 32)
        if len(ids) != len(hashes):
            raise ValueError("ids and hashes differ in length")
        self._ids = np.concatenate([self._ids, ids])
        self._hashes = np.concatenate([self._hashes, hashes])
        self._index.add(hashes)

    def remove(self, ids: IdArray) -> None:
        """Forget ``ids`` (rebuilds the flat array: removal is rare)."""
        keep = ~np.isin(self._ids, np.asarray(ids, dtype=np.int64))
        self._ids, self._hashes = self._ids[keep], self._hashes[keep]
        self._index = faiss.IndexBinaryFlat(256)
        if len(self._hashes):
            self._index.add(self._hashes)

    def search(self, queries: HashArray, threshold: int) -> list[list[Neighbour]]:
        """Every indexed hash within ``threshold`` of each query."""
        queries = np.ascontiguousarray(queries, dtype=np.uint8).reshape(-1, 32)
        if not 0 <= threshold < MAX_THRESHOLD:
            raise ValueError(f"threshold must be within 0..{MAX_THRESHOLD - 1}")
        if len(queries) == 0 or len(self._ids) == 0:
            return [[] for _ in range(len(queries))]
        # faiss returns distances strictly below the radius.
        lims, distances, positions = self._index.range_search(queries, threshold + 1)
        return [
            [
                Neighbour(int(self._ids[positions[j]]), int(distances[j]))
                for j in range(int(lims[q]), int(lims[q + 1]))
            ]
            for q in range(len(queries))
        ]

    def __len__(self) -> int:
        return len(self._ids)
