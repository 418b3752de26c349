"""What a chat export file looks like, from its first bytes, so that a file given under the
wrong format is refused with a clear error instead of being read into empty messages.

Each format is told by its shape, not its name:

- Telegram Desktop: a JSON object with the sections of a full-account export
  (``about``, ``personal_information``, ``chats``...), or ``messages`` whose items have
  ``date`` or ``date_unixtime``;
- DiscordChatExporter: a JSON object with ``guild`` and ``channel``, or ``messages`` whose
  items have ``author`` and ``timestamp``;
- WhatsApp: text whose lines start with a date and time (``whatsapp.lines``);
- a zip archive, by its magic bytes.

Only the start of the file is read (``SNIFF_BYTES`` at most), streamed. A file whose JSON
breaks before its shape shows is left to its parser, which reports where it breaks.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO, cast

import ijson

from crible.ingest.whatsapp.lines import match_header
from crible.jsonguard import DigitGuard, UnreadableJson
from crible.model.errors import BadInput
from crible.sources.walk import ZIP_HEADS

SNIFF_BYTES = 8 * 1024**2
"""Most bytes read to tell a file's format."""

TEXT_LINES = 200
"""Lines of a text file looked at for a WhatsApp date header."""

NAMES = {
    "telegram": "a Telegram Desktop export (result.json)",
    "discord": "a DiscordChatExporter JSON export",
    "whatsapp": "a WhatsApp text export",
    "zip": "a zip archive",
    "json": "JSON that is no known chat export",
    "text": "text that is no known chat export",
}
"""What each verdict says a file is, in an error."""

BROKEN, UNDECIDED = "broken", "undecided"
"""Verdicts that refuse nothing, like "empty" and "text" (no format's shape): the parser
then says where the JSON breaks or that no message line is there."""

_TELEGRAM_SECTIONS = frozenset(
    {"about", "personal_information", "profile_pictures", "contacts", "chats", "left_chats"}
)
_CHAT_HEADER = frozenset({"name", "type", "id"})
_ITEMS_LOOKED_AT = 20


def check(stream: BinaryIO, claimed: str, source: str) -> None:
    """Refuse a file that does not look like ``claimed``, naming what it looks like."""
    found = looks_like(stream)
    if found in (claimed, BROKEN, UNDECIDED, "empty", "text"):
        return  # the parser says where the JSON breaks, or that no message line is there
    hint = f"; ingest it with `crible ingest {found}`" if found in _COMMANDS else ""
    raise BadInput(f"not {NAMES[claimed]}: it looks like {NAMES[found]}{hint}", source=source)


_COMMANDS = frozenset({"telegram", "discord", "whatsapp"})


def looks_like(stream: BinaryIO) -> str:
    """The verdict on a file read from its start: a key of ``NAMES``, "empty", BROKEN or
    UNDECIDED."""
    head = stream.read(4096)
    if not head.strip():
        return "empty"
    if head[:4] in ZIP_HEADS:
        return "zip"
    body = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    rest = _Capped(stream, SNIFF_BYTES - len(head))
    if body[:1] == b"{" or (body[:1] == b"[" and _text_shape(head) != "whatsapp"):
        joined = cast(BinaryIO, _Joined(head, rest))  # reads like a binary file
        return _json_shape(DigitGuard(joined))  # (iOS WhatsApp lines start with "[" too)
    return _text_shape(head + rest.read(64 * 1024))


def _text_shape(data: bytes) -> str:
    """``whatsapp`` when one of the first lines starts with a date and time."""
    lines = data.decode("utf-8", errors="replace").splitlines()[:TEXT_LINES]
    return "whatsapp" if any(match_header(line) for line in lines) else "text"


def _json_shape(stream: DigitGuard) -> str:
    """The verdict on JSON, from its top-level keys and the keys of its first messages."""
    top: set[str] = set()
    items = 0
    keys: set[str] = set()
    try:
        for prefix, event, value in _events(stream):
            if prefix == "" and event == "start_array":
                return "json"
            if prefix == "" and event == "map_key":
                top.add(value)
                if value in _TELEGRAM_SECTIONS:
                    return "telegram"
                if {"guild", "channel"} <= top:
                    return "discord"
            elif prefix == "messages.item" and event == "map_key":
                keys.add(value)
            elif prefix == "messages.item" and event == "end_map":
                verdict = _message_shape(keys)
                if verdict is not None:
                    return verdict
                items, keys = items + 1, set()
                if items >= _ITEMS_LOOKED_AT:
                    return "json"
            elif prefix == "messages" and event == "end_array":
                return _header_shape(top) if items == 0 else "json"
    except _Exhausted:
        return UNDECIDED
    except (ijson.JSONError, ValueError, ArithmeticError, UnreadableJson):
        return BROKEN
    return _header_shape(top)


def _message_shape(keys: set[str]) -> str | None:
    """Which format writes a message with these keys, if one does."""
    if "date" in keys or "date_unixtime" in keys:
        return "telegram"
    if "author" in keys and "timestamp" in keys:
        return "discord"
    return None


def _header_shape(top: set[str]) -> str:
    """The verdict on an object whose messages (if any) said nothing."""
    if "guild" in top or "channel" in top:
        return "discord"
    if top and top <= _CHAT_HEADER | {"messages"} and "messages" in top:
        return "telegram"
    return "json"


def _events(stream: DigitGuard) -> Iterator[tuple[str, str, Any]]:
    """ijson's prefixed events."""
    yield from ijson.parse(stream, buf_size=16 * 1024)


class _Exhausted(Exception):
    """More than ``SNIFF_BYTES`` were needed."""


class _Capped:
    """A stream that raises ``_Exhausted`` once its budget is read."""

    def __init__(self, stream: BinaryIO, budget: int) -> None:
        self._stream = stream
        self._budget = budget

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes within the budget."""
        if self._budget <= 0:
            raise _Exhausted
        wanted = self._budget if size < 0 else min(size, self._budget)
        data = self._stream.read(wanted)
        self._budget -= len(data)
        return data


class _Joined:
    """The bytes already read, then the rest of the stream."""

    def __init__(self, head: bytes, rest: _Capped) -> None:
        self._head = head
        self._rest = rest

    def read(self, size: int = -1) -> bytes:
        """The next bytes."""
        if self._head:
            take = len(self._head) if size < 0 else size
            data, self._head = self._head[:take], self._head[take:]
            return data
        return self._rest.read(size)
