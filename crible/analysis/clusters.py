"""Perceptual clusters: the posted files that are one picture (or one video).

Telegram and WhatsApp recompress photos on upload, so a re-posted picture has new bytes and a
new SHA-256. Before the analysis decides who posted a picture first and who re-shared it, it
groups the posted files into clusters:

- pictures: PDQ hashes of quality >= 50 within the match threshold (31 of 256 bits);
- videos: vPDQ, both shares of matching frames >= 80% with frames within the same threshold.

Files are taken in the order they were first posted. Each one joins the earliest cluster whose
first file is within the threshold of it, or starts a cluster of its own (leader clustering):
every member is a match of its cluster's first file, at the distance stated as evidence, and a
chain of small edits cannot drift into unrelated pictures. Candidates come from
range searches in the PDQ index (``crible.index``), in batches against the first files found so
far: near-linear in the number of files, never all pairs, even for a picture re-posted
thousands of times. Files without a usable perceptual hash (documents, pictures of low
quality) are clusters of one: only their byte-identical copies are the same file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection, select

from crible.index import MihPdqIndex, hashes_from_hex
from crible.model.signals import PDQ_DEFAULT_THRESHOLD, PDQ_MIN_QUALITY, VideoFrame
from crible.signals.vpdq import MATCH_SHARE_THRESHOLD, dedupe, match_videos
from crible.store.sql import streamed
from crible.store.tables import media, video_frames

BATCH = 2048
"""Pictures searched at once against the clusters' first files."""


@dataclass
class Clusters:
    """Which posted files are one picture or video (files alone in theirs are left out)."""

    first: dict[str, str] = field(default_factory=dict)
    """File → the first file of its cluster, for the files that joined another's cluster."""
    distance: dict[str, int] = field(default_factory=dict)
    """File → PDQ bits from its cluster's first file (a video: its closest frames)."""
    shares: dict[str, tuple[float, float]] = field(default_factory=dict)
    """Video → vPDQ's shares of matching frames (its own, the first video's)."""
    signal: dict[str, str] = field(default_factory=dict)
    """File → ``pdq`` or ``vpdq``: the perceptual hash it was clustered by (absent: none)."""

    def key(self, sha256: str) -> str:
        """The cluster a file belongs to, named by its first file."""
        return self.first.get(sha256, sha256)

    def groups(self) -> dict[str, list[str]]:
        """First file → every file of its cluster, first file first (clusters of two or more)."""
        found: dict[str, list[str]] = {}
        for sha256, first in self.first.items():
            found.setdefault(first, [first]).append(sha256)
        return found


def read_clusters(
    conn: Connection,
    files: Iterable[str],
    *,
    threshold: int = PDQ_DEFAULT_THRESHOLD,
    min_quality: int = PDQ_MIN_QUALITY,
) -> Clusters:
    """Cluster ``files`` (SHA-256s, in the order they were first posted) by their perceptual
    hashes in the store."""
    order = {sha256: position for position, sha256 in enumerate(dict.fromkeys(files))}
    clusters = Clusters()
    pictures: list[tuple[int, str, str]] = []
    query = select(media.c.sha256, media.c.pdq, media.c.pdq_quality).where(
        media.c.pdq.is_not(None), media.c.pdq_quality >= min_quality
    )
    for sha256, pdq, _quality in streamed(conn, query):
        position = order.get(sha256)
        if position is not None:
            pictures.append((position, sha256, pdq))
    pictures.sort()
    _cluster_pictures(clusters, [p[1] for p in pictures], [p[2] for p in pictures], threshold)
    _cluster_videos(clusters, _videos(conn, order), threshold, min_quality)
    return clusters


def _cluster_pictures(clusters: Clusters, shas: list[str], pdqs: list[str], threshold: int) -> None:
    """Leader clustering of pictures given in first-posted order."""
    if not shas:
        return
    hashes = hashes_from_hex(pdqs)
    leader, distance = first_files(hashes, threshold)
    for i, sha256 in enumerate(shas):
        clusters.signal[sha256] = "pdq"
        if leader[i] != i:
            clusters.first[sha256] = shas[leader[i]]
            clusters.distance[sha256] = int(distance[i])


