"""CSV hash lists with a header: the HMA/ThreatExchange shape and common variants.

Reading: the first line that is not blank and not a ``#`` comment is the header; its
delimiter (``,`` ``;`` or tab, the most frequent) is used for every row. Column names are
matched case-insensitively and unknown columns (HMA's optional ones) are ignored:

- the hash: ``signal_value``, ``hash``, ``value``, ``hash_value``; its type: ``signal_type``,
  ``type``, ``hash_type`` (a row's own type wins over the options' type);
- columns named after a type (``md5``, ``sha1``, ``sha256``, ``pdq``, ``photodna`` and the
  other names the signal registry knows): one entry per non-empty cell;
- ``category`` with ``scheme`` / ``category_scheme`` (else the options' scheme);
  ``id`` / ``external_id`` / ``media_id``.

A header without a hash column raises ``InvalidList``. A row is read whole or rejected
whole (with its physical line number): wrong number of fields, bad quoting, unknown type,
bad hash, unknown category, no hash at all. Blank rows are skipped; rows are one physical
line each (hash lists have no multi-line fields).

Writing: ``signal_type,signal_value,category_scheme,category,external_id``; the first two
columns are the HMA bank-content shape.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO, TextIO

from crible.banks.formats import (
    Line,
    ParseOptions,
    ParseResult,
    make_entry,
    read_lines,
    rejected,
    resolve_type,
    strip_comment,
)
from crible.model.banks import Bank, HashEntry, RejectedLine
from crible.model.categories import Category
from crible.model.errors import BadInput, InvalidHash, InvalidList
from crible.model.signals import SignalType
from crible.signals.registry import signal_type_named

HEADER = ("signal_type", "signal_value", "category_scheme", "category", "external_id")

_ROLES: dict[str, tuple[str, ...]] = {
    "value": ("signal_value", "hash", "value", "hash_value"),
    "type": ("signal_type", "type", "hash_type"),
    "category": ("category",),
    "scheme": ("scheme", "category_scheme"),
    "external_id": ("external_id", "id", "media_id"),
}


@dataclass(frozen=True)
class Columns:
    """Where a CSV header puts each thing crible reads."""

    delimiter: str
    width: int
    roles: dict[str, int]
    typed: tuple[tuple[int, SignalType], ...]

    def cell(self, row: list[str], role: str) -> str:
        """The stripped cell of a row for a role, '' where the header has no such column."""
        index = self.roles.get(role)
        return "" if index is None else row[index].strip()


def parse(stream: BinaryIO, source: str, options: ParseOptions) -> Iterator[ParseResult]:
    """Yield the entries of each row, or a rejection naming its line and reason."""
    lines = read_lines(stream)
    columns: Columns | None = None
    default = options.default_category()
    for line in lines:
        if isinstance(line, RejectedLine):
            if columns is None:
                raise InvalidList(
                    f"header unreadable: {line.reason}", source=source, line=line.line
                )
            yield line
        elif columns is None:
            if strip_comment(line.text):
                columns = read_header(line, source)
        elif line.text.strip():
            yield from _read_row(line, columns, default, options)


def read_header(line: Line, source: str) -> Columns:
    """Map a header line's columns to roles; raise InvalidList if no column holds hashes."""
    delimiter = max(",;\t", key=line.text.count)
    try:
        names = [name.strip().lower() for name in _split(line.text, delimiter)]
    except csv.Error as exc:
        raise InvalidList(
            f"bad CSV quoting in the header: {exc}", source=source, line=line.number
        ) from exc
    roles: dict[str, int] = {}
    typed: list[tuple[int, SignalType]] = []
    for index, name in enumerate(names):
        role = next((role for role, known in _ROLES.items() if name in known), None)
        if role is not None:
            roles.setdefault(role, index)
        elif (signal_type := _type_named(name)) is not None:
            typed.append((index, signal_type))
    if "value" not in roles and not typed:
        found = ", ".join(repr(name) for name in names[:10])
        raise InvalidList(
            f"no hash column in the header ({found}): expected signal_value, hash or value, "
            "or columns named after a type (md5, sha1, sha256, pdq, photodna)",
            source=source,
            line=line.number,
        )
    return Columns(delimiter, len(names), roles, tuple(typed))


def _type_named(name: str) -> SignalType | None:
    """The signal type a column is named after, if any."""
    try:
        return signal_type_named(name)
    except InvalidHash:
        return None


def _split(text: str, delimiter: str) -> list[str]:
    """The fields of one line; raises csv.Error on bad quoting."""
    return next(csv.reader([text], delimiter=delimiter, strict=True), [])


def _read_row(
    line: Line, columns: Columns, default: Category | None, options: ParseOptions
) -> Iterator[ParseResult]:
    """The entries of a row, or one rejection for the whole row."""
    try:
        row = _split(line.text, columns.delimiter)
    except csv.Error as exc:
        yield rejected(line.number, f"bad CSV quoting: {exc}", line.text)
        return
    if len(row) != columns.width:
        reason = f"expected {columns.width} fields, found {len(row)}"
        yield rejected(line.number, reason, line.text)
        return
    try:
        entries = list(_entries(row, line.number, columns, default, options))
    except BadInput as exc:
        yield rejected(line.number, exc.reason, line.text)
        return
    yield from entries


def _entries(
    row: list[str], number: int, columns: Columns, default: Category | None, options: ParseOptions
) -> Iterator[HashEntry]:
    """Read every hash of a row; raises BadInput at the first thing that is wrong."""
    category = _category(row, columns, options) or default
    external_id = columns.cell(row, "external_id") or None
    found = False
    if value := columns.cell(row, "value"):
        signal_type = resolve_type(columns.cell(row, "type"), value, options)
        yield make_entry(signal_type, value, number, category, external_id)
        found = True
    for index, signal_type in columns.typed:
        if cell := row[index].strip():
            yield make_entry(signal_type, cell, number, category, external_id)
            found = True
    if not found:
        raise BadInput("no hash value in this row")


def _category(row: list[str], columns: Columns, options: ParseOptions) -> Category | None:
    """The category a row gives, read in its scheme; None if it gives none."""
    code = columns.cell(row, "category")
    if not code:
        return None
    return options.category_for(code, columns.cell(row, "scheme") or None)


def export(entries: Iterable[HashEntry], out: TextIO, bank: Bank) -> int:
    """Write a header and one row an entry; return how many entries were written."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    count = 0
    for entry in entries:
        category = entry.category
        writer.writerow(
            (
                entry.signal_type.value,
                entry.value,
                category.scheme if category else "",
                category.code if category else "",
                entry.external_id or "",
            )
        )
        count += 1
    return count
