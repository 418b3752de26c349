"""Bank use cases: import a hash list, list, show, enable/disable, delete, export."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO, TextIO

from crible.banks.formats import FORMATS, ParseOptions, detect_format
from crible.model.audit import AuditAction
from crible.model.banks import Bank, BankStats, HashEntry, ImportReport, Provenance, RejectedLine
from crible.model.categories import make_category, scheme_named
from crible.model.errors import BadInput, UserError
from crible.model.signals import SignalType
from crible.services import audit
from crible.signals.crypto import hash_file
from crible.store import Store

PROGRESS_EVERY = 5000
"""Parsed items between two progress reports of an import."""


def import_list(
    store: Store,
    path: Path,
    *,
    bank: str,
    fmt: str | None = None,
    signal_type: SignalType | None = None,
    scheme: str | None = None,
    category: str | None = None,
    provenance: Provenance | None = None,
    description: str | None = None,
    strict: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import the hash list at ``path`` into ``bank`` (created if new), in one transaction.

    Lines that cannot be read are reported with their number and reason and the rest
    is kept; with ``strict`` the first one aborts the import and nothing is stored.
    ``progress`` is called now and then with (bytes read, file size).
    """
    if not path.is_file():
        raise UserError(f"{path}: no such file")
    chosen = fmt or _detect(path)
    if chosen not in FORMATS:
        raise UserError(f"unknown list format {chosen!r} (known: {', '.join(sorted(FORMATS))})")
    scheme_name = scheme_named(scheme).name if scheme else None
    if category is not None:
        if scheme_name is None:
            raise UserError("--category needs --scheme: a category means nothing without it")
        make_category(scheme_name, category)
    options = ParseOptions(signal_type=signal_type, scheme=scheme_name, category=category)
    target = Bank(
        name=bank,
        provenance=provenance or Provenance(),
        scheme=scheme_name,
        description=description,
    )
    digest = hash_file(path).sha256
    with path.open("rb") as stream:
        items = FORMATS[chosen].parse(stream, str(path), options)
        if progress is not None:
            items = _reporting(items, stream, path.stat().st_size, progress)
        return store.banks.import_list(
            target, items, source=str(path), source_sha256=digest, fmt=chosen, strict=strict
        )


def list_banks(store: Store) -> list[BankStats]:
    """Every bank with its counts."""
    return [store.banks.stats(b.name) for b in store.banks.all()]


def show_bank(store: Store, name: str) -> BankStats:
    """One bank with its counts by signal type and category."""
    return store.banks.stats(name)


def set_enabled(store: Store, name: str, enabled: bool, *, actor: str | None = None) -> Bank:
    """Enable or disable matching against a bank (recorded in the audit log)."""
    bank = store.banks.set_enabled(name, enabled)
    audit.record(
        store, actor or audit.local_actor(), AuditAction.BANK_CHANGE, name, enabled=enabled
    )
    return bank


def delete_bank(store: Store, name: str, *, actor: str | None = None) -> int:
    """Delete a bank, its entries and the matches against them (recorded in the audit log)."""
    removed = store.banks.delete(name)
    audit.record(
        store, actor or audit.local_actor(), AuditAction.BANK_CHANGE, name, change="delete"
    )
    return removed


def export_bank(store: Store, name: str, out: TextIO, *, fmt: str = "csv") -> int:
    """Write a bank's entries in a list format; returns how many were written."""
    if fmt not in FORMATS:
        raise UserError(f"unknown list format {fmt!r} (known: {', '.join(sorted(FORMATS))})")
    bank = store.banks.get(name)
    return FORMATS[fmt].export(store.banks.entries(name), out, bank)


def _reporting(
    items: Iterator[HashEntry | RejectedLine],
    stream: BinaryIO,
    size: int,
    progress: Callable[[int, int], None],
) -> Iterator[HashEntry | RejectedLine]:
    """Pass the parsed items on, telling ``progress`` how far into the file the parser is."""
    for count, item in enumerate(items, 1):
        if count % PROGRESS_EVERY == 0:
            progress(stream.tell(), size)
        yield item
    progress(size, size)


def _detect(path: Path) -> str:
    try:
        with path.open("rb") as stream:
            head = stream.read(4096)
    except OSError as exc:
        raise BadInput(exc.strerror or str(exc), source=str(path)) from exc
    return detect_format(path, head)
