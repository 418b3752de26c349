"""Streamed JSON for DiscordChatExporter files: ijson events, bounded values, byte offsets.

Values are built from ijson's events one message at a time, within bounds: nesting
deeper than ``MAX_DEPTH`` is skipped, not built; arrays and objects keep their first
``MAX_ITEMS`` members; strings are cut at ``MAX_STRING_CHARS``; one value holds at most
``MAX_VALUE_CHARS`` characters of strings in all. Each bound hit is noted, so the
caller can report it. When the JSON breaks, ``JsonBroken`` gives the byte offset where
the parser stopped (exact for a truncated file, within a token otherwise).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, BinaryIO

import ijson

# Shared with the VICS reader: yajl2_c crashes on integer literals of more than 4300 digits.
from crible.jsonguard import DigitGuard, UnreadableJson

MAX_DEPTH = 16
MAX_ITEMS = 10_000
MAX_STRING_CHARS = 65_536
MAX_VALUE_CHARS = 4 * 1024 * 1024
_BUFFER = 64 * 1024
_BOM = b"\xef\xbb\xbf"
_ARROW_COLUMN = 40
_KEY_CHARS = 256
_STARTS = frozenset({"start_map", "start_array"})
_ENDS = frozenset({"end_map", "end_array"})
_PARSER_ERRORS = (ijson.JSONError, ValueError, ArithmeticError, UnreadableJson)

Event = tuple[str, Any]


class JsonBroken(Exception):
    """The JSON cannot be read past ``offset``."""

    def __init__(self, reason: str, offset: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.offset = offset


class _Counting:
    """A byte stream that remembers the last chunk it gave and where that chunk began."""

    def __init__(self, raw: DigitGuard) -> None:
        self._raw = raw
        self.total = 0
        self.chunk = b""
        self.chunk_start = 0

    def read(self, size: int = -1) -> bytes:
        """Read from the wrapped stream, keeping count."""
        self.chunk_start = self.total
        self.chunk = self._raw.read(size)
        self.total += len(self.chunk)
        return self.chunk


class Events:
    """The parser's events over a seekable binary stream; failures become ``JsonBroken``."""

    def __init__(self, stream: BinaryIO) -> None:
        self._bom = len(_BOM) if stream.read(len(_BOM)) == _BOM else 0
        stream.seek(0)
        self._reader = _Counting(DigitGuard(stream))
        self._events: Iterator[Event] = ijson.basic_parse(self._reader, buf_size=_BUFFER)
        self.notes: list[str] = []
        self._budget = MAX_VALUE_CHARS

    def next(self) -> Event:
        """The next event; the end of input here means the JSON was cut short."""
        try:
            event: Event | None = next(self._events, None)
        except _PARSER_ERRORS as exc:
            raise JsonBroken(_first_line(exc), self._offset(exc)) from exc
        if event is None:
            raise JsonBroken("the JSON ends too early", self.position())
        return event

    def at_end(self) -> bool:
        """Whether the document ends here (raises ``JsonBroken`` on trailing data)."""
        try:
            return next(self._events, None) is None
        except _PARSER_ERRORS as exc:
            raise JsonBroken(_first_line(exc), self._offset(exc)) from exc

    def position(self) -> int:
        """How many bytes of the file the parser has been given so far."""
        return self._bom + self._reader.total

    def members(self) -> Iterator[str]:
        """The keys of the object being read; the caller reads each key's value."""
        while (event := self.next())[0] != "end_map":
            yield str(event[1])

    def value(self, event: Event | None = None) -> Any:
        """The value that ``event`` (or the next event) starts, within the bounds."""
        self.notes = []
        self._budget = MAX_VALUE_CHARS
        kind, value = event or self.next()
        if kind not in _STARTS:
            return self._scalar(kind, value)
        root: dict[str, Any] | list[Any] = {} if kind == "start_map" else []
        try:
            self._fill(root)
        except StopIteration:
            raise JsonBroken("the JSON ends too early", self.position()) from None
        except _PARSER_ERRORS as exc:
            raise JsonBroken(_first_line(exc), self._offset(exc)) from exc
        return root

    def skip(self, event: Event) -> None:
        """Read past the value ``event`` starts, building nothing."""
        depth = 1 if event[0] in _STARTS else 0
        while depth:
            kind = self.next()[0]
            depth += kind in _STARTS
            depth -= kind in _ENDS

    def _fill(self, root: dict[str, Any] | list[Any]) -> None:
        """Read the members of ``root`` (and theirs) from the events, iteratively."""
        stack: list[Any] = [root]
        events, key = self._events, ""
        while stack:
            kind, value = next(events)
            if kind == "map_key":
                key = value
                continue
            if kind in _ENDS:
                stack.pop()
                continue
            top = stack[-1]
            if len(top) >= MAX_ITEMS:
                self._over_items((kind, value))
                continue
            child: Any
            if kind in _STARTS:
                if len(stack) >= MAX_DEPTH:
                    self.notes.append(f"a value nested deeper than {MAX_DEPTH} levels was skipped")
                    self.skip((kind, value))
                    child = None
                else:
                    child = {} if kind == "start_map" else []
                    stack.append(child)
            else:
                child = self._scalar(kind, value)
            if type(top) is dict:
                top[key if len(key) <= _KEY_CHARS else self._string(key)] = child
            else:
                top.append(child)

    def _scalar(self, kind: str, value: Any) -> Any:
        """A string (bounded), a number (a float or text for a decimal), true, false or null."""
        if kind == "string":
            size = len(value)
            if size <= MAX_STRING_CHARS and size <= self._budget:
                self._budget -= size
                return value
            return self._string(value)
        if kind == "number" and type(value) is not int:
            return _number(value)
        return value

    def _over_items(self, item: Event) -> None:
        """Skip a member past MAX_ITEMS, noting it once."""
        note = f"items past the first {MAX_ITEMS} of an array or object were skipped"
        if note not in self.notes:
            self.notes.append(note)
        self.skip(item)

    def _string(self, text: str) -> str:
        """A string, cut at MAX_STRING_CHARS and within the value's budget."""
        room = max(0, min(MAX_STRING_CHARS, self._budget))
        if len(text) > room:
            self.notes.append(f"a string of {len(text)} characters was cut to {room}")
            text = text[:room]
        self._budget -= len(text)
        return text

    def _offset(self, exc: BaseException) -> int:
        """The byte offset in the file where the parser failed."""
        reader = self._reader
        if isinstance(exc, UnreadableJson):
            return self.position()
        return self._bom + reader.chunk_start + _offset_in_chunk(exc, reader.chunk)


