"""Perceptual hashes of the store's files: PDQ of pictures, vPDQ frames of videos, read for
grouping posted files into perceptual clusters (``crible.analysis.clusters``)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select

from crible.model.signals import VideoFrame
from crible.store.media_signals import PDQ, WHOLE, frame_of
from crible.store.read.scope import Reader
from crible.store.tables import media_signals


class PerceptualHashes(Reader):
    """The perceptual hashes of files, read on one connection."""

    def pictures(self, min_quality: int) -> Iterator[tuple[str, str]]:
        """(SHA-256, PDQ hex) of every file whose whole-file PDQ has at least ``min_quality``."""
        query = select(media_signals.c.sha256, media_signals.c.value).where(
            media_signals.c.kind == PDQ,
            media_signals.c.locator == WHOLE,
            media_signals.c.quality >= min_quality,
        )
        for sha256, value in self.stream(query):
            yield str(sha256), str(value)

    def video_frames(self) -> Iterator[tuple[str, VideoFrame]]:
        """(SHA-256, frame) of every stored video frame, file by file (the caller orders
        each file's frames by number)."""
        query = (
            select(
                media_signals.c.sha256,
                media_signals.c.locator,
                media_signals.c.value,
                media_signals.c.quality,
            )
            .where(media_signals.c.kind == PDQ, media_signals.c.locator.startswith("t="))
            .order_by(media_signals.c.sha256, media_signals.c.id)
        )
        for sha256, locator, value, quality in self.stream(query):
            frame = frame_of(locator, value, quality)
            if frame is not None:
                yield str(sha256), frame
