"""Media files the store holds, and where their bytes can be read from."""

from __future__ import annotations

from sqlalchemy import select

from crible.store.read.scope import Reader
from crible.store.tables import media, media_locations, message_media


class MediaRows(Reader):
    """Media files and their locations, read on one connection."""

    def known(self, sha256: str) -> bool:
        """Whether the store holds a media file with this (normalised) SHA-256."""
        return self.scalar(select(media.c.sha256).where(media.c.sha256 == sha256)) is not None

    def locations(self, sha256: str) -> list[tuple[bytes, str]]:
        """(location key, display) of every place the file was seen: recorded locations
        first, then the chat messages that carried it."""
        found: list[tuple[bytes, str]] = [
            (bytes(r[0]), str(r[1]))
            for r in self.rows(
                select(media_locations.c.location_key, media_locations.c.display).where(
                    media_locations.c.sha256 == sha256
                )
            )
        ]
        found += [
            (bytes(r[0]), str(r[1] or ""))
            for r in self.rows(
                select(message_media.c.location_key, message_media.c.path).where(
                    message_media.c.sha256 == sha256, message_media.c.location_key.is_not(None)
                )
            )
        ]
        return found

    def scanned_at(self, sha256: str) -> list[bytes]:
        """The location keys where scans saw the file, the most recently seen first."""
        query = (
            select(media_locations.c.location_key)
            .where(media_locations.c.sha256 == sha256)
            .order_by(media_locations.c.last_seen_at.desc())
        )
        return [bytes(key) for (key,) in self.rows(query)]
