"""What a hash kind is: a small class naming it, normalising, computing, indexing, comparing.

The shape of python-threatexchange's ``SignalType``: a kind has a name, the aliases providers
write, its name in pytx, ``normalise``, ``compute`` (None for opaque kinds crible cannot compute,
such as PhotoDNA), ``build_index`` and ``compare``. Adding a kind is one module holding its class
plus one line in ``crible.signals.kinds.KINDS``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import ClassVar, Protocol, Self

import numpy as np
import numpy.typing as npt

from crible.index.base import IdArray, Neighbour
from crible.model.errors import InvalidHash
from crible.model.signals import MediaHashes, SignalType

HEX = re.compile(r"^[0-9a-f]+$")

Query = tuple[str, str | None, float | None]
"""A value to look up for one file, with its variant name and, for a frame, its time."""


class KindIndex(Protocol):
    """A kind's entries, searchable: every entry within ``threshold`` of each query."""

    def search(self, values: Sequence[str], threshold: int) -> list[list[Neighbour]]:
        """For each query value, the entries at distance <= threshold."""

    def save(self, directory: Path) -> None:
        """Write the index under ``directory`` as plain arrays that ``load`` can map."""

    def __len__(self) -> int:
        """How many entries are indexed."""


class HashKind:
    """One kind of hash. Subclasses set the class attributes and override what differs."""

    name: ClassVar[SignalType]
    aliases: ClassVar[tuple[str, ...]] = ()
    """Other names providers write for it (lower case)."""
    pytx_name: ClassVar[str | None] = None
    """Its name in python-threatexchange and HMA (``pdq``, ``video_md5``...)."""
    matchable: ClassVar[bool] = True
    """Whether a hash of this kind can be looked up (opaque kinds are only kept)."""
    streamed: ClassVar[bool] = False
    """Computed by crible's own hashers (crypto digests in one read, PDQ with its variants);
    other kinds are computed by ``compute`` from a picture's bytes into ``MediaHashes.extra``."""
    named_in_lists: ClassVar[bool] = True
    """Whether a hash list's type column may name it (vPDQ lists have a format of their own)."""
    default_threshold: ClassVar[int] = 0

    def compute(self, data: bytes) -> str | None:
        """The hash of a picture's bytes; None for opaque kinds crible cannot compute."""
        return None

    def normalise(self, value: str) -> str:
        """The canonical form of a value, or InvalidHash naming what is wrong."""
        raise NotImplementedError

    def compare(self, left: str, right: str) -> int:
        """The distance of two normalised values (0: equal)."""
        return 0 if left == right else 1

    def queries(self, item: MediaHashes) -> Iterator[Query]:
        """What to look up for a scanned file: by default the value it computed, if any."""
        value = item.extra.get(str(self.name))
        if value is not None:
            yield value, None, None

    def build_index(self, ids: IdArray, values: Sequence[str]) -> KindIndex:
        """An index over the entries ``ids`` with these values (exact by default)."""
        return ExactIndex.build(ids, values)

    def load_index(self, directory: Path) -> KindIndex:
        """The index ``KindIndex.save`` wrote in ``directory``, memory-mapped."""
        return ExactIndex.load(directory)


def hex_of_length(kind: SignalType, text: str, length: int) -> str:
    """Lower-case hex of exactly ``length`` digits, or InvalidHash."""
    lowered = text.strip().lower()
    if len(lowered) != length or not HEX.match(lowered):
        shown = text.strip() if len(text.strip()) <= 80 else text.strip()[:77] + "..."
        raise InvalidHash(f"not a {kind} hash ({length} hex digits): {shown!r}")
    return lowered


class _SavedArrays:
    """An index held in two arrays, entry ids and one more (``DATA``), saved as ``.npy``
    files and mapped back from disk."""

    DATA: ClassVar[str]
    ids: IdArray

    def __init__(self, ids: IdArray, data: npt.NDArray[np.generic]):
        raise NotImplementedError  # each index names its own array

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        np.save(directory / "ids.npy", self.ids, allow_pickle=False)
        np.save(directory / f"{self.DATA}.npy", getattr(self, self.DATA), allow_pickle=False)

    @classmethod
    def load(cls, directory: Path) -> Self:
        return cls(
            np.load(directory / "ids.npy", mmap_mode="r", allow_pickle=False),
            np.load(directory / f"{cls.DATA}.npy", mmap_mode="r", allow_pickle=False),
        )

    def __len__(self) -> int:
        return len(self.ids)


class ExactIndex(_SavedArrays):
    """Entries matched by equality: their values sorted, looked up by binary search."""

    DATA = "values"

    def __init__(self, ids: IdArray, values: npt.NDArray[np.bytes_]):
        self.ids, self.values = ids, values

    @classmethod
    def build(cls, ids: IdArray, values: Sequence[str]) -> ExactIndex:
        width = max((len(v) for v in values), default=1)
        raw = np.array([v.encode("ascii") for v in values], dtype=f"S{width}")
        order = np.argsort(raw, kind="stable")
        return cls(np.asarray(ids, dtype=np.int64)[order], raw[order])

    def search(self, values: Sequence[str], threshold: int) -> list[list[Neighbour]]:
        found: list[list[Neighbour]] = []
        for value in values:
            key = value.encode("ascii", "replace")
            lo = int(np.searchsorted(self.values, key, side="left"))
            hi = int(np.searchsorted(self.values, key, side="right"))
            found.append([Neighbour(int(i), 0) for i in self.ids[lo:hi]])
        return found


class HammingIndex(_SavedArrays):
    """Entries of a short bit-string kind, searched exhaustively by Hamming distance."""

    DATA = "bits"

    def __init__(self, ids: IdArray, bits: npt.NDArray[np.uint8]):
        self.ids, self.bits = ids, bits

    @classmethod
    def build(cls, ids: IdArray, values: Sequence[str]) -> HammingIndex:
        width = len(values[0]) // 2 if values else 1
        raw = b"".join(bytes.fromhex(v) for v in values)
        bits = np.frombuffer(raw, dtype=np.uint8).reshape(len(values), width)
        return cls(np.asarray(ids, dtype=np.int64), bits)

    def search(self, values: Sequence[str], threshold: int) -> list[list[Neighbour]]:
        found: list[list[Neighbour]] = []
        for value in values:
            query = np.frombuffer(bytes.fromhex(value), dtype=np.uint8)
            if not len(self.ids) or query.shape[0] != self.bits.shape[1]:
                found.append([])
                continue
            distances = np.bitwise_count(self.bits ^ query).sum(axis=1)
            near = np.flatnonzero(distances <= threshold)
            found.append([Neighbour(int(self.ids[i]), int(distances[i])) for i in near])
        return found
