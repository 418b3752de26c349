"""Match media hashes against the enabled banks: exactly, and by PDQ distance."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from crible.index import PdqIndex, build_pdq_index, hashes_from_hex
from crible.index.base import HashArray, IdArray
from crible.model.categories import Category
from crible.model.matches import Match
from crible.model.signals import (
    CRYPTO_TYPES,
    DIHEDRAL_VARIANTS,
    PDQ_DEFAULT_THRESHOLD,
    MediaHashes,
    SignalType,
)
from crible.services.video_matching import VideoMatcher
from crible.store import Store
from crible.store.columns import category_of
from crible.store.sql import batched
from crible.store.store import ExactHit


@dataclass(frozen=True)
class _EntryInfo:
    bank_id: int
    bank_name: str
    value: str
    category: Category | None


class Matcher:
    """Looks media up in the store's enabled banks.

    Cryptographic hashes are looked up in the store (indexed); PDQ hashes of enabled
    banks are loaded once into a PDQ index and searched with all 8 dihedral variants.
    """

    def __init__(
        self,
        store: Store,
        *,
        threshold: int = PDQ_DEFAULT_THRESHOLD,
        index_factory: Callable[[IdArray, HashArray], PdqIndex] = build_pdq_index,
    ):
        self.store = store
        self.threshold = threshold
        self._entries: dict[int, _EntryInfo] = {}
        self.index = index_factory(*self._load_pdq())
        self.videos = VideoMatcher(store, distance=threshold)

    def _load_pdq(self) -> tuple[IdArray, HashArray]:
        """Every PDQ entry of the enabled banks, read in chunks, as arrays for one build."""
        ids: list[IdArray] = [np.empty(0, dtype=np.int64)]
        hashes: list[HashArray] = [np.empty((0, 32), dtype=np.uint8)]
        for chunk in batched(self.store.enabled_entries(SignalType.PDQ), 50_000):
            ids.append(np.fromiter((row[0] for row in chunk), dtype=np.int64, count=len(chunk)))
            hashes.append(hashes_from_hex([row[3] for row in chunk]))
            for entry_id, bank_id, bank_name, value, scheme, code in chunk:
                self._entries[entry_id] = _EntryInfo(
                    bank_id, bank_name, value, category_of(scheme, code)
                )
        return np.concatenate(ids), np.concatenate(hashes)

    @property
    def pdq_entries(self) -> int:
        return len(self.index)

    def match(self, items: Sequence[MediaHashes]) -> list[tuple[Match, ...]]:
        """The matches of each item, in the order given."""
        found: list[list[Match]] = [[] for _ in items]
        self._match_exact(items, found)
        self._match_pdq(items, found)
        for pos, item in enumerate(items):
            found[pos].extend(self.videos.match(item))
        return [tuple(sorted(m, key=lambda x: (x.distance, x.bank_name))) for m in found]

    def _match_exact(self, items: Sequence[MediaHashes], found: list[list[Match]]) -> None:
        wanted: dict[tuple[str, str], list[int]] = {}
        for pos, item in enumerate(items):
            for signal_type in CRYPTO_TYPES:
                value = getattr(item.crypto, str(signal_type))
                wanted.setdefault((str(signal_type), value), []).append(pos)
        pairs = [(SignalType(t), v) for t, v in wanted]
        for hit in self.store.exact_lookup(pairs):
            for pos in wanted.get((hit[6], hit[3]), []):
                found[pos].append(_exact(items[pos].sha256, hit))

    def match_hash(self, signal_type: SignalType, value: str) -> list[Match]:
        """The entries matching one hash as given (PDQ: within the threshold, no dihedral
        variants; the others exactly), closest first; for lookups of a hash, not a file."""
        if signal_type is SignalType.PDQ:
            return self.match_pdq(value)
        hits = self.store.exact_lookup([(signal_type, value)])
        return sorted((_exact("", hit) for hit in hits), key=lambda m: (m.bank_name, m.entry_id))

    def _match_pdq(self, items: Sequence[MediaHashes], found: list[list[Match]]) -> None:
        """PDQ: images with their 8 dihedral variants, videos frame by frame (a known
        picture inside a video is reported with the time of its first, closest frame)."""
        if not len(self.index):
            return
        queries: list[str] = []
        owners: list[tuple[int, str, float | None]] = []
        for pos, item in enumerate(items):
            for value, variant, timestamp in _pdq_queries(item):
                queries.append(value)
                owners.append((pos, variant, timestamp))
        if not queries:
            return
        best: dict[tuple[int, int], tuple[int, str, float | None]] = {}
        for (pos, variant, timestamp), neighbours in zip(
            owners, self.index.search(hashes_from_hex(queries), self.threshold), strict=True
        ):
            for n in neighbours:
                key = (pos, n.id)
                if key not in best or n.distance < best[key][0]:
                    best[key] = (n.distance, variant, timestamp)
        for (pos, entry_id), (distance, variant, timestamp) in best.items():
            found[pos].append(
                self._pdq_match(items[pos].sha256, entry_id, distance, variant, timestamp)
            )

    def match_pdq(self, value: str) -> list[Match]:
        """The entries within the threshold of one PDQ hash as given (no dihedral variants),
        closest first; for lookups of a hash rather than a file."""
        if not len(self.index):
            return []
        (neighbours,) = self.index.search(hashes_from_hex([value]), self.threshold)
        found = [self._pdq_match("", n.id, n.distance, None, None) for n in neighbours]
        return sorted(found, key=lambda m: (m.distance, m.bank_name, m.entry_id))

    def _pdq_match(
        self, sha256: str, entry_id: int, distance: int, variant: str | None, at: float | None
    ) -> Match:
        info = self._entries[entry_id]
        return Match(
            media_sha256=sha256,
            bank_id=info.bank_id,
            bank_name=info.bank_name,
            entry_id=entry_id,
            signal_type=SignalType.PDQ,
            entry_value=info.value,
            distance=distance,
            variant=variant,
            category=info.category,
            frame_timestamp=at,
        )


def _exact(sha256: str, hit: ExactHit) -> Match:
    entry_id, bank_id, bank, value, scheme, code, type_name = hit
    return Match(
        media_sha256=sha256,
        bank_id=bank_id,
        bank_name=bank,
        entry_id=entry_id,
        signal_type=SignalType(type_name),
        entry_value=value,
        distance=0,
        variant=None,
        category=category_of(scheme, code),
    )


def _pdq_queries(item: MediaHashes) -> Iterator[tuple[str, str, float | None]]:
    """(hash, variant, frame time) to look up for one file."""
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
