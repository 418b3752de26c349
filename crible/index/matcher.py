"""The pure matcher: a file's hashes against a bank snapshot, no I/O.

Each kind of the snapshot looks up what the file computed of it (exactly, or within the
kind's threshold: PDQ with the 8 dihedral variants and video frames); videos are then
matched against listed videos by vPDQ's two shares (both at 80% by default).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from crible.index.snapshot import BankSnapshot, ListedVideo
from crible.model.matches import Match
from crible.model.signals import PDQ_DEFAULT_THRESHOLD, MediaHashes, SignalType
from crible.signals.kinds import KINDS
from crible.signals.vpdq import MATCH_SHARE_THRESHOLD, dedupe, match_videos

Thresholds = Mapping[SignalType, int]
"""The largest distance that matches, by kind (a kind not named uses its default)."""


def threshold_of(kind: SignalType, thresholds: Thresholds | None) -> int:
    if thresholds and kind in thresholds:
        return thresholds[kind]
    return KINDS[kind].default_threshold


def match(
    snapshot: BankSnapshot, hashes: MediaHashes, thresholds: Thresholds | None = None
) -> list[Match]:
    """The matches of one file, closest first (then by bank)."""
    return match_all(snapshot, [hashes], thresholds)[0]


def match_all(
    snapshot: BankSnapshot, items: Sequence[MediaHashes], thresholds: Thresholds | None = None
) -> list[list[Match]]:
    """The matches of each file, in the order given."""
    found: list[list[Match]] = [[] for _ in items]
    for kind, index in snapshot.indexes.items():
        if not len(index):
            continue
        queries: list[str] = []
        owners: list[tuple[int, str | None, float | None]] = []
        for pos, item in enumerate(items):
            for value, variant, timestamp in KINDS[kind].queries(item):
                queries.append(value)
                owners.append((pos, variant, timestamp))
        if not queries:
            continue
        best: dict[tuple[int, int], tuple[int, str | None, float | None]] = {}
        limit = threshold_of(kind, thresholds)
        for owner, neighbours in zip(owners, index.search(queries, limit), strict=True):
            pos, variant, timestamp = owner
            for n in sorted(neighbours, key=lambda n: n.id):
                key = (pos, n.id)
                if key not in best or n.distance < best[key][0]:
                    best[key] = (n.distance, variant, timestamp)
        for (pos, entry_id), (distance, variant, timestamp) in best.items():
            found[pos].append(
                _match(snapshot, kind, items[pos].sha256, entry_id, distance, variant, timestamp)
            )
    distance = threshold_of(SignalType.PDQ, thresholds)
    videos = VideoPart.of(snapshot)
    for pos, item in enumerate(items):
        found[pos].extend(videos.match(item, distance))
    return [sorted(m, key=lambda x: (x.distance, x.bank_name)) for m in found]


def match_value(
    snapshot: BankSnapshot, kind: SignalType, value: str, thresholds: Thresholds | None = None
) -> list[Match]:
    """The entries matching one normalised hash as given (no variants), closest first."""
    index = snapshot.indexes.get(kind)
    if index is None or not len(index):
        return []
    (neighbours,) = index.search([value], threshold_of(kind, thresholds))
    found = [_match(snapshot, kind, "", n.id, n.distance, None, None) for n in neighbours]
    return sorted(found, key=lambda m: (m.distance, m.bank_name, m.entry_id))


def _match(
    snapshot: BankSnapshot,
    kind: SignalType,
    sha256: str,
    entry_id: int,
    distance: int,
    variant: str | None,
    at: float | None,
) -> Match:
    entry = snapshot.entry(entry_id)
    return Match(
        media_sha256=sha256,
        bank_id=entry.bank_id,
        bank_name=entry.bank_name,
        entry_id=entry_id,
        signal_type=kind,
        entry_value=entry.value,
        distance=distance,
        variant=variant,
        category=entry.category,
        frame_timestamp=at,
    )


class VideoPart:
    """The listed videos' frames, indexed for candidates (built once per snapshot)."""

    def __init__(self, videos: Sequence[ListedVideo]):
        self.videos = {v.entry_id: v for v in videos}
        owners: list[int] = []
        hashes: list[str] = []
        for video in videos:
            for frame in dedupe(video.frames):
                if frame.matchable:
                    owners.append(video.entry_id)
                    hashes.append(frame.pdq)
        self.owner = np.array(owners, dtype=np.int64)
        self.index = KINDS[SignalType.PDQ].build_index(
            np.arange(len(hashes), dtype=np.int64), hashes
        )

    @classmethod
    def of(cls, snapshot: BankSnapshot) -> VideoPart:
        """The snapshot's video part, built at first use and kept with it."""
        part = snapshot.__dict__.get("_video_part")
        if part is None:
            part = snapshot.__dict__["_video_part"] = cls(snapshot.videos)
        return part

    def match(self, item: MediaHashes, distance: int = PDQ_DEFAULT_THRESHOLD) -> list[Match]:
        """Listed videos this file's video matches (variant "video": both shares at the
        threshold) or shares frames with (variant "frame", with the closest frame's time)."""
        if item.video is None or not self.videos:
            return []
        frames = [f for f in dedupe(item.video.frames) if f.matchable]
        if not frames:
            return []
        closest: dict[int, tuple[int, float]] = {}
        for frame, neighbours in zip(
            frames, self.index.search([f.pdq for f in frames], distance), strict=True
        ):
            for n in neighbours:
                entry = int(self.owner[n.id])
                best = closest.get(entry)
                if best is None or (n.distance, frame.timestamp) < best:
                    closest[entry] = (n.distance, frame.timestamp)
        found = []
        for entry_id, (distance_found, timestamp) in closest.items():
            listed = self.videos[entry_id]
            mine, theirs = match_videos(item.video.frames, listed.frames, distance=distance)
            whole = min(mine, theirs) >= MATCH_SHARE_THRESHOLD
            found.append(
                Match(
                    media_sha256=item.sha256,
                    bank_id=listed.entry.bank_id,
                    bank_name=listed.entry.bank_name,
                    entry_id=entry_id,
                    signal_type=SignalType.VPDQ,
                    entry_value=listed.entry.value,
                    distance=distance_found,
                    variant="video" if whole else "frame",
                    category=listed.entry.category,
                    query_share=mine,
                    reference_share=theirs,
                    frame_timestamp=None if whole else timestamp,
                )
            )
        return found
