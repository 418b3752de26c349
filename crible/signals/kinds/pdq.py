"""PDQ: Meta's 256-bit perceptual hash of pictures, matched by Hamming distance.

Files are looked up with their 8 dihedral variants, and videos frame by frame."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from crible.index import MihPdqIndex, hashes_from_hex
from crible.index.base import IdArray, Neighbour
from crible.model.signals import (
    DIHEDRAL_VARIANTS,
    PDQ_DEFAULT_THRESHOLD,
    MediaHashes,
    SignalType,
)
from crible.signals.kinds.base import HashKind, KindIndex, Query, hex_of_length


class PdqKind(HashKind):
    name = SignalType.PDQ
    pytx_name = "pdq"
    default_threshold = PDQ_DEFAULT_THRESHOLD
    streamed = True

    def compute(self, data: bytes) -> str | None:
        from crible.signals.pdq import pdq_from_bytes

        return pdq_from_bytes(data).value

    def normalise(self, value: str) -> str:
        return hex_of_length(self.name, value, 64)

    def compare(self, left: str, right: str) -> int:
        return (int(left, 16) ^ int(right, 16)).bit_count()

    def queries(self, item: MediaHashes) -> Iterator[Query]:
        pdq = item.pdq
        if pdq is not None and pdq.matchable:
            for name, value in zip(DIHEDRAL_VARIANTS, pdq.variants or (pdq.value,), strict=False):
                yield value, name, None
        if item.video is not None:
            seen: set[str] = set()
            for frame in item.video.frames:
                if frame.matchable and frame.pdq not in seen:
                    seen.add(frame.pdq)
                    yield frame.pdq, "frame", frame.timestamp

    def build_index(self, ids: IdArray, values: Sequence[str]) -> KindIndex:
        return PdqKindIndex(MihPdqIndex.from_arrays(ids, hashes_from_hex(list(values))))

    def load_index(self, directory: Path) -> KindIndex:
        return PdqKindIndex(MihPdqIndex.load(directory))


class PdqKindIndex:
    """The multi-index hashing PDQ index, searched with hex values."""

    def __init__(self, index: MihPdqIndex):
        self.index = index

    def search(self, values: Sequence[str], threshold: int) -> list[list[Neighbour]]:
        if not len(self.index) or not values:
            return [[] for _ in values]
        return self.index.search(hashes_from_hex(list(values)), threshold)

    def save(self, directory: Path) -> None:
        self.index.save(directory)

    def __len__(self) -> int:
        return len(self.index)
