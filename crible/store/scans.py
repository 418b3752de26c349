"""Persistence of scan runs, media, where media was seen, and matches."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, replace
from typing import Any

from sqlalchemy import Connection, Engine, exists, func, select, update

from crible.model.errors import NotFound
from crible.model.matches import Match
from crible.model.media import RejectedMedia
from crible.model.scans import ProcessRef, ScannedItem, ScanOptions, ScanRun, ScanStatus
from crible.model.signals import (
    CryptoHashes,
    MediaHashes,
    PdqStatus,
    SignalType,
    VideoHash,
)
from crible.store import media_signals as signals
from crible.store.columns import as_utc, category_of, now
from crible.store.review_tables import suppressed_entries
from crible.store.sql import batched, insert_ignoring_duplicates, new_id, upsert
from crible.store.tables import (
    bank_entries,
    banks,
    matches,
    media,
    media_locations,
    media_videos,
    scan_items,
    scan_runs,
)


class ScanRepository:
    """Scan runs and everything they record."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def create(
        self, roots: Sequence[str], options: ScanOptions, owner: ProcessRef | None = None
    ) -> ScanRun:
        """Start a new scan run, run by ``owner``."""
        with self.engine.begin() as conn:
            scan_id = new_id(
                conn.execute(
                    scan_runs.insert().values(
                        roots=json.dumps(list(roots)),
                        options=_options_json(options),
                        status=ScanStatus.RUNNING,
                        started_at=now(),
                        owner=str(owner) if owner else None,
                    )
                )
            )
            return self._get(conn, scan_id)

    def claim(self, scan_id: int, owner: ProcessRef) -> ScanRun:
        """Resume an unfinished run in the process ``owner``."""
        return self._set(scan_id, status=ScanStatus.RUNNING, owner=str(owner), finished_at=None)

    def interrupt(self, scan_id: int) -> ScanRun:
        """Mark a run as stopped before its end (it stays resumable)."""
        return self._set(scan_id, status=ScanStatus.INTERRUPTED)

    def _set(self, scan_id: int, **values: Any) -> ScanRun:
        with self.engine.begin() as conn:
            conn.execute(update(scan_runs).where(scan_runs.c.id == scan_id).values(**values))
            return self._get(conn, scan_id)

    def get(self, scan_id: int) -> ScanRun:
        """The scan run with that id, or NotFound."""
        with self.engine.connect() as conn:
            return self._get(conn, scan_id)

    def latest(self) -> ScanRun:
        """The most recent scan run, or NotFound."""
        with self.engine.connect() as conn:
            scan_id = conn.scalar(select(func.max(scan_runs.c.id)))
            if scan_id is None:
                raise NotFound("no scan has been run on this store")
            return self._get(conn, scan_id)

    def find_resumable(self, roots: Sequence[str], options: ScanOptions) -> ScanRun | None:
        """The latest unfinished run over the same roots with the same options."""
        query = (
            select(scan_runs.c.id)
            .where(
                scan_runs.c.status.in_((ScanStatus.RUNNING, ScanStatus.INTERRUPTED)),
                scan_runs.c.roots == json.dumps(list(roots)),
                scan_runs.c.options == _options_json(options),
            )
            .order_by(scan_runs.c.id.desc())
            .limit(1)
        )
        with self.engine.connect() as conn:
            scan_id = conn.scalar(query)
            return None if scan_id is None else self._get(conn, scan_id)

    def done_keys(self, scan_id: int) -> set[bytes]:
        """Locations this run has already recorded."""
        with self.engine.connect() as conn:
            query = select(scan_items.c.location_key).where(scan_items.c.scan_id == scan_id)
            return {bytes(k) for (k,) in conn.execute(query)}

    def known_location(
        self, key: bytes, size: int, mtime_ns: int, *, fast: bool
    ) -> MediaHashes | None:
        """Hashes of a file already hashed at this location with the same size and mtime.

        A fast-mode hash does not stand in for an exact one; an exact one serves both.
        """
        query = (
            select(media)
            .join(media_locations, media_locations.c.sha256 == media.c.sha256)
            .where(
                media_locations.c.location_key == key,
                media_locations.c.size == size,
                media_locations.c.mtime_ns == mtime_ns,
            )
            .limit(1)
        )
        if not fast:
            query = query.where(media.c.hash_mode == EXACT)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
            if row is None:
                return None
            return _with_stored_signals(conn, _hashes_from_row(row._mapping))

    def record(self, scan_id: int, items: Sequence[ScannedItem]) -> None:
        """Store a batch of outcomes in one transaction: media, locations, matches, items."""
        stamp = now()
        with self.engine.begin() as conn:
            hashed = [i for i in items if i.hashes is not None]
            rows = _unique(_media_row(i, stamp) for i in hashed)
            insert_ignoring_duplicates(conn, media, rows, keys=("sha256",))
            self._record_videos(conn, [i.hashes for i in hashed if i.hashes and i.hashes.video])
            by_file = {i.hashes.sha256: i.hashes for i in hashed if i.hashes is not None}
            signals.record(conn, (r for h in by_file.values() for r in signals.signal_rows(h)))
            self._upgrade_fast_hashes(conn, [r for r in rows if r["hash_mode"] == EXACT], by_file)
            upsert(
                conn,
                media_locations,
                [_location_row(i, scan_id, stamp) for i in hashed],
                keys=("location_key", "sha256"),
                update=("size", "mtime_ns", "last_seen_at"),
            )
            match_rows = [_match_row(m, scan_id, stamp) for i in items for m in i.matches]
            insert_ignoring_duplicates(conn, matches, match_rows, keys=("sha256", "entry_id"))
            insert_ignoring_duplicates(
                conn,
                scan_items,
                [_item_row(i, scan_id) for i in items],
                keys=("scan_id", "location_key"),
            )

    def _record_videos(self, conn: Connection, videos: list[MediaHashes]) -> None:
        """The stream facts of videos, once per file (their frames are media signals)."""
        facts: list[dict[str, Any]] = []
        for sha256, h in {h.sha256: h for h in videos}.items():
            video = h.video
            assert video is not None
            facts.append(
                {
                    "sha256": sha256,
                    "duration": video.duration,
                    "width": video.width,
                    "height": video.height,
                    "fps": video.fps,
                    "frames": len(video.frames),
                }
            )
        insert_ignoring_duplicates(conn, media_videos, facts, keys=("sha256",))

    def _upgrade_fast_hashes(
        self, conn: Connection, exact_rows: list[dict[str, Any]], by_file: dict[str, MediaHashes]
    ) -> None:
        """Media first hashed in fast mode gets the exact PDQ hash when one is computed."""
        for row in exact_rows:
            done = conn.execute(
                update(media)
                .where(media.c.sha256 == row["sha256"], media.c.hash_mode != EXACT)
                .values({k: row[k] for k in _PDQ_COLUMNS})
            )
            if done.rowcount:
                signals.replace_file_signals(conn, by_file[row["sha256"]])

    def finish(self, scan_id: int, status: ScanStatus) -> ScanRun:
        """Mark a run as finished."""
        return self._set(scan_id, status=status, finished_at=now())

    def counts(self, scan_id: int) -> dict[str, int]:
        """Items of a run by status, distinct media, and PDQ status counts."""
        with self.engine.connect() as conn:
            by_status = conn.execute(
                select(scan_items.c.status, func.count())
                .where(scan_items.c.scan_id == scan_id)
                .group_by(scan_items.c.status)
            )
            result = {str(s): int(n) for s, n in by_status}
            result["distinct_media"] = int(
                conn.scalar(
                    select(func.count(func.distinct(scan_items.c.sha256))).where(
                        scan_items.c.scan_id == scan_id
                    )
                )
                or 0
            )
            pdq = conn.execute(
                select(media.c.pdq_status, func.count(func.distinct(media.c.sha256)))
                .join(scan_items, scan_items.c.sha256 == media.c.sha256)
                .where(scan_items.c.scan_id == scan_id)
                .group_by(media.c.pdq_status)
            )
            result.update({f"pdq_{s}": int(n) for s, n in pdq})
            return result

    def rejections(self, scan_id: int) -> Iterator[RejectedMedia]:
        """Locations of a run that could not be (fully) read, with reasons."""
        query = (
            select(scan_items)
            .where(scan_items.c.scan_id == scan_id, scan_items.c.reason_code.is_not(None))
            .order_by(scan_items.c.id)
        )
        with self.engine.connect() as conn:
            for row in conn.execute(query):
                m = row._mapping
                yield RejectedMedia(
                    bytes(m["location_key"]), m["display"], m["reason"], m["reason_code"]
                )

    def matches(self, scan_id: int) -> Iterator[Match]:
        """Each match of media seen in a run, once, closest first."""
        seen = select(scan_items.c.sha256).where(scan_items.c.scan_id == scan_id)
        query = (
            select(
                matches,
                banks.c.name,
                bank_entries.c.value,
                bank_entries.c.category_scheme,
                bank_entries.c.category_code,
            )
            .join(bank_entries, bank_entries.c.id == matches.c.entry_id)
            .join(banks, banks.c.id == matches.c.bank_id)
            .where(
                matches.c.sha256.in_(seen.scalar_subquery()),
                ~exists().where(suppressed_entries.c.entry_id == matches.c.entry_id),
            )
            .order_by(matches.c.distance, banks.c.name, matches.c.id)
        )
        with self.engine.connect() as conn:
            for row in conn.execute(query):
                m = row._mapping
                yield Match(
                    media_sha256=m["sha256"],
                    bank_id=m["bank_id"],
                    bank_name=m["name"],
                    entry_id=m["entry_id"],
                    signal_type=SignalType(m["signal_type"]),
                    entry_value=m["value"],
                    distance=m["distance"],
                    variant=m["variant"],
                    category=category_of(m["category_scheme"], m["category_code"]),
                    frame_timestamp=m["frame_timestamp"],
                    query_share=m["query_share"],
                    reference_share=m["reference_share"],
                )

    def locations(self, scan_id: int, sha256s: Iterable[str]) -> dict[str, tuple[str, ...]]:
        """Where a run saw each of the given media files."""
        found: dict[str, list[str]] = {}
        with self.engine.connect() as conn:
            for chunk in batched(sorted(set(sha256s)), 500):
                query = (
                    select(scan_items.c.sha256, scan_items.c.display)
                    .where(scan_items.c.scan_id == scan_id, scan_items.c.sha256.in_(chunk))
                    .order_by(scan_items.c.display)
                )
                for sha, display in conn.execute(query):
                    found.setdefault(sha, []).append(display)
        return {sha: tuple(places) for sha, places in found.items()}

    def _get(self, conn: Connection, scan_id: int) -> ScanRun:
        row = conn.execute(select(scan_runs).where(scan_runs.c.id == scan_id)).first()
        if row is None:
            raise NotFound(f"no scan run {scan_id}")
        m = row._mapping
        started = as_utc(m["started_at"])
        assert started is not None
        return ScanRun(
            id=m["id"],
            roots=tuple(json.loads(m["roots"])),
            options=ScanOptions(**json.loads(m["options"])),
            status=ScanStatus(m["status"]),
            started_at=started,
            finished_at=as_utc(m["finished_at"]),
            owner=ProcessRef.parse(m["owner"]),
        )


