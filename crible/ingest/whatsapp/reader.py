"""WhatsApp "Export chat" text files (Android and iOS), streamed line by line.

An export is ``WhatsApp Chat with X.txt`` (Android) or ``_chat.txt`` (iOS), with the
media files beside it when it was made "with media"; or the .zip the phone made of them,
read where it lies (``archive``: entries checked, the chat streamed from it).

The file is read twice, line by line, in constant memory: a first pass over the
headers settles the date order, the chat's name and whether it is a group
(``survey``); the second yields ``ExportInfo``, the ``ChatRef``, then each
message and service event in file order, with ``ExportProblem`` records where lines
cannot be read (nothing in a text export is fatal).

- Times are local, with no zone: they are read in ``zone`` (IANA, default UTC), which
  each message records as ``assumed_zone``, and given in UTC; the date and time as the
  line writes them are kept in ``extra["time_as_written"]``. Local times in an hour a
  daylight-saving change skips or repeats are read with the offset before the change,
  and listed in a note.
- Dates: ``date_order`` ("DMY", "MDY", "YMD") or inferred from the whole file
  (``dates``); a guess is an ``ExportNote`` at position "file".
- Keys: WhatsApp has no message ids. A message's key is ``message_fingerprint``: the
  SHA-256 of its local time (as the line writes it, without a zone), sender key and text,
  so that two exports of the same chat (two phones, two dates) give the same keys and
  merge, and reading a file again in another zone gives the same keys (the ingest then
  corrects the stored times). Identical messages at the same time (minute on Android) are
  told apart by their repeat number (the second "ok" of a minute is occurrence 2 of
  ``message_fingerprint``). The line of the message is in ``position``. Exports from
  phones set to different zones, or one Android and one iOS (seconds), do not merge.
- Chat: ``ChatRef(WHATSAPP, "name:<chat name>")``, a group when system lines say so or
  more than two people write, else "personal".
- Accounts: ``+491701234567`` (with ``phone``) when the author is a phone number, else
  ``name:<display name>``. iOS writes ``~ Name`` (``~`` and a space, no-break space or
  narrow no-break space) for someone not in the phone's contacts: the marker is not part
  of the name or key; the name as written is kept as ``shown_as``.
- Media: ``IMG-….jpg (file attached)`` / ``<attached: ….jpg>`` give
  ``MediaRef(exported=True, path=<file name as written>)`` (the ingest service checks
  the file is beside the chat and inside the folder or archive); ``<Media omitted>``,
  ``image omitted``... give ``MediaRef(exported=False, note=<the placeholder>)``. The
  marker line is not kept in ``text``; the lines after it (a caption) are.
- A file that is not a WhatsApp text export (JSON of another format, by its shape:
  ``sniff``) is refused at once, naming what it looks like.
- Lines before the first message that match no format, bytes that are not UTF-8 and
  lines over 64 KiB (cut) are reported; texts over 65,536 characters are cut, reported.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

from crible.ingest import sniff
from crible.ingest.archive import CHAT_FILE, ChatFile, chat_in_zip, is_zip
from crible.ingest.whatsapp.build import MessageBuilder, fingerprint
from crible.ingest.whatsapp.dates import ORDERS
from crible.ingest.whatsapp.lines import read_lines
from crible.ingest.whatsapp.survey import chat_name, survey_file
from crible.ingest.zones import load_zone
from crible.model.chats import (
    ChatMessage,
    ChatRef,
    ExportInfo,
    ExportNote,
    ExportProblem,
    ExportRecord,
    Platform,
)
from crible.model.errors import BadInput, UserError


def locate(path: Path) -> tuple[Path, Path]:
    """``(export folder, chat .txt or .zip)`` for an export folder, its .txt file or the
    .zip archive of the export."""
    if path.is_file():
        if path.suffix.lower() not in (".txt", ".zip") and not is_zip(path):
            raise BadInput(
                "not a WhatsApp export (.txt file, its folder or its .zip)", source=str(path)
            )
        return path.parent, path
    if not path.is_dir():
        raise BadInput("no such file or folder", source=str(path))
    texts = sorted(p for p in path.iterdir() if p.suffix.lower() == ".txt" and p.is_file())
    if len(texts) > 1:
        texts = [p for p in texts if CHAT_FILE.fullmatch(p.stem)]
    if len(texts) == 1:
        return path, texts[0]
    if not texts:
        raise BadInput("no WhatsApp chat .txt file in this folder", source=str(path))
    names = ", ".join(p.name for p in texts[:5])
    raise BadInput(f"several chat .txt files ({names}): pass one of them", source=str(path))


def chat_file(path: Path) -> ChatFile:
    """The chat file at ``path``: the file itself, or the chat entry of a zip archive."""
    if not path.is_file():
        raise BadInput("no such file", source=str(path))
    return chat_in_zip(path) if is_zip(path) else ChatFile(path)


def parse(
    txt_file: Path | ChatFile,
    *,
    zone: str | None = None,
    chat_name: str | None = None,
    date_order: str | None = None,
) -> Iterator[ExportRecord]:
    """The records of one WhatsApp text export (a .txt, or the .zip holding it), streamed;
    options and the file's shape are checked at once."""
    zone_name = zone or "UTC"
    zone_info = load_zone(zone_name)
    order = date_order.strip().upper() if date_order else None
    if order is not None and order not in ORDERS:
        raise UserError(f"date order must be one of {', '.join(ORDERS)}, not {date_order!r}")
    source = txt_file if isinstance(txt_file, ChatFile) else chat_file(txt_file)
    with source.open() as stream:
        sniff.check(stream, "whatsapp", source.display)
    return _records(source, zone_info, zone_name, chat_name, order)


def message_fingerprint(msg: ChatMessage, occurrence: int = 1) -> str:
    """SHA-256 (hex) of ``(local time, sender key, text)`` and the repeat number: the key.

    The local time is ``sent_at`` in the message's ``assumed_zone``, without the zone."""
    sender = msg.sender.key if msg.sender else None
    local = msg.sent_at.astimezone(load_zone(msg.assumed_zone or "UTC")) if msg.sent_at else None
    return fingerprint(local, sender, msg.text, occurrence)


def _records(
    source: ChatFile, zone: ZoneInfo, zone_name: str, name_option: str | None, order: str | None
) -> Iterator[ExportRecord]:
    """Survey the file, then read it into records."""
    survey = survey_file(source)
    if survey.dates.headers == 0:
        raise BadInput(
            "not a WhatsApp text export: no message line (date, time, name) in this file",
            source=source.display,
        )
    chosen, note = survey.dates.order(order)
    name = chat_name(source.named, survey, name_option)
    kind = "group" if survey.is_group else "personal"
    chat = ChatRef(Platform.WHATSAPP, f"name:{name}", name, kind)
    packed = "-zip" if source.member is not None else ""
    yield ExportInfo(Platform.WHATSAPP, f"whatsapp-{survey.style}-txt{packed}")
    yield chat
    if note is not None:
        yield ExportNote("file", note)
    for entry, reason in source.unsafe:
        yield ExportProblem(f"archive entry {entry!r}", f"{reason}: not read")
    yield from MessageBuilder(chat, chosen, zone, zone_name).records(read_lines(source))
