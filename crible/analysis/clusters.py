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
range searches in the PDQ index (``crible.index``'s multi-index hashing), in batches against
the first files found so far: near-linear in the number of files, never all pairs, even for a
picture re-posted thousands of times. Files without a usable perceptual hash
(documents, pictures of low quality) are clusters of one: only their byte-identical copies are
the same file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from crible.index import MihPdqIndex, hashes_from_hex
from crible.index.tables import aligned_empty, scan_flat
from crible.model.signals import PDQ_DEFAULT_THRESHOLD, PDQ_MIN_QUALITY, VideoFrame
from crible.signals.vpdq import MATCH_SHARE_THRESHOLD, dedupe, match_videos
from crible.store.read.perceptual import PerceptualHashes

BATCH = 1024
"""Pictures searched at once against the clusters' first files (and among themselves)."""


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
    hashes: PerceptualHashes,
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
    for sha256, pdq in hashes.pictures(min_quality):
        position = order.get(sha256)
        if position is not None:
            pictures.append((position, sha256, pdq))
    pictures.sort()
    _cluster_pictures(clusters, [p[1] for p in pictures], [p[2] for p in pictures], threshold)
    _cluster_videos(clusters, _videos(hashes, order), threshold, min_quality)
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


class _FirstHashes:
    """The first hashes of the clusters found so far, in a multi-index hashing index: recent
    ones in its delta (scanned), folded into its tables by background rebuilds. Only first
    hashes are indexed, so a picture copied thousands of times costs one candidate, not
    thousands."""

    def __init__(self, hashes: npt.NDArray[np.uint8]) -> None:
        self.hashes = hashes
        self.index = MihPdqIndex()

    def earliest(
        self, queries: npt.NDArray[np.uint8], threshold: int
    ) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.int64], npt.NDArray[np.int16]]:
        """For each query: whether a first hash is within ``threshold``, and the earliest
        such one (its position) with its distance."""
        if not len(self.index):
            nothing = np.zeros(len(queries), dtype=bool)
            return nothing, np.empty(0, np.int64), np.empty(0, np.int16)
        lims, ids, dists = self.index.search_arrays(queries, threshold)
        counts = np.diff(lims)
        found = counts > 0
        query = np.repeat(np.arange(len(queries)), counts)
        order = np.lexsort((ids, query))  # by query, then earliest position
        first = order[lims[:-1][found]]
        return found, ids[first].astype(np.int64), dists[first].astype(np.int16)

    def search(
        self, queries: npt.NDArray[np.uint8], threshold: int
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint8]]:
        """Positions and distances of every first hash within ``threshold`` of the queries."""
        if not len(self.index):
            return np.empty(0, np.int64), np.empty(0, np.uint8)
        _lims, ids, dists = self.index.search_arrays(queries, threshold)
        return ids, dists

    def add(self, rows: npt.NDArray[np.int64]) -> None:
        """Rows (positions) that start clusters."""
        self.index.add(rows, self.hashes[rows])


def first_files(
    hashes: npt.NDArray[np.uint8], threshold: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int16]]:
    """For each hash (in order), the position of its cluster's first hash and the distance to
    it: the earliest first hash within ``threshold``, else itself. Each batch is searched
    against the first hashes of earlier batches, then its unclaimed rows among themselves."""
    n = len(hashes)
    leader = np.arange(n, dtype=np.int64)
    distance = np.zeros(n, dtype=np.int16)
    if n == 0:
        return leader, distance
    firsts = _FirstHashes(hashes)
    for start in range(0, n, BATCH):
        rows = np.arange(start, min(n, start + BATCH), dtype=np.int64)
        found, earliest, bits = firsts.earliest(hashes[rows], threshold)
        leader[rows[found]], distance[rows[found]] = earliest, bits
        rows = rows[~found]
        if len(rows):
            firsts.add(_within(rows, hashes, threshold, leader, distance))
    return leader, distance


