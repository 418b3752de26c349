"""Telegram Desktop JSON exports (``result.json``), streamed into ``crible.model.chats`` records.

A file that is not a Telegram Desktop export (by its shape: ``sniff``) is refused at once.

Shapes: a single-chat export (``{"name", "type", "id", "messages": [...]}``) yields its
ChatRef then its messages; a full-account export (``about``, ``personal_information``,
``contacts``, ``chats.list``, ``left_chats.list``, ...) yields an ExportInfo (owner and
contacts) first, then each chat of ``chats.list`` and ``left_chats.list`` with its messages.

Keys. A chat's key is its ``id`` as text (the bare peer id tdesktop writes); without an id
(hand-made files such as chat-miner's), ``"name:<name>"``, else ``"pos:<where>"``
(``pos:chats.list[2]``). A message's key is its ``id`` as text, else ``"pos:<index>"``, its
0-based index in the chat's ``messages`` array; ``position`` is its JSON path
(``chats.list[2].messages[41]``). An account's key is ``from_id`` / ``actor_id`` as written
("user123", "channel456", "chat789"); the legacy integer N of exports before April 2021
becomes ``"user<N>"`` (tdesktop then wrote user ids there; ``"peer<N>"`` if negative), the
integer kept in ``extra["from_id"]``; with a name only (``inviter``, chat-miner),
``"name:<name>"``. The owner and contacts: ``user<user_id>``, else ``phone:<number>``, else
``name:<first last>``.

Dates. ``date_unixtime`` (and ``edited_unixtime``) are preferred and give UTC datetimes.
Where only ``date`` (local time without zone) is readable, it is read in ``zone`` (an IANA
name; default UTC), converted to UTC, ``assumed_zone`` names the zone, and the text as
written stays in ``extra["date"]``.

Fields. ``text`` (a string, or a list of strings and entity objects) gives the plain text;
``text_entities`` (or the list) gives the entities other than ``plain``, their target in
``value`` (``href``, ``user<user_id>``, ``document_id``, ``language``). ``photo``, ``file``
(kind: its ``media_type``, else "file"), ``thumbnail`` and ``contact_vcard`` are media: a
value in parentheses is tdesktop's placeholder for a file not downloaded
(``exported=False``, ``note`` = the sentence); a path is kept as written, and the ingest
service refuses one that leaves the export folder. Service messages have
``kind="service"``, ``action``, the actor as ``sender``, ``members`` (names) and
``inviter`` (an account by name). A name-only ``from``/``actor`` of a group or channel, or
an ``inviter``, that is the chat's own name (a join by the group's link) is not a person:
no account, the name stays raw in ``extra``. A ``type`` other than "message" and "service" gives
``kind="unknown"``. Every field crible does not model stays raw in ``extra`` (strings cut at
10,000 characters, nesting at 20 levels), never fatal; unknown types and fields tdesktop is
not known to write (``message.KNOWN_FIELDS``) are counted in one last note at
``"export"``. Chat-level and top-level fields crible does not model are reported as
problems, except the full-export sections it knows (sessions, stories, ...).

Bounds and errors. Texts are cut at 1,000,000 characters; what was cut is reported and
listed in ``extra["crible:cut"]``. Malformed or truncated JSON yields one fatal problem at
``"byte <offset>"`` (exact: the first byte the parser could not accept, or the file's size
when the file is cut short) after every record read before it, and ends the parse.

Speed. A single chat's messages are read by ijson's C ``items``, one dict a message (62 MB/s
on 1 GB, against 36-46 MB/s building them from events in Python: ``benchmarks/ingest.py``).
A message larger than the fast reader's limits (``FAST_MESSAGE_BYTES``,
``FAST_MESSAGE_OPENS``) is read by the careful, event-by-event reader (``walk``),
which bounds size and nesting without building, and hands back to the fast reader at the
start of a following message. Full-account exports are read by the careful reader
throughout. Top-level keys after a single chat's ``messages`` are checked as JSON but not
reported (tdesktop writes none). Memory does not grow with the file.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from pathlib import Path
from typing import BinaryIO, TypeVar

from crible.ingest import sniff
from crible.ingest.telegram import stream
from crible.ingest.telegram.message import message_records
from crible.ingest.telegram.refs import Context
from crible.ingest.telegram.stream import JSON_ERRORS, Source, TooLarge, describe, error_offset
from crible.ingest.telegram.walk import FastStart, Resume, Walker
from crible.model.chats import ChatMessage, ExportNote, ExportProblem, ExportRecord
from crible.model.errors import BadInput

RESULT = "result.json"
BOM = b"\xef\xbb\xbf"

FAST_MESSAGE_BYTES = 256 * 1024
"""Most bytes one message may take in the fast reader (tdesktop's take a few kB)."""

FAST_MESSAGE_OPENS = 512
"""Most ``{`` and ``[`` one message may hold in the fast reader (tdesktop's: a few dozen).
With ``FAST_MESSAGE_BYTES``, this bounds the fast reader's memory (see stream)."""

FAST_CHUNK = 16 * 1024
"""Bytes the fast reader reads at a time (as fast as 64 KiB; the limits count closer)."""

_FRAME = b'{"messages":['
Result = TypeVar("Result")


def locate(path: Path) -> tuple[Path, Path]:
    """The export folder and its ``result.json``, from the folder, the file, or a folder
    holding exactly one export folder; BadInput naming the path otherwise."""
    if path.is_file():
        return path.parent, path
    if not path.is_dir():
        raise BadInput("no such file or folder", source=str(path))
    if (path / RESULT).is_file():
        return path, path / RESULT
    inner = sorted(child for child in path.iterdir() if (child / RESULT).is_file())
    if len(inner) == 1:
        return inner[0], inner[0] / RESULT
    if inner:
        names = ", ".join(child.name for child in inner)
        raise BadInput(f"several exports here ({names}): name one", source=str(path))
    raise BadInput(f"no {RESULT} here: not a Telegram Desktop export", source=str(path))


def parse(json_file: Path, *, zone: str | None = None) -> Iterator[ExportRecord]:
    """The records of a Telegram Desktop ``result.json``, streamed, in file order.

    ``zone`` is the IANA zone of the export's local dates (used only where a message has
    no Unix time); an unknown zone raises UserError at once, and a file that is not a
    Telegram Desktop export BadInput naming what it looks like.
    """
    ctx = Context.for_zone(zone)
    with json_file.open("rb") as raw:
        sniff.check(raw, "telegram", str(json_file))
    return _records(json_file, ctx)


def _records(json_file: Path, ctx: Context) -> Iterator[ExportRecord]:
    """The records; one fatal problem ends them where the JSON breaks."""
    with json_file.open("rb") as raw:
        start = len(BOM) if raw.read(len(BOM)) == BOM else 0
        last: list[str] = []
        source = Source(raw, start, probe=True)
        try:
            fast = yield from _noting(Walker(source, ctx).document(), last)
        except JSON_ERRORS as exc:
            yield from _broken(raw, start, source, exc, last, ctx)
            return
        while fast is not None:
            fast = yield from _fast(raw, start, fast, ctx, last)
        if (summary := ctx.take_summary()) is not None:
            yield summary


def _fast(
    raw: BinaryIO, start: int, fast: FastStart, ctx: Context, last: list[str]
) -> Generator[ExportRecord, None, FastStart | None]:
    """A single chat's messages through ijson's C ``items`` from ``fast``; from a message
    too large for it, the careful reader, which returns where the fast one can go on."""
    limits = (FAST_MESSAGE_BYTES, FAST_MESSAGE_OPENS)
    source = Source(raw, fast.offset, prefix=_FRAME, chunk=FAST_CHUNK, limits=limits)
    index = fast.first
    try:
        for item in stream.items(source, "messages.item"):
            yield from message_records(item, fast.chat, index, "messages", ctx)
            index += 1
            source.take_mark()
        return None
    except TooLarge:
        careful = Source(raw, fast.offset, prefix=_FRAME, chunk=FAST_CHUNK)
    except JSON_ERRORS as exc:
        if index > fast.first:
            last[:] = [f"messages[{index - 1}]"]
        yield from _broken(raw, start, source, exc, last, ctx)
        return None
    if index > fast.first:
        last[:] = [f"messages[{index - 1}]"]
    try:
        walker = Walker(careful, ctx).document(Resume(fast, index - fast.first))
        return (yield from _noting(walker, last))
    except JSON_ERRORS as exc:
        yield from _broken(raw, start, careful, exc, last, ctx)
        return None


def _noting(
    records: Generator[ExportRecord, None, Result], last: list[str]
) -> Generator[ExportRecord, None, Result]:
    """Pass records on, remembering the position of the last message; return their result."""
    while True:
        try:
            record = next(records)
        except StopIteration as stop:
            result: Result = stop.value
            return result
        if isinstance(record, ChatMessage):
            last[:] = [record.position or record.key]
        yield record


def _broken(
    raw: BinaryIO, start: int, source: Source, exc: BaseException, last: list[str], ctx: Context
) -> Iterator[ExportProblem | ExportNote]:
    """The count of what was not understood, then the fatal problem for JSON that breaks:
    its exact byte offset, what broke, what was read before."""
    if (summary := ctx.take_summary()) is not None:
        yield summary
    offset = error_offset(raw, start, source)
    what = describe(exc)
    reason = f"the JSON is cut short ({what})" if source.eof else f"malformed JSON ({what})"
    reason += f"; read up to {last[0]}" if last else "; no message read before it"
    raw.seek(max(start, offset - 40))
    excerpt = raw.read(80).decode("utf-8", errors="replace")
    yield ExportProblem(f"byte {offset}", reason, excerpt=excerpt, fatal=True)