EXACT = "exact"
_PDQ_COLUMNS = ("pdq_status", "pdq_reason", "hash_mode")


def _with_stored_signals(conn: Connection, hashes: MediaHashes) -> MediaHashes:
    """Put back the signals stored for a file: its PDQ hash and, for a video, its frames."""
    hashes, frames = signals.with_signals(conn, hashes)
    facts = conn.execute(select(media_videos).where(media_videos.c.sha256 == hashes.sha256)).first()
    if facts is None:
        return hashes
    m = facts._mapping
    video = VideoHash(tuple(frames), m["duration"], m["width"], m["height"], m["fps"])
    return replace(hashes, video=video)


def _options_json(options: ScanOptions) -> str:
    return json.dumps(asdict(options), sort_keys=True)


def _unique(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return list({r["sha256"]: r for r in rows}.values())


def _media_row(item: ScannedItem, stamp: Any) -> dict[str, Any]:
    h = item.hashes
    assert h is not None
    return {
        "sha256": h.crypto.sha256,
        "sha1": h.crypto.sha1,
        "md5": h.crypto.md5,
        "size": h.crypto.size,
        "pdq_status": h.pdq_status,
        "pdq_reason": h.pdq_reason,
        "hash_mode": h.mode,
        "first_seen_at": stamp,
    }


def _location_row(item: ScannedItem, scan_id: int, stamp: Any) -> dict[str, Any]:
    assert item.hashes is not None
    return {
        "sha256": item.hashes.sha256,
        "location_key": item.location.key,
        "display": item.location.display,
        "size": item.hashes.crypto.size,
        "mtime_ns": item.mtime_ns,
        "first_scan_id": scan_id,
        "last_seen_at": stamp,
    }


def _match_row(match: Match, scan_id: int, stamp: Any) -> dict[str, Any]:
    return {
        "sha256": match.media_sha256,
        "entry_id": match.entry_id,
        "bank_id": match.bank_id,
        "signal_type": str(match.signal_type),
        "distance": match.distance,
        "variant": match.variant,
        "frame_timestamp": match.frame_timestamp,
        "query_share": match.query_share,
        "reference_share": match.reference_share,
        "first_scan_id": scan_id,
        "created_at": stamp,
    }


def _item_row(item: ScannedItem, scan_id: int) -> dict[str, Any]:
    rejection = item.rejection
    status = "rejected" if item.hashes is None else "reused" if item.reused else "hashed"
    return {
        "scan_id": scan_id,
        "location_key": item.location.key,
        "display": item.location.display,
        "status": status,
        "sha256": item.hashes.sha256 if item.hashes else None,
        "reason_code": rejection.code if rejection else None,
        "reason": rejection.reason if rejection else None,
    }


def _hashes_from_row(m: Any) -> MediaHashes:
    return MediaHashes(
        crypto=CryptoHashes(m["sha256"], m["sha1"], m["md5"], int(m["size"])),
        pdq=None,
        pdq_status=PdqStatus(m["pdq_status"]),
        pdq_reason=m["pdq_reason"],
        mode=m["hash_mode"],
    )
