"""Matching from the store: build (or load) the bank snapshot, then the pure matcher.

``snapshot_of`` is the only step that reads the banks; ``Matcher`` keeps the snapshot with the
thresholds and answers with ``crible.index.matcher``, which does no I/O.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Sequence
from pathlib import Path

from crible.index.matcher import match_all, match_value
from crible.index.snapshot import BankSnapshot, build_snapshot, kinds_to_index
from crible.model.errors import BadInput
from crible.model.matches import Match
from crible.model.signals import PDQ_DEFAULT_THRESHOLD, MediaHashes, SignalType
from crible.store import Store

SNAPSHOT_FOLDER = "index.snapshot_folder"
"""The store setting naming the folder of saved snapshots (needed for PostgreSQL)."""

KEEP_SNAPSHOTS = 2
"""Saved snapshots kept beside the store (the newest ones; a worker may still map an older)."""


def fingerprint(store: Store) -> tuple[int, ...]:
    """(entries, highest entry id, sum of entry ids, enabled banks, suppressed entries, highest
    suppressed id): changes whenever the lists do, or a reviewer's rejection suppresses one."""
    return store.bank_fingerprint()


def fingerprint_key(store: Store, known: tuple[int, ...] | None = None) -> str:
    """The fingerprint (``known``, or read now) as a folder name, with the registry's kinds,
    which shape a snapshot."""
    text = repr((known or fingerprint(store), [str(k) for k in kinds_to_index()]))
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def snapshot_of(store: Store, key: str | None = None) -> BankSnapshot:
    """A snapshot built from the store's enabled banks now."""
    key = key or fingerprint_key(store)
    entries = {kind: list(store.enabled_entries(kind)) for kind in kinds_to_index()}
    return build_snapshot(key, entries, store.enabled_videos())


def snapshot_folder(store: Store, configured: Path | None = None) -> Path | None:
    """Where saved snapshots live: ``configured``, else the store's setting
    ``index.snapshot_folder`` (for PostgreSQL: a folder every server of the store can read),
    else a folder beside a SQLite file (``crible.db.snapshots``); else None (memory only)."""
    if configured is not None:
        return configured
    setting = store.setting(SNAPSHOT_FOLDER)
    if setting:
        return Path(setting)
    database = store.sqlite_file()
    return None if database is None else database.with_name(database.name + ".snapshots")


def latest_snapshot(
    store: Store,
    folder: Path | None = None,
    *,
    save: bool = False,
    known: tuple[int, ...] | None = None,
) -> BankSnapshot:
    """The snapshot of the banks as they are (``known``: their fingerprint, if the caller
    just read it): mapped from ``folder`` when one was saved for this fingerprint, else built
    (and saved there when ``save``: only commands that write)."""
    key = fingerprint_key(store, known)
    if folder is not None and (folder / key).is_dir():
        try:
            return BankSnapshot.load(folder / key)
        except BadInput:
            pass
    snapshot = snapshot_of(store, key)
    if save and folder is not None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            snapshot.save(folder / key)
            _prune(folder, keep=key)
        except OSError:
            pass  # a folder that cannot be written: match from memory, as before snapshots
    return snapshot


def _prune(folder: Path, keep: str) -> None:
    """Remove all but the newest saved snapshots (and any left half-written)."""
    saved = sorted(
        (p for p in folder.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime, reverse=True
    )
    kept = 0
    for path in saved:
        if path.name.startswith("."):
            continue
        kept += 1
        if kept > KEEP_SNAPSHOTS and path.name != keep:
            shutil.rmtree(path, ignore_errors=True)


class Matcher:
    """Looks media up in a snapshot of the enabled banks (built from the store if not given)."""

    def __init__(
        self,
        store: Store | None = None,
        *,
        threshold: int = PDQ_DEFAULT_THRESHOLD,
        snapshot: BankSnapshot | None = None,
    ):
        if snapshot is None:
            if store is None:
                raise ValueError("a Matcher needs a store or a snapshot")
            snapshot = snapshot_of(store)
        self.snapshot = snapshot
        self.threshold = threshold
        self.thresholds = {SignalType.PDQ: threshold}

    @property
    def pdq_entries(self) -> int:
        return self.snapshot.size(SignalType.PDQ)

    def match(self, items: Sequence[MediaHashes]) -> list[tuple[Match, ...]]:
        """The matches of each item, in the order given."""
        return [tuple(m) for m in match_all(self.snapshot, items, self.thresholds)]

    def match_hash(self, signal_type: SignalType, value: str) -> list[Match]:
        """The entries matching one hash as given (PDQ: within the threshold, no dihedral
        variants; exact kinds: equal, by bank); for lookups of a hash, not a file."""
        return match_value(self.snapshot, signal_type, value, self.thresholds)

    def match_pdq(self, value: str) -> list[Match]:
        """The entries within the threshold of one PDQ hash as given (no dihedral variants)."""
        return self.match_hash(SignalType.PDQ, value)
