"""Type stub of the C kernels in _mih.c (buffers are numpy arrays or bytes)."""

from collections.abc import Sequence
from typing import Any, TypeAlias

import numpy as np

Buffer: TypeAlias = bytes | bytearray | memoryview | np.ndarray[Any, Any]

class Tables:
    """Multi-index hashing tables over borrowed buffers."""

    def __init__(
        self,
        hashes: Buffer,
        dirs: Buffer,
        entries: Buffer,
        dead: Buffer,
        n: int,
        chunks: Sequence[tuple[int, int, int, int]],
        row_bits: int,
    ) -> None: ...
    def search(self, queries: Buffer, threshold: int, radii: bytes) -> tuple[bytes, bytes, bytes]:
        """Multi-index range search: (lims, rows, dists) as bytes."""
    def scan(self, queries: Buffer, threshold: int) -> tuple[bytes, bytes, bytes]:
        """Exhaustive range search: (lims, rows, dists) as bytes."""

def scan(
    hashes: Buffer, n: int, dead: Buffer, queries: Buffer, threshold: int
) -> tuple[bytes, bytes, bytes]:
    """Exhaustive range search over hashes[:n]."""

def build_chunk(
    hashes: Buffer,
    n: int,
    start: int,
    bits: int,
    dir_bits: int,
    row_bits: int,
    dir: Buffer,
    entries: Buffer,
) -> None:
    """Fill one chunk's directory and entries."""
