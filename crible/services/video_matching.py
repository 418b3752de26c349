"""Videos against listed videos (vPDQ): candidates by frame through the PDQ index, then
vPDQ's two shares; a match needs both shares at the threshold (80% by default)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crible.index import build_pdq_index, hashes_from_hex
from crible.model.categories import Category
from crible.model.matches import Match
from crible.model.signals import PDQ_DEFAULT_THRESHOLD, MediaHashes, SignalType, VideoFrame
from crible.signals.vpdq import MATCH_SHARE_THRESHOLD, dedupe, match_videos
from crible.store import Store
from crible.store.columns import category_of


@dataclass(frozen=True)
class _ListedVideo:
    bank_id: int
    bank_name: str
    value: str
    category: Category | None
    frames: tuple[VideoFrame, ...]


class VideoMatcher:
    """The listed videos of the enabled banks, searchable by a scanned video's frames."""

    def __init__(
        self,
        store: Store,
        *,
        distance: int = PDQ_DEFAULT_THRESHOLD,
        share: float = MATCH_SHARE_THRESHOLD,
    ):
        self.distance, self.share = distance, share
        self.videos: dict[int, _ListedVideo] = {}
        owners: list[int] = []
        hashes: list[str] = []
        for entry_id, bank_id, bank, value, scheme, code, frames in store.enabled_videos():
            self.videos[entry_id] = _ListedVideo(
                bank_id, bank, value, category_of(scheme, code), frames
            )
            for frame in dedupe(frames):
                if frame.matchable:
                    owners.append(entry_id)
                    hashes.append(frame.pdq)
        self.owner = np.array(owners, dtype=np.int64)
        self.index = build_pdq_index(
            np.arange(len(hashes), dtype=np.int64), hashes_from_hex(hashes)
        )

    def match(self, item: MediaHashes) -> list[Match]:
        """Listed videos this file's video matches (variant "video": both shares at the
        threshold) or shares frames with (variant "frame", with the closest frame's time)."""
        if item.video is None or not self.videos:
            return []
        frames = [f for f in dedupe(item.video.frames) if f.matchable]
        if not frames:
            return []
        closest: dict[int, tuple[int, float]] = {}
        for frame, neighbours in zip(
            frames,
            self.index.search(hashes_from_hex([f.pdq for f in frames]), self.distance),
            strict=True,
        ):
            for n in neighbours:
                entry = int(self.owner[n.id])
                best = closest.get(entry)
                if best is None or (n.distance, frame.timestamp) < best:
                    closest[entry] = (n.distance, frame.timestamp)
        found = []
        for entry_id, (distance, timestamp) in closest.items():
            listed = self.videos[entry_id]
            mine, theirs = match_videos(item.video.frames, listed.frames, distance=self.distance)
            whole = min(mine, theirs) >= self.share
            found.append(
                Match(
                    media_sha256=item.sha256,
                    bank_id=listed.bank_id,
                    bank_name=listed.bank_name,
                    entry_id=entry_id,
                    signal_type=SignalType.VPDQ,
                    entry_value=listed.value,
                    distance=distance,
                    variant="video" if whole else "frame",
                    category=listed.category,
                    query_share=mine,
                    reference_share=theirs,
                    frame_timestamp=None if whole else timestamp,
                )
            )
        return found