def _offset_in_chunk(exc: BaseException, chunk: bytes) -> int:
    """Where in ``chunk`` yajl's message points (its context line has the error at col 40)."""
    message = exc.args[0] if exc.args else b""
    raw = message if isinstance(message, bytes) else str(message).encode("utf-8", "replace")
    lines = raw.split(b"\n")
    if len(lines) < 3 or b"(right here)" not in lines[2]:
        return len(chunk)
    after = lines[1][_ARROW_COLUMN:]
    if len(after) < 30:
        return max(0, len(chunk) - len(after))
    before = lines[1][_ARROW_COLUMN - 30 : _ARROW_COLUMN].lstrip(b" ")
    flat = chunk.replace(b"\n", b" ").replace(b"\r", b" ")
    found = flat.find(before + after)
    return found + len(before) if found >= 0 else len(chunk)


def _number(value: Any) -> Any:
    """An integer as is; a decimal as a float when finite, else as text."""
    if isinstance(value, Decimal):
        as_float = float(value)
        return as_float if math.isfinite(as_float) else str(value)
    return value


def _first_line(exc: BaseException) -> str:
    """The first line of a parser error, as text."""
    message = exc.args[0] if exc.args else type(exc).__name__
    if isinstance(message, bytes):
        message = message.decode("utf-8", errors="replace")
    lines = str(message).strip().splitlines()
    return (lines[0] if lines else type(exc).__name__)[:200]
