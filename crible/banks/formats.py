"""Hash-list formats: the registry, the parse options and what every format shares.

A format parses a byte stream into a stream of ``HashEntry`` (what it could read) and
``RejectedLine`` (what it could not, with the 1-based line or record number and why):
nothing read is dropped silently except blank lines and comments. A format raises
``InvalidList`` only when the whole file is unusable (a CSV header without a hash column,
a JSON file that is not a VICS document); the service decides what a rejection means
(strict imports stop at the first one).

The format modules import the helpers below; this module imports them back at its end
to fill ``FORMATS``, and ``crible.banks`` imports this module first so the cycle always
resolves in that order.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TextIO

from crible.jsonguard import BOM
from crible.model.banks import Bank, HashEntry, RejectedLine
from crible.model.categories import Category, make_category, scheme_named
from crible.model.errors import BadInput
from crible.model.signals import SignalType
from crible.signals.registry import detect, normalise, signal_type_named

MAX_LINE_BYTES = 4096
"""Longest line a text format reads; a longer one is rejected without being held."""

PREVIEW_CHARS = 120
"""How much of a rejected line is kept in ``RejectedLine.text``."""


_INLINE_COMMENT = re.compile(r"\s+#")

ParseResult = HashEntry | RejectedLine


@dataclass(frozen=True)
class ParseOptions:
    """What the caller knows about a list: its signal type, its scheme, a default category.

    ``signal_type`` applies where the list does not say (a plain line, a CSV row without a
    type); otherwise the type is detected from the value, and 64 hex digits (SHA-256 or
    PDQ) are rejected. ``scheme`` reads category codes that come without one; ``category``
    (a code of ``scheme``) goes to entries the list gives no category.
    """

    signal_type: SignalType | None = None
    scheme: str | None = None
    category: str | None = None

    def __post_init__(self) -> None:
        if self.scheme is not None:
            object.__setattr__(self, "scheme", scheme_named(self.scheme).name)
        if self.category is not None and self.scheme is None:
            raise BadInput(f"category {self.category!r} needs its scheme (known: VIC-US, ...)")
        self.default_category()

    def default_category(self) -> Category | None:
        """The category given to entries that come without one, or None."""
        if self.category is None or self.scheme is None:
            return None
        return make_category(self.scheme, self.category)

    def category_for(self, code: str, scheme: str | None = None) -> Category:
        """Read a list's category code in its own scheme, else in the options' scheme."""
        named = scheme or self.scheme
        if named is None:
            raise BadInput(f"category {code!r} has no scheme: add a scheme column or give one")
        return make_category(named, code)


ParseFn = Callable[[BinaryIO, str, ParseOptions], Iterator[ParseResult]]
ExportFn = Callable[[Iterable[HashEntry], TextIO, Bank], int]


@dataclass(frozen=True)
class ListFormat:
    """A hash-list format registered under a name: a streaming parser and an exporter."""

    name: str
    parse: ParseFn
    export: ExportFn
    description: str = ""


@dataclass(frozen=True)
class Line:
    """One physical line of a text list, decoded, without its line ending."""

    number: int
    text: str


def read_lines(stream: BinaryIO) -> Iterator[Line | RejectedLine]:
    """Yield the 1-based physical lines of a stream; undecodable or huge ones as rejections."""
    number = 0
    while raw := stream.readline(MAX_LINE_BYTES + 2):
        number += 1
        if number == 1:
            raw = raw.removeprefix(BOM)
        if not raw.endswith(b"\n") and len(raw) > MAX_LINE_BYTES + 1:
            _skip_rest_of_line(stream)
        body = raw.removesuffix(b"\n").removesuffix(b"\r")
        if len(body) > MAX_LINE_BYTES:
            shown = body[: PREVIEW_CHARS + 1].decode("utf-8", errors="replace")
            yield rejected(number, f"line longer than {MAX_LINE_BYTES} bytes", shown)
            continue
        try:
            yield Line(number, body.decode("utf-8"))
        except UnicodeDecodeError as exc:
            reason = f"not UTF-8 text: byte 0x{body[exc.start]:02x} at column {exc.start + 1}"
            yield rejected(number, reason, body.decode("utf-8", errors="replace"))


def _skip_rest_of_line(stream: BinaryIO) -> None:
    """Read and drop the rest of an over-long line, a chunk at a time."""
    while chunk := stream.readline(65536):
        if chunk.endswith(b"\n"):
            return


def strip_comment(text: str) -> str:
    """A line without blanks or trailing comment; '' for a blank or comment line."""
    stripped = text.strip()
    if stripped.startswith("#"):
        return ""
    return _INLINE_COMMENT.split(stripped, maxsplit=1)[0]


def resolve_type(declared: str | None, value: str, options: ParseOptions) -> SignalType:
    """The signal type a list declares, else the one given, else the one the value's length says."""
    if declared:
        return signal_type_named(declared)
    if options.signal_type is not None:
        return options.signal_type
    return detect(value)


def make_entry(
    signal_type: SignalType,
    value: str,
    line: int,
    category: Category | None = None,
    external_id: str | None = None,
) -> HashEntry:
    """A hash entry with its value normalised; raises InvalidHash."""
    return HashEntry(signal_type, normalise(signal_type, value), category, external_id, line)


def rejected(line: int, reason: str, text: str = "") -> RejectedLine:
    """A rejection whose text is cut to a readable preview."""
    return RejectedLine(line, reason, preview(text))


def preview(text: str) -> str:
    """Cut a text to ``PREVIEW_CHARS`` characters."""
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 3] + "..."


def detect_format(path: Path, head: bytes) -> str:
    """Guess a list's format from its name, then from its first bytes."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        return "vics"
    if suffix in (".csv", ".tsv"):
        return "csv"
    text = head.removeprefix(BOM).decode("utf-8", errors="replace")
    if text.lstrip().startswith("{"):
        return "vics"
    first = next((kept for line in text.splitlines() if (kept := strip_comment(line))), "")
    return "csv" if any(sep in first for sep in ",;\t") else "plain"


from crible.banks import csvlist, plain, vics, vpdqlist  # noqa: E402  (they import the helpers above)

FORMATS: dict[str, ListFormat] = {
    fmt.name: fmt
    for fmt in (
        ListFormat("plain", plain.parse, plain.export, "one hash a line, '#' comments"),
        ListFormat("csv", csvlist.parse, csvlist.export, "CSV with a header (HMA shape)"),
        ListFormat("vics", vics.parse, vics.export, "Project VIC VICS JSON 1.x and 2.0"),
        ListFormat("vpdq", vpdqlist.parse, vpdqlist.export, "one video's vPDQ frames (vpdq)"),
    )
}
"""The hash-list formats crible reads and writes, by name."""
