"""The PDQ index interface: Hamming range search over 256-bit hashes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from crible.model.errors import InvalidHash

HashArray = npt.NDArray[np.uint8]
"""Hashes as an (n, 32) array of bytes, most significant bit first."""

IdArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Neighbour:
    """An indexed hash within the threshold of a query."""

    id: int
    distance: int


class PdqIndex(Protocol):
    """A set of PDQ hashes, each with an integer id, searchable by Hamming distance.

    Implementations must have 100% recall: every indexed hash within the threshold
    is returned.
    """

    def add(self, ids: IdArray, hashes: HashArray) -> None:
        """Index ``hashes`` under ``ids`` (ids unique)."""

    def remove(self, ids: IdArray) -> None:
        """Forget the hashes indexed under ``ids``."""

    def search(self, queries: HashArray, threshold: int) -> list[list[Neighbour]]:
        """For each query, every indexed hash at distance <= threshold."""

    def __len__(self) -> int:
        """How many hashes are indexed."""


def hashes_from_hex(values: list[str]) -> HashArray:
    """Pack 64-hex-digit PDQ hashes into an (n, 32) uint8 array."""
    try:
        raw = b"".join(bytes.fromhex(v) for v in values)
    except ValueError as exc:
        raise InvalidHash(f"not a PDQ hash: {exc}") from exc
    if len(raw) != 32 * len(values):
        raise InvalidHash("PDQ hashes must have 64 hex digits")
    return np.frombuffer(raw, dtype=np.uint8).reshape(len(values), 32)