def first_files(
    hashes: npt.NDArray[np.uint8], threshold: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int16]]:
    """For each hash (in order), the position of its cluster's first hash and the distance to
    it: the earliest first hash within ``threshold``, else itself. Each batch is searched
    against the first hashes of earlier batches, then its unclaimed rows among themselves."""
    n = len(hashes)
    leader = np.arange(n, dtype=np.int64)
    distance = np.zeros(n, dtype=np.int16)
    leaders = MihPdqIndex()
    for start in range(0, n, BATCH):
        stop = min(n, start + BATCH)
        rows = np.arange(start, stop, dtype=np.int64)
        if len(leaders):
            lims, ids, dists = leaders.search_arrays(hashes[start:stop], threshold)
            counts = np.diff(lims)
            found = counts > 0
            if found.any():
                query = np.repeat(np.arange(len(rows)), counts)
                order = np.lexsort((ids, query))  # by query, then earliest first file
                earliest = order[lims[:-1][found]]
                leader[rows[found]] = ids[earliest]
                distance[rows[found]] = dists[earliest]
            rows = rows[~found]
        if len(rows):
            fresh = _within(rows, hashes, threshold, leader, distance)
            leaders.add(fresh, hashes[fresh])
    return leader, distance


def _within(
    rows: npt.NDArray[np.int64],
    hashes: npt.NDArray[np.uint8],
    threshold: int,
    leader: npt.NDArray[np.int64],
    distance: npt.NDArray[np.int16],
) -> npt.NDArray[np.int64]:
    """Leader clustering among ``rows`` (ascending, none near an earlier first hash); returns
    the rows that start a cluster."""
    index = MihPdqIndex.from_arrays(rows, hashes[rows])
    lims, ids, dists = index.search_arrays(hashes[rows], threshold)
    alone = np.diff(lims) == 1  # only itself within the threshold
    starts = set(rows[alone].tolist())
    for k in np.flatnonzero(~alone).tolist():
        row = int(rows[k])
        hits = range(int(lims[k]), int(lims[k + 1]))
        claims = [(int(ids[h]), int(dists[h])) for h in hits if int(ids[h]) in starts]
        claims = [claim for claim in claims if claim[0] < row]
        if claims:
            leader[row], distance[row] = min(claims)
        else:
            starts.add(row)
    return np.array(sorted(starts), dtype=np.int64)


def _videos(conn: Connection, order: dict[str, int]) -> list[tuple[str, list[VideoFrame]]]:
    """The posted videos' frames, in first-posted order."""
    frames: dict[str, list[VideoFrame]] = {}
    query = select(
        video_frames.c.sha256,
        video_frames.c.frame_number,
        video_frames.c.timestamp,
        video_frames.c.pdq,
        video_frames.c.quality,
    ).order_by(video_frames.c.sha256, video_frames.c.frame_number)
    for sha256, number, timestamp, pdq, quality in streamed(conn, query):
        if sha256 in order:
            frames.setdefault(sha256, []).append(VideoFrame(number, timestamp, pdq, quality))
    return sorted(frames.items(), key=lambda item: order[item[0]])


def _cluster_videos(
    clusters: Clusters,
    videos: list[tuple[str, list[VideoFrame]]],
    threshold: int,
    min_quality: int,
) -> None:
    """Leader clustering of videos given in first-posted order."""
    leaders = _FirstVideos(threshold)
    for sha256, frames in videos:
        usable = [f for f in dedupe(frames) if f.quality >= min_quality]
        if not usable:
            continue
        clusters.signal[sha256] = "vpdq"
        joined = leaders.match(usable)
        if joined is None:
            leaders.add(sha256, usable)
            continue
        clusters.first[sha256], clusters.distance[sha256], clusters.shares[sha256] = joined


class _FirstVideos:
    """The first videos of the clusters found so far, their frames in a PDQ index."""

    def __init__(self, threshold: int) -> None:
        self.threshold = threshold
        self.index = MihPdqIndex()
        self.owner: list[int] = []
        self.videos: list[tuple[str, list[VideoFrame]]] = []

    def add(self, sha256: str, frames: list[VideoFrame]) -> None:
        """A video that starts a cluster."""
        ids = np.arange(len(self.owner), len(self.owner) + len(frames), dtype=np.int64)
        self.owner.extend([len(self.videos)] * len(frames))
        self.videos.append((sha256, frames))
        self.index.add(ids, hashes_from_hex([f.pdq for f in frames]))

    def match(self, frames: list[VideoFrame]) -> tuple[str, int, tuple[float, float]] | None:
        """The earliest first video that ``frames`` match (vPDQ: both shares of matching
        frames at the threshold), with the closest frames' distance and the shares."""
        if not len(self.index):
            return None
        queries = hashes_from_hex([f.pdq for f in frames])
        _lims, ids, dists = self.index.search_arrays(queries, self.threshold)
        closest: dict[int, int] = {}
        for frame_id, bits in zip(ids.tolist(), dists.tolist(), strict=True):
            video = self.owner[frame_id]
            closest[video] = min(bits, closest.get(video, bits))
        for video, bits in sorted(closest.items()):
            sha256, theirs = self.videos[video]
            shares = match_videos(frames, theirs, distance=self.threshold)
            if min(shares) >= MATCH_SHARE_THRESHOLD:
                return sha256, bits, shares
        return None
