"""The scan use case: walk media, hash in a pool of processes, match, store, resume."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import replace
from multiprocessing import get_all_start_methods, get_context
from types import FrameType
from typing import Any, Protocol

from crible.model.errors import Conflict, Interrupted
from crible.model.media import MediaLocation, RejectedMedia
from crible.model.scans import ScannedItem, ScanOptions, ScanRun, ScanStatus, ScanSummary
from crible.services import matching
from crible.services.matching import Matcher
from crible.services.processes import is_running, state, this_process
from crible.services.scan_worker import HashOutcome, hash_location
from crible.sources import walk
from crible.sources.walk import walk_keys
from crible.store import Store

BATCH_ITEMS = 64
BATCH_SECONDS = 1.0
INFLIGHT_PER_WORKER = 8

Identity = tuple[int, int, int, int]
"""(device, inode, size, mtime_ns) of a file on disk."""


class ScanProgress(Protocol):
    """Receives the progress of a scan (the CLI draws a bar from it)."""

    def start(self, total: int | None, already_done: int) -> None:
        """The scan begins; ``total`` locations are expected (None if not counted)."""

    def advance(self, count: int, matched: int, rejected: int) -> None:
        """``count`` more locations were recorded, with so many matches and rejections."""


def scan(
    store: Store,
    roots: Sequence[str | bytes],
    options: ScanOptions | None = None,
    *,
    workers: int | None = None,
    resume: bool = True,
    progress: ScanProgress | None = None,
) -> ScanSummary:
    """Scan files, folders and zip archives under ``roots`` against the enabled banks.

    An unfinished run over the same roots with the same options is resumed: what it
    recorded is not hashed again. Returns the summary of the run.
    """
    options = options or ScanOptions()
    root_paths = [os.path.abspath(os.fsencode(r)) for r in roots]
    shown = [r.decode("utf-8", "backslashreplace") for r in root_paths]
    limit = options.max_file_bytes
    return _scan(
        store,
        shown,
        lambda: walk(root_paths, max_file_bytes=limit),
        options,
        workers=workers,
        resume=resume,
        progress=progress,
    )


def scan_files(
    store: Store,
    label: str,
    files: Sequence[bytes],
    options: ScanOptions | None = None,
    *,
    workers: int | None = None,
    progress: ScanProgress | None = None,
) -> ScanSummary:
    """Scan exactly these files (absolute paths, or archive entries keyed ``archive!/name``),
    as one resumable run named ``label``."""
    options = options or ScanOptions()
    limit = options.max_file_bytes

    def sources() -> Iterator[MediaLocation | RejectedMedia]:
        yield from walk_keys(files, max_file_bytes=limit)

    return _scan(store, [label], sources, options, workers=workers, resume=True, progress=progress)


def _scan(
    store: Store,
    shown: list[str],
    sources: Callable[[], Iterable[MediaLocation | RejectedMedia]],
    options: ScanOptions,
    *,
    workers: int | None,
    resume: bool,
    progress: ScanProgress | None,
) -> ScanSummary:
    """Run (or resume) a scan over what ``sources`` yields; see ``scan``.

    Ctrl-C (KeyboardInterrupt) keeps what was hashed, marks the run interrupted and raises
    ``Interrupted``; the same scan run again resumes it."""
    owner = this_process()
    writer: _Writer | None = None
    done: set[bytes] = set()
    try:
        # The pool starts first, so that its processes start while this one loads the index.
        with _executor(workers) as pool:
            found = _resumable(store, shown, options) if resume else None
            resumed = found is not None
            run = store.scans.claim(found.id, owner) if found else None
            run = run or store.scans.create(shown, options, owner)
            done = store.scans.done_keys(run.id) if resumed else set()
            snapshot = matching.latest_snapshot(store, matching.snapshot_folder(store), save=True)
            matcher = Matcher(threshold=options.threshold, snapshot=snapshot)
            if progress is not None:
                total = sum(1 for _ in sources())
                progress.start(total, len(done))
            writer = _Writer(store, run, matcher, progress)
            pipeline = _Pipeline(store, options, writer, max(1, worker_count(workers)))
            with _CtrlC() as ctrl_c:
                for item in sources():
                    if ctrl_c.pressed:
                        break
                    if item.key not in done:
                        pipeline.feed(item, pool)
                pipeline.drain(ctrl_c)
            if ctrl_c.pressed:
                raise KeyboardInterrupt
    except KeyboardInterrupt:
        if writer is None:
            raise
        writer.flush()
        store.scans.interrupt(writer.run.id)
        raise Interrupted(
            f"scan {writer.run.id} stopped: {len(done) + writer.recorded} files recorded "
            f"({writer.hashed} hashed now, {len(done)} done before)"
        ) from None
    writer.flush()
    failed = next(store.scans.rejections(run.id), None) is not None
    store.scans.finish(run.id, ScanStatus.COMPLETED_WITH_ERRORS if failed else ScanStatus.COMPLETED)
    return replace(
        summarise(store, run.id, resumed=resumed),
        already_done=len(done),
        recorded_now=writer.recorded,
        hashed_now=writer.hashed,
    )


def _resumable(store: Store, shown: list[str], options: ScanOptions) -> ScanRun | None:
    """The unfinished run to resume; refused while its process still runs on this host."""
    run = store.scans.find_resumable(shown, options)
    if run is None or run.owner is None or is_running(run.owner) is not True:
        return run
    raise Conflict(
        f"scan {run.id} over the same paths is running now (process {run.owner.pid}); "
        "wait for it to end, or start another run with --new-run"
    )


def summarise(store: Store, scan_id: int, *, resumed: bool = False) -> ScanSummary:
    """What a run found, as it stands (only reads: a run still marked running whose process
    is gone is shown as interrupted, and stays resumable)."""
    rejected = tuple(store.scans.rejections(scan_id))
    run = store.scans.get(scan_id)
    run = replace(run, status=state(run))
    counts = store.scans.counts(scan_id)
    found = tuple(store.scans.matches(scan_id))
    return ScanSummary(
        run=run,
        files_seen=sum(counts.get(k, 0) for k in ("hashed", "reused", "rejected")),
        files_hashed=counts.get("hashed", 0),
        files_skipped=counts.get("reused", 0),
        distinct_media=counts.get("distinct_media", 0),
        low_quality=counts.get("pdq_low_quality", 0),
        matches=found,
        rejected=rejected,
        resumed=resumed,
        matched_media=len({m.media_sha256 for m in found}),
        locations=store.scans.locations(scan_id, {m.media_sha256 for m in found}),
        counts=counts,
    )


class _Writer:
    """Buffers outcomes, matches them in batches and records each batch in one transaction."""

    def __init__(
        self, store: Store, run: ScanRun, matcher: Matcher, progress: ScanProgress | None
    ) -> None:
        self.store, self.run, self.matcher, self.progress = store, run, matcher, progress
        self.buffer: list[ScannedItem] = []
        self.recorded = 0
        self.hashed = 0
        self.last_flush = time.monotonic()

    def add(self, item: ScannedItem) -> None:
        self.buffer.append(item)
        if len(self.buffer) >= BATCH_ITEMS or time.monotonic() - self.last_flush > BATCH_SECONDS:
            self.flush()

    def flush(self) -> None:
        if not self.buffer:
            return
        hashed = [i for i in self.buffer if i.hashes is not None]
        found = self.matcher.match([i.hashes for i in hashed if i.hashes is not None])
        by_item = {id(i): m for i, m in zip(hashed, found, strict=True)}
        items = [
            ScannedItem(
                i.location, i.hashes, i.rejection, by_item.get(id(i), ()), i.mtime_ns, i.reused
            )
            for i in self.buffer
        ]
        self.store.scans.record(self.run.id, items)
        self.recorded += len(items)
        self.hashed += sum(1 for i in items if i.hashes is not None and not i.reused)
        if self.progress is not None:
            self.progress.advance(
                len(items),
                matched=sum(1 for i in items if i.matches),
                rejected=sum(1 for i in items if i.rejection is not None),
            )
        self.buffer = []
        self.last_flush = time.monotonic()


class _CtrlC:
    """Ctrl-C asks the scan to stop after the files being hashed, instead of raising wherever
    the main thread is: inside the pool's bookkeeping or a database driver's wait, where an
    exception can leave a lock held and the process hung (seen on PostgreSQL). A second
    Ctrl-C raises at once. Outside the main thread signals cannot be handled: nothing changes."""

    def __init__(self) -> None:
        self.pressed = False
        self._previous: Any = None
        self._installed = False

    def __enter__(self) -> _CtrlC:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._press)
            self._installed = True
        return self

    def _press(self, signum: int, frame: FrameType | None) -> None:
        if self.pressed:
            raise KeyboardInterrupt
        self.pressed = True

    def __exit__(self, *exc: object) -> None:
        if self._installed:
            signal.signal(signal.SIGINT, self._previous)


class _Pipeline:
    """Feeds locations to the pool, reusing hashes of files already seen (same inode or
    same location, size and mtime in the store) so that each file is read once."""

    def __init__(self, store: Store, options: ScanOptions, writer: _Writer, workers: int) -> None:
        self.store, self.options, self.writer = store, options, writer
        self.inflight: dict[Future[HashOutcome], tuple[MediaLocation, Identity | None]] = {}
        self.by_identity: dict[Identity, HashOutcome | list[MediaLocation]] = {}
        self.limit = INFLIGHT_PER_WORKER * workers

    def feed(self, item: MediaLocation | RejectedMedia, pool: Executor | None) -> None:
        if isinstance(item, RejectedMedia):
            location = MediaLocation(item.key, item.display, item.key)
            self.writer.add(ScannedItem(location, None, item))
            return
        identity = _identity(item)
        if identity is not None and self._known(item, identity):
            return
        if pool is None:
            self._done(hash_location(item, self.options), identity)
            return
        future = pool.submit(hash_location, item, self.options)
        self.inflight[future] = (item, identity)
        while len(self.inflight) >= self.limit:
            self._collect(FIRST_COMPLETED)

    def drain(self, ctrl_c: _CtrlC | None = None) -> None:
        """Wait for the files in flight; after Ctrl-C, those not started yet are dropped
        (the run resumes them) and only those being hashed are waited for."""
        while self.inflight:
            if ctrl_c is not None and ctrl_c.pressed:
                for future in [f for f in self.inflight if f.cancel()]:
                    del self.inflight[future]
                if not self.inflight:
                    return
            self._collect(FIRST_COMPLETED)

    def _collect(self, how: str) -> None:
        finished, _ = wait(list(self.inflight), return_when=how)
        for future in finished:
            _, identity = self.inflight.pop(future)
            self._done(future.result(), identity)

    def _known(self, item: MediaLocation, identity: Identity) -> bool:
        seen = self.by_identity.get(identity)
        if isinstance(seen, list):
            seen.append(item)
            return True
        if seen is not None:
            self._reuse(item, seen, identity)
            return True
        stored = self.store.scans.known_location(
            item.key, identity[2], identity[3], fast=self.options.fast
        )
        if stored is not None:
            self.writer.add(ScannedItem(item, stored, None, (), identity[3], reused=True))
            return True
        self.by_identity[identity] = []
        return False

    def _done(self, outcome: HashOutcome, identity: Identity | None) -> None:
        mtime = identity[3] if identity else None
        self.writer.add(ScannedItem(outcome.location, outcome.hashes, outcome.rejection, (), mtime))
        if identity is None:
            return
        waiting = self.by_identity.get(identity)
        self.by_identity[identity] = outcome
        for location in waiting if isinstance(waiting, list) else []:
            self._reuse(location, outcome, identity)

    def _reuse(self, location: MediaLocation, outcome: HashOutcome, identity: Identity) -> None:
        rejection = None
        if outcome.rejection is not None:
            rejection = RejectedMedia(
                location.key, location.display, outcome.rejection.reason, outcome.rejection.code
            )
        self.writer.add(
            ScannedItem(location, outcome.hashes, rejection, (), identity[3], reused=True)
        )


def _identity(item: MediaLocation) -> Identity | None:
    if item.member is not None:
        return None
    try:
        st = os.stat(item.fs_path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


_START_METHOD = "fork" if "fork" in get_all_start_methods() else "spawn"
"""Forked workers start in milliseconds and need no ``__main__`` guard in the caller's script.
They are forked before this process starts a thread or loads faiss, and use neither."""


def _ready() -> None:
    """A no-op task that makes the pool start its processes."""


def _leave_interrupts() -> None:
    """Hashing processes ignore Ctrl-C: the scan's own process stops them and keeps what
    they finished (Ctrl-C reaches every process of the terminal's group)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def worker_count(workers: int | None) -> int:
    """The number of hashing processes: as asked, else one per core this process may use."""
    if workers is not None:
        return workers
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


@contextmanager
def _executor(workers: int | None) -> Iterator[Executor | None]:
    """A pool of ``workers`` processes (one per core by default); 0 hashes in this process."""
    count = worker_count(workers)
    if count <= 0:
        yield None
        return
    pool = ProcessPoolExecutor(
        max_workers=count, mp_context=get_context(_START_METHOD), initializer=_leave_interrupts
    )
    pool.submit(_ready)  # starts every worker now, before this process starts any thread
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
