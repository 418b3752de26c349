"""The bytes of an export as ijson reads them: counted, framed, probed, bounded.

ijson's C backend (yajl2_c) reads through ``Source.read``. The source knows the file offset
of every chunk it hands out, which places a JSON error. While probing it hands out one byte
at a time, so that the offset of the event being read is exact: the start of a single
chat's ``messages`` array, the start of a message where the careful reader hands back to
the fast one, the byte where the JSON breaks.

The fast reader (ijson's C ``items``) builds each message whole, and ijson's prefixes make
its memory grow with the square of the nesting depth (100,000 levels of ``[`` take over
20 GB). So a source given ``limits`` refuses, before the parser sees it, a chunk that would
make the bytes or the ``{``/``[`` characters read since the chunk in which the last message
ended exceed them: no message can then nest deeper than that count, whatever its strings
hold (TooLarge; the careful reader takes over).

Numbers are parsed with ``use_float=True``. Measured reason: with the default, the
yajl2_c backend of ijson 3.6 crashes the interpreter (segmentation fault) on an integer
of more than 4300 digits, the limit of Python's int conversion; with ``use_float=True``
yajl converts integers itself (64 bits) and reports a longer one as a JSON error
("integer overflow"). The byte filter ``crible.jsonguard.DigitGuard`` avoids the crash
too but halves the throughput (a regex over every chunk: 171 -> 69 MB/s for
``ijson.items`` on a generated export), and it also stops at a run of more than 600
digits inside a string, which a message text may hold. Telegram ids fit in 64 bits.
"""

from __future__ import annotations

from collections import deque
from typing import Any, BinaryIO

import ijson

CHUNK = 64 * 1024
"""Bytes handed to the parser at a time."""

PROBE_LIMIT = 64 * 1024
"""Bytes handed out one at a time at most, each time probing starts."""

JSON_ERRORS = (ijson.JSONError,)
"""What ijson raises on bytes that are not JSON (yajl checks UTF-8 and number sizes too)."""


class TooLarge(Exception):
    """A message takes more bytes, or more ``{``/``[``, than the fast reader allows."""


class Source:
    """A binary file read from ``start``, optionally after ``prefix`` bytes of framing."""

    def __init__(
        self,
        raw: BinaryIO,
        start: int,
        *,
        prefix: bytes = b"",
        chunk: int = CHUNK,
        probe: bool = False,
        limits: tuple[int, int] | None = None,
        precise_from: int | None = None,
    ) -> None:
        raw.seek(start)
        self._raw = raw
        self._prefix = prefix
        self._chunk = chunk
        self._limits = limits
        self._precise_from = precise_from
        self.step = chunk
        self._probe_end = 0
        self._last = 0
        self._chunk_opens = 0
        self._opens = 0
        self.offset = start
        """Offset in the file of the next byte to read."""
        self.chunk_start = start
        """Offset in the file of the last chunk handed out."""
        self._mark = start
        self.eof = False
        if probe:
            self.probe()

    @property
    def exact(self) -> bool:
        """Whether the last chunk was a single byte handed out while probing: the event
        being read then ends at ``offset`` exactly."""
        return self.step == 1 and self._last == 1

    def probe(self) -> None:
        """Hand out one byte at a time, for ``PROBE_LIMIT`` bytes at most."""
        self.step = 1
        self._probe_end = self.offset + PROBE_LIMIT

    def stop_probing(self) -> None:
        """Hand out whole chunks from now on."""
        self.step = self._chunk

    def take_mark(self) -> None:
        """Note that a message ended in the last chunk handed out (see ``limits``)."""
        self._mark = self.chunk_start
        self._opens = self._chunk_opens

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes: the framing first, then the file."""
        if size == 0:
            return b""
        if self._prefix:
            prefix, self._prefix = self._prefix, b""
            return prefix
        if self.step == 1 and self.offset >= self._probe_end:
            self.stop_probing()
        wanted = self.step if size < 0 else min(size, self.step)
        if self._precise_from is not None:
            ahead = self._precise_from - self.offset
            wanted = min(wanted, ahead) if ahead > 0 else 1
        chunk = self._raw.read(wanted)
        if self._limits is not None:
            self._check(chunk, *self._limits)
        self.chunk_start = self.offset
        self.offset += len(chunk)
        self._last = len(chunk)
        self.eof = not chunk
        return chunk

    def _check(self, chunk: bytes, most_bytes: int, most_opens: int) -> None:
        """Raise TooLarge if handing out ``chunk`` would pass a limit since the mark."""
        self._chunk_opens = chunk.count(b"{") + chunk.count(b"[")
        self._opens += self._chunk_opens
        if self.offset + len(chunk) - self._mark > most_bytes or self._opens > most_opens:
            raise TooLarge(f"more than {most_bytes} bytes or {most_opens} {{/[ in a message")


def events(source: Source) -> Any:
    """ijson's basic events (C backend) over a source."""
    return ijson.basic_parse(source, use_float=True, buf_size=CHUNK)


def items(source: Source, prefix: str) -> Any:
    """ijson's items at ``prefix`` (C backend, one dict a message) over a source."""
    return ijson.items(source, prefix, use_float=True, buf_size=CHUNK)


def error_offset(raw: BinaryIO, start: int, failed: Source) -> int:
    """The exact offset of the byte where the JSON broke in the last chunk ``failed`` read.

    A cut-short file breaks at its end. Otherwise the file is parsed again from ``start``
    (without building anything) in whole chunks up to that chunk, then a byte at a time.
    """
    if failed.eof:
        return failed.offset
    if failed.exact:
        return failed.offset - 1
    again = Source(raw, start, precise_from=failed.chunk_start)
    try:
        deque(events(again), maxlen=0)
    except JSON_ERRORS:
        return again.offset if again.eof else again.offset - 1
    return failed.chunk_start


def describe(exc: BaseException) -> str:
    """The first line of a parser error, as text."""
    message: Any = exc.args[0] if exc.args else type(exc).__name__
    if isinstance(message, bytes):
        message = message.decode("utf-8", errors="replace")
    lines = str(message).strip().splitlines()
    first = lines[0] if lines else type(exc).__name__
    return first.removeprefix("parse error: ").removeprefix("lexical error: ")[:200]
