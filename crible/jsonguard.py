"""A guard for streaming JSON readers (hash lists, chat exports) against input that would
crash the C parser rather than raise."""

from __future__ import annotations

import re
from typing import BinaryIO

BOM = b"\xef\xbb\xbf"
MAX_DIGITS = 600
"""Longest run of digits let through to the parser (see ``DigitGuard``)."""

_LONG_RUN = re.compile(rb"[0-9]{%d}" % (MAX_DIGITS + 1))


class UnreadableJson(Exception):
    """The JSON cannot be read past this point."""


class DigitGuard:
    """A byte stream that stops at a run of more than ``MAX_DIGITS`` digits.

    Measured reason: ijson 3.6's yajl2_c backend crashes the interpreter (segmentation
    fault) on an integer literal longer than Python's 4300-digit conversion limit, so such
    input must never reach it. No value in a hash list or a chat export comes near 600 digits.
    """

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self._run = 0
        self._started = False
        self._refused = False

    def read(self, size: int = -1) -> bytes:
        """Read like the wrapped stream, minus a leading BOM; stop before a long digit run."""
        if self._refused:
            raise UnreadableJson(f"a number of more than {MAX_DIGITS} digits")
        chunk = self._raw.read(size)
        if not self._started and chunk:
            self._started = True
            while BOM.startswith(chunk) and (more := self._raw.read(len(BOM) - len(chunk))):
                chunk += more  # a small read may have cut the BOM
            chunk = chunk.removeprefix(BOM)
            if not chunk:  # nothing but the BOM so far: an empty read would mean the end
                return self.read(size)
        head = len(chunk) - len(chunk.lstrip(b"0123456789"))
        found = _LONG_RUN.search(chunk)
        if self._run + head > MAX_DIGITS or found:
            self._refused = True
            start = 0 if self._run + head > MAX_DIGITS or found is None else found.start()
            if start == 0:
                raise UnreadableJson(f"a number of more than {MAX_DIGITS} digits")
            return chunk[:start]
        tail = len(chunk) - len(chunk.rstrip(b"0123456789"))
        self._run = self._run + head if head == len(chunk) else tail
        return chunk
