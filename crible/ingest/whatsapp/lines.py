"""WhatsApp text exports, line by line: bounded reading and the header of a message line.

A message line starts with its date and time, in one of two shapes:

- Android: ``31.12.23, 23:59 - Name: text`` (also ``12/31/23, 11:59 PM - ``,
  ``12/31/2023, 11:59 p. m. - ``, ``2023-12-31 23:59 - ``);
- iOS: ``[31/12/2023, 23:59:59] Name: text`` (also ``[12/31/23, 11:59:59 PM] ``).

Day, month and year come in an order the file does not state (see ``dates``).
The marks WhatsApp sprinkles into its lines (U+200E LEFT-TO-RIGHT MARK, the other bidi
controls, a BOM) and its odd spaces (U+202F before AM/PM, U+00A0) are ignored while the
header is matched; the text after the header is returned exactly as written.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    from crible.ingest.archive import ChatFile

MAX_LINE_BYTES = 65536
"""Longest line kept; the rest of a longer line is read past, not held, and flagged."""

MARKS = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff")
"""Invisible direction marks WhatsApp writes around names, dates and placeholders."""

_PLAIN = str.maketrans(
    {**dict.fromkeys(MARKS), "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2007": " "}
)
_HEAD_CHARS = 200
_DATE = r"(?P<d1>\d{1,4})(?P<sep>[./-])(?P<d2>\d{1,2})(?P=sep)(?P<d3>\d{1,4})\.?"
_TIME = r"(?P<hour>\d{1,2})[:.](?P<minute>\d{2})(?:[:.](?P<second>\d{2}))?"
_MERIDIEM = r"(?: ?(?P<meridiem>[aApP]\.? ?[mM]\.?))?"
_IOS = re.compile(rf" *\[{_DATE},? {_TIME}{_MERIDIEM}\](?: |$)")
_ANDROID = re.compile(rf" *{_DATE},? {_TIME}{_MERIDIEM} [-–](?: |$)")


def plain(text: str) -> str:
    """Text without direction marks, with odd spaces made plain spaces."""
    return text if text.isascii() else text.translate(_PLAIN)


@dataclass(frozen=True)
class Line:
    """One line of the file: its 1-based number, its text, and what went wrong reading it."""

    number: int
    text: str
    cut: bool = False
    undecodable: bool = False


@dataclass(frozen=True)
class Header:
    """The date and time that start a message line, as written, and where its body begins."""

    style: str
    d1: str
    d2: str
    d3: str
    sep: str
    hour: int
    minute: int
    second: int
    meridiem: str | None
    body_start: int


def read_lines(source: ChatFile) -> Iterator[Line]:
    """The file's lines without their line ends; long lines cut, bad bytes replaced."""
    with source.open() as stream:
        number = 0
        while data := stream.readline(MAX_LINE_BYTES + 1):
            number += 1
            cut = len(data) > MAX_LINE_BYTES and not data.endswith(b"\n")
            if cut:
                data = data[:MAX_LINE_BYTES]
                _skip_rest(stream)
            data = data.removesuffix(b"\n").removesuffix(b"\r")
            text, undecodable = _decode(data, cut)
            if number == 1:
                text = text.removeprefix("\ufeff")
            yield Line(number, text, cut, undecodable)


def _skip_rest(stream: BinaryIO) -> None:
    """Read past the rest of a line too long to keep."""
    while (rest := stream.readline(MAX_LINE_BYTES)) and not rest.endswith(b"\n"):
        pass


def _decode(data: bytes, cut: bool) -> tuple[str, bool]:
    """UTF-8 text of a line; invalid bytes become U+FFFD and are flagged."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    try:
        return decoder.decode(data, final=not cut), False
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="replace"), True


def match_header(text: str) -> Header | None:
    """The header of a message line, or None for a line that continues a message."""
    head = text[:_HEAD_CHARS]
    if not head or not (head[0] in "[ 0123456789" or head[0] in MARKS):
        return None
    flat = plain(head)
    style, found = "ios", _IOS.match(flat)
    if found is None:
        style, found = "android", _ANDROID.match(flat)
    if found is None:
        return None
    groups = found.groupdict()
    return Header(
        style=style,
        d1=groups["d1"],
        d2=groups["d2"],
        d3=groups["d3"],
        sep=groups["sep"],
        hour=int(groups["hour"]),
        minute=int(groups["minute"]),
        second=int(groups["second"] or 0),
        meridiem=groups["meridiem"],
        body_start=found.end() if head.isascii() else _raw_index(head, found.end()),
    )


def _raw_index(raw: str, plain_index: int) -> int:
    """Where in ``raw`` the character at ``plain_index`` of its mark-free form lies."""
    seen = 0
    for index, char in enumerate(raw):
        if seen == plain_index:
            return index
        if char not in MARKS:
            seen += 1
    return len(raw)
