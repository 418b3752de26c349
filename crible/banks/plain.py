"""Plain hash lists: one hash a line.

Reading: lines are 1-based physical lines (split on ``\\n``; a ``\\r`` before it and a
UTF-8 byte-order mark at the start are dropped). Blank lines and lines whose first
non-blank character is ``#`` are skipped. A ``#`` preceded by whitespace starts a trailing
comment (``<hash>  # note``), which is dropped too; a ``#`` glued to the value is part of
it, so the line is rejected rather than guessed at. Everything else is one hash: its type
is the one given in the options, else the one its length says (32 hex digits MD5, 40 SHA-1;
64 is SHA-256 or PDQ and is rejected until a type is given). A line that is not UTF-8, or
longer than ``MAX_LINE_BYTES``, is rejected with its number.

Writing: ``#`` comment lines with the bank's name and provenance, then one value a line.
The signal type and category are not written: a list with both SHA-256 and PDQ values, or
with categories, should be exported as CSV or VICS instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
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
from crible.model.errors import BadInput


def parse(stream: BinaryIO, source: str, options: ParseOptions) -> Iterator[ParseResult]:
    """Yield an entry or a rejection for every line that is not blank or a comment."""
    category = options.default_category()
    for line in read_lines(stream):
        if isinstance(line, RejectedLine):
            yield line
            continue
        value = strip_comment(line.text)
        if value:
            yield _read(line, value, category, options)


def _read(line: Line, value: str, category: Category | None, options: ParseOptions) -> ParseResult:
    """The entry a line holds, or why it holds none."""
    try:
        signal_type = resolve_type(None, value, options)
        return make_entry(signal_type, value, line.number, category)
    except BadInput as exc:
        return rejected(line.number, exc.reason, line.text)


def export(entries: Iterable[HashEntry], out: TextIO, bank: Bank) -> int:
    """Write a provenance header, then one value a line; return how many values were written."""
    for comment in header_comments(bank):
        out.write(f"# {comment}\n")
    count = 0
    for entry in entries:
        out.write(f"{entry.value}\n")
        count += 1
    return count


def header_comments(bank: Bank) -> Iterator[str]:
    """The comment lines that head an exported plain list."""
    yield f"crible hash list, bank {_one_line(bank.name)}"
    known = bank.provenance
    for label, value in (
        ("provider", known.provider),
        ("list", known.list_name),
        ("version", known.version),
        ("published", known.published),
        ("terms", known.terms),
        ("category scheme", bank.scheme),
    ):
        if value:
            yield f"{label}: {_one_line(value)}"
    yield "one hash a line; 64 hex digits are SHA-256 or PDQ: give the type when importing"


def _one_line(text: str) -> str:
    """A text with its line breaks turned into spaces, so it stays inside one comment."""
    return " ".join(text.splitlines())