def _within(
    rows: npt.NDArray[np.int64],
    hashes: npt.NDArray[np.uint8],
    threshold: int,
    leader: npt.NDArray[np.int64],
    distance: npt.NDArray[np.int16],
) -> npt.NDArray[np.int64]:
    """Leader clustering among ``rows`` (ascending, none near an earlier first hash), by an
    exhaustive scan of the batch; returns the rows that start a cluster."""
    batch = aligned_empty((len(rows), 32), np.uint8)
    batch[:] = hashes[rows]
    lims, hits, dists = scan_flat(batch, np.zeros(len(rows), np.uint8), len(rows), batch, threshold)
    alone = np.diff(lims) == 1  # only itself within the threshold
    starts = set(np.flatnonzero(alone).tolist())
    for k in np.flatnonzero(~alone).tolist():
        claims = [
            (int(hits[h]), int(dists[h]))
            for h in range(int(lims[k]), int(lims[k + 1]))
            if int(hits[h]) < k and int(hits[h]) in starts
        ]
        if claims:
            first, bits = min(claims)
            leader[rows[k]], distance[rows[k]] = rows[first], bits
        else:
            starts.add(k)
    return rows[sorted(starts)]


def _videos(hashes: PerceptualHashes, order: dict[str, int]) -> list[tuple[str, list[VideoFrame]]]:
    """The posted videos' frames, in first-posted order."""
    frames: dict[str, list[VideoFrame]] = {}
    for sha256, frame in hashes.video_frames():
        if sha256 in order:
            frames.setdefault(sha256, []).append(frame)
    for listed in frames.values():
        listed.sort(key=lambda f: f.number)
    return sorted(frames.items(), key=lambda item: order[item[0]])


def _cluster_videos(
    clusters: Clusters,
    videos: list[tuple[str, list[VideoFrame]]],
    threshold: int,
    min_quality: int,
) -> None:
    """Leader clustering of videos given in first-posted order: candidates are the first videos
    sharing a frame within the threshold (found in the index), kept when vPDQ's two shares
    reach the match threshold."""
    usable = [
        (sha, [f for f in dedupe(frames) if f.quality >= min_quality]) for sha, frames in videos
    ]
    usable = [(sha, frames) for sha, frames in usable if frames]
    if not usable:
        return
    sizes = [len(frames) for _sha, frames in usable]
    owner = np.repeat(np.arange(len(usable)), sizes)
    bounds = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    hashes = hashes_from_hex([f.pdq for _sha, frames in usable for f in frames])
    firsts = _FirstHashes(hashes)
    for video, (sha256, frames) in enumerate(usable):
        clusters.signal[sha256] = "vpdq"
        mine = np.arange(bounds[video], bounds[video + 1], dtype=np.int64)
        rows, dists = firsts.search(hashes[mine], threshold)
        closest: dict[int, int] = {}
        for row, bits in zip(rows.tolist(), dists.tolist(), strict=True):
            closest[int(owner[row])] = min(bits, closest.get(int(owner[row]), bits))
        joined = _first_match(frames, closest, usable, threshold)
        if joined is None:
            firsts.add(mine)
            continue
        first, bits, shares = joined
        clusters.first[sha256] = usable[first][0]
        clusters.distance[sha256], clusters.shares[sha256] = bits, shares


def _first_match(
    frames: list[VideoFrame],
    closest: dict[int, int],
    usable: list[tuple[str, list[VideoFrame]]],
    threshold: int,
) -> tuple[int, int, tuple[float, float]] | None:
    """The earliest candidate first video that ``frames`` match by vPDQ (both shares at the
    threshold), with the closest frames' distance and the shares; None if none does."""
    for other, bits in sorted(closest.items()):
        shares = match_videos(frames, usable[other][1], distance=threshold)
        if min(shares) >= MATCH_SHARE_THRESHOLD:
            return other, bits, shares
    return None
