"""Lookups for platforms: is this file, or this hash, in an enabled bank?

The PDQ index of the enabled banks is built once when the server starts and rebuilt
when the banks change (at once after a change made through this process, and by a
periodic check for changes made elsewhere); requests never build it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select

from crible.model.banks import Bank, HashEntry
from crible.model.errors import InvalidHash, NotFound
from crible.model.matches import Match
from crible.model.signals import (
    CRYPTO_TYPES,
    PDQ_DEFAULT_THRESHOLD,
    MediaHashes,
    SignalType,
)
from crible.services.matching import Matcher, fingerprint, latest_snapshot, snapshot_folder
from crible.signals.kinds import matchable_kinds
from crible.signals.media import hash_media
from crible.signals.registry import normalise, signal_type_named
from crible.store import Store
from crible.store.tables import bank_entries


@dataclass(frozen=True)
class FileLookup:
    """The hashes computed for an uploaded file and the matches they found."""

    hashes: MediaHashes
    matches: tuple[Match, ...]


def parse_signal(
    signal_type: str, value: str, *, fields: tuple[str, str] = ("signal_type", "value")
) -> tuple[SignalType, str]:
    """Validate a (type, value) pair given by a client; the error names the field at fault."""
    try:
        kind = signal_type_named(signal_type)
    except InvalidHash as exc:
        raise InvalidHash(f"{fields[0]}: {exc.reason}") from exc
    if kind not in matchable_kinds():
        known = ", ".join(str(t) for t in matchable_kinds())
        raise InvalidHash(f"{fields[0]}: {signal_type!r} cannot be looked up (use one of {known})")
    try:
        return kind, normalise(kind, value)
    except InvalidHash as exc:
        raise InvalidHash(f"{fields[1]}: {exc.reason}") from exc


class LookupIndex:
    """The matcher over the enabled banks, swapped atomically when it is rebuilt."""

    def __init__(
        self, store: Store, *, threshold: int = PDQ_DEFAULT_THRESHOLD, folder: Path | None = None
    ):
        self.store = store
        self.threshold = threshold
        self._lock = threading.Lock()
        self.folder = folder if folder is not None else snapshot_folder(store)
        self._fingerprint = self.fingerprint()
        self._matcher = self._build(self._fingerprint)

    @property
    def matcher(self) -> Matcher:
        return self._matcher

    @property
    def pdq_entries(self) -> int:
        return self._matcher.pdq_entries

    def fingerprint(self) -> tuple[int, ...]:
        """Changes whenever the enabled lists do, or a rejection suppresses an entry."""
        return fingerprint(self.store)

    def reload(self) -> None:
        """Rebuild the matcher from the store now."""
        with self._lock:
            fingerprint = self.fingerprint()
            self._matcher = self._build(fingerprint)
            self._fingerprint = fingerprint

    def _build(self, fingerprint: tuple[int, ...]) -> Matcher:
        """The matcher over the latest saved snapshot (mapped, or built and saved when the
        process may write: the server builds it once, each worker then maps it)."""
        snapshot = latest_snapshot(self.store, self.folder, save=True, known=fingerprint)
        return Matcher(threshold=self.threshold, snapshot=snapshot)

    def reload_soon(self) -> None:
        """Rebuild in a background thread (a rejection must not wait for a large index)."""
        threading.Thread(target=self.reload, name="crible-index-reload", daemon=True).start()

    def reload_if_changed(self) -> bool:
        """Rebuild only if the enabled banks changed since the last build."""
        if self.fingerprint() == self._fingerprint:
            return False
        self.reload()
        return True

    def lookup(self, signal_type: SignalType, value: str) -> list[Match]:
        """Entries of enabled banks matching one normalised hash."""
        return self._matcher.match_hash(signal_type, value)

    def lookup_file(self, stream: BinaryIO, *, max_image_bytes: int) -> FileLookup:
        """Hash an uploaded file (crypto hashes, PDQ with its 8 variants) and match it."""
        hashes = hash_upload(stream, max_image_bytes=max_image_bytes)
        return FileLookup(hashes, self._matcher.match([hashes])[0])


def hash_upload(stream: BinaryIO, *, max_image_bytes: int) -> MediaHashes:
    """The hashes of an uploaded file: SHA-256, SHA-1, MD5, and PDQ when it is a picture."""
    return hash_media(stream, max_image_bytes=max_image_bytes, source="upload")


def signals_of(hashes: MediaHashes) -> dict[str, str]:
    """The hashes of a file by signal type name (PDQ only when it can be matched)."""
    found = {str(t): getattr(hashes.crypto, str(t)) for t in CRYPTO_TYPES}
    if hashes.pdq is not None and hashes.pdq.matchable:
        found[str(SignalType.PDQ)] = hashes.pdq.value
    return found


def add_signals(
    store: Store, bank_name: str, signals: Iterable[tuple[SignalType, str]], *, source: str
) -> list[int]:
    """Add hashes to an existing bank (already present ones are kept); returns their entry ids."""
    bank: Bank = store.banks.get(bank_name)
    pairs = list(signals)
    entries = [HashEntry(signal_type=kind, value=value) for kind, value in pairs]
    store.banks.import_list(
        bank, iter(entries), source=source, source_sha256=None, fmt="api", strict=True
    )
    ids: list[int] = []
    with store.engine.connect() as conn:
        for kind, value in pairs:
            entry_id = conn.execute(
                select(bank_entries.c.id).where(
                    bank_entries.c.bank_id == bank.id,
                    bank_entries.c.signal_type == str(kind),
                    bank_entries.c.value == value,
                )
            ).scalar()
            if entry_id is None:
                raise NotFound(f"the {kind} hash was not stored in bank {bank_name!r}")
            ids.append(int(entry_id))
    return ids


def remove_entry(store: Store, bank_name: str, entry_id: int) -> int:
    """Delete one entry of a bank (and its matches); returns how many were deleted (0 or 1)."""
    bank = store.banks.get(bank_name)
    with store.engine.begin() as conn:
        done = conn.execute(
            bank_entries.delete().where(
                bank_entries.c.id == entry_id, bank_entries.c.bank_id == bank.id
            )
        )
        return int(done.rowcount)
