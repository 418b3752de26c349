"""Recent additions to a PDQ index, searched exhaustively until a rebuild folds them in."""

from __future__ import annotations

import numpy as np

from crible.index.base import HashArray, IdArray
from crible.index.tables import ByteArray, aligned_empty


class Delta:
    """Append-only rows (hashes, ids, dead flags); a removed row is only flagged dead.

    Rows [0, n) never move while this object is in use, so a search may read them without a
    lock; appends write past n, and growing swaps in new arrays.
    """

    def __init__(self, capacity: int = 1024) -> None:
        self.hashes: HashArray = aligned_empty((capacity, 32), np.uint8)
        self.ids: IdArray = np.empty(capacity, dtype=np.int64)
        self.dead: ByteArray = np.zeros(capacity, dtype=np.uint8)
        self.n = 0
        self.where: dict[int, int] = {}

    @property
    def live(self) -> int:
        return len(self.where)

    def append(self, ids: IdArray, hashes: HashArray) -> None:
        """Add rows (ids already checked to be new)."""
        k = len(ids)
        if self.n + k > len(self.ids):
            self._grow(max(2 * len(self.ids), self.n + k))
        self.hashes[self.n : self.n + k] = hashes
        self.ids[self.n : self.n + k] = ids
        self.where.update(zip(ids.tolist(), range(self.n, self.n + k), strict=True))
        self.n += k

    def _grow(self, capacity: int) -> None:
        hashes = aligned_empty((capacity, 32), np.uint8)
        ids = np.empty(capacity, dtype=np.int64)
        dead = np.zeros(capacity, dtype=np.uint8)
        hashes[: self.n], ids[: self.n], dead[: self.n] = (
            self.hashes[: self.n],
            self.ids[: self.n],
            self.dead[: self.n],
        )
        self.hashes, self.ids, self.dead = hashes, ids, dead

    def remove(self, ids: list[int]) -> list[int]:
        """Flag the rows of ``ids`` dead; returns the ids that were here."""
        found = []
        for i in ids:
            pos = self.where.pop(i, None)
            if pos is not None:
                self.dead[pos] = 1
                found.append(i)
        return found

    def rows(self, start: int, stop: int) -> tuple[IdArray, HashArray]:
        """(ids, hashes) of the live rows in [start, stop)."""
        keep = self.dead[start:stop] == 0
        return self.ids[start:stop][keep], self.hashes[start:stop][keep]

    def tail(self, start: int) -> Delta:
        """A new delta holding the live rows appended from ``start`` on."""
        ids, hashes = self.rows(start, self.n)
        fresh = Delta(max(1024, 2 * len(ids)))
        fresh.append(ids, hashes)
        return fresh
