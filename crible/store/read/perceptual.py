"""Perceptual hashes of the store's files: PDQ of pictures, vPDQ frames of videos, read for
grouping posted files into perceptual clusters (``crible.analysis.clusters``)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select

from crible.model.signals import VideoFrame
from crible.store.read.scope import Reader
from crible.store.tables import media, video_frames


class PerceptualHashes(Reader):
    """The perceptual hashes of files, read on one connection."""

    def pictures(self, min_quality: int) -> Iterator[tuple[str, str]]:
        """(SHA-256, PDQ hex) of every file whose PDQ has at least ``min_quality``."""
        query = select(media.c.sha256, media.c.pdq, media.c.pdq_quality).where(
            media.c.pdq.is_not(None), media.c.pdq_quality >= min_quality
        )
        for sha256, pdq, _quality in self.stream(query):
            yield sha256, pdq

    def video_frames(self) -> Iterator[tuple[str, VideoFrame]]:
        """(SHA-256, frame) of every video frame, by file then frame number."""
        query = select(
            video_frames.c.sha256,
            video_frames.c.frame_number,
            video_frames.c.timestamp,
            video_frames.c.pdq,
            video_frames.c.quality,
        ).order_by(video_frames.c.sha256, video_frames.c.frame_number)
        for sha256, number, timestamp, pdq, quality in self.stream(query):
            yield sha256, VideoFrame(number, timestamp, pdq, quality)
