"""WhatsApp "Export chat" text files (Android and iOS), streamed line by line.

An export is ``WhatsApp Chat with X.txt`` (Android) or ``_chat.txt`` (iOS), with the
media files beside it when it was made "with media". A zipped export is not read: unzip
it and pass the folder.

The file is read twice, line by line, in constant memory: a first pass over the
headers settles the date order, the chat's name and whether it is a group
(``whatsapp_survey``); the second yields ``ExportInfo``, the ``ChatRef``, then each
message and service event in file order, with ``ExportProblem`` records where lines
cannot be read (nothing in a text export is fatal).

- Times are local, with no zone: they are read in ``zone`` (IANA, default UTC), which
  each message records as ``assumed_zone``.
- Dates: ``date_order`` ("DMY", "MDY", "YMD") or inferred from the whole file
  (``whatsapp_dates``); a guess is reported as a problem at position "file".
- Keys: WhatsApp has no message ids. A message's key is ``message_fingerprint``: the
  SHA-256 of its time, sender key and text, so that two exports of the same chat (two
  phones, two dates) give the same keys and merge. Identical messages at the same time
  (minute on Android) are told apart by their repeat number (the second "ok" of a minute
  is occurrence 2 of ``message_fingerprint``). The line of the message is
  in ``position``. Exports from phones set to different zones, or one Android and one
  iOS (seconds), do not merge.
- Chat: ``ChatRef(WHATSAPP, "name:<chat name>")``, a group when system lines say so or
  more than two people write, else "personal".
- Accounts: ``+491701234567`` (with ``phone``) when the author is a phone number, else
  ``name:<display name>``.
- Media: ``IMG-….jpg (file attached)`` / ``<attached: ….jpg>`` give
  ``MediaRef(exported=True, path=<file name as written>)`` (the ingest service checks
  the file is beside the chat and inside the folder); ``<Media omitted>``,
  ``image omitted``... give ``MediaRef(exported=False, note=<the placeholder>)``. The
  marker line is not kept in ``text``; the lines after it (a caption) are.
- Lines before the first message that match no format, bytes that are not UTF-8 and
  lines over 64 KiB (cut) are reported; texts over 65,536 characters are cut, reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

from crible.ingest.whatsapp_build import MessageBuilder, fingerprint
from crible.ingest.whatsapp_dates import ORDERS
from crible.ingest.whatsapp_lines import read_lines
from crible.ingest.whatsapp_survey import chat_name, survey_file
from crible.ingest.zones import load_zone
from crible.model.chats import (
    ChatMessage,
    ChatRef,
    ExportInfo,
    ExportProblem,
    ExportRecord,
    Platform,
)
from crible.model.errors import BadInput, UserError

_CHAT_FILE = re.compile(r"_chat|WhatsApp.*|.*WhatsApp", re.I)


def locate(path: Path) -> tuple[Path, Path]:
    """``(export folder, chat .txt)`` for an export folder or its .txt file."""
    if path.is_file():
        if path.suffix.lower() == ".zip":
            raise BadInput(
                "a zipped WhatsApp export: unzip it and pass the folder", source=str(path)
            )
        if path.suffix.lower() != ".txt":
            raise BadInput("not a WhatsApp export (.txt file or its folder)", source=str(path))
        return path.parent, path
    if not path.is_dir():
        raise BadInput("no such file or folder", source=str(path))
    texts = sorted(p for p in path.iterdir() if p.suffix.lower() == ".txt" and p.is_file())
    if len(texts) > 1:
        texts = [p for p in texts if _CHAT_FILE.fullmatch(p.stem)]
    if len(texts) == 1:
        return path, texts[0]
    if not texts:
        raise BadInput("no WhatsApp chat .txt file in this folder", source=str(path))
    names = ", ".join(p.name for p in texts[:5])
    raise BadInput(f"several chat .txt files ({names}): pass one of them", source=str(path))


def parse(
    txt_file: Path,
    *,
    zone: str | None = None,
    chat_name: str | None = None,
    date_order: str | None = None,
) -> Iterator[ExportRecord]:
    """The records of one WhatsApp text export, streamed; options are checked at once."""
    zone_name = zone or "UTC"
    zone_info = load_zone(zone_name)
    order = date_order.strip().upper() if date_order else None
    if order is not None and order not in ORDERS:
        raise UserError(f"date order must be one of {', '.join(ORDERS)}, not {date_order!r}")
    if not txt_file.is_file():
        raise BadInput("no such file", source=str(txt_file))
    return _records(txt_file, zone_info, zone_name, chat_name, order)


def message_fingerprint(msg: ChatMessage, occurrence: int = 1) -> str:
    """SHA-256 (hex) of ``(sent_at, sender key, text)`` and the repeat number: the key."""
    sender = msg.sender.key if msg.sender else None
    return fingerprint(msg.sent_at, sender, msg.text, occurrence)


def _records(
    txt_file: Path, zone: ZoneInfo, zone_name: str, name_option: str | None, order: str | None
) -> Iterator[ExportRecord]:
    """Survey the file, then read it into records."""
    survey = survey_file(txt_file)
    if survey.dates.headers == 0:
        raise BadInput(
            "no WhatsApp message line (date, time, name) in this file", source=str(txt_file)
        )
    chosen, note = survey.dates.order(order)
    name = chat_name(txt_file, survey, name_option)
    kind = "group" if survey.is_group else "personal"
    chat = ChatRef(Platform.WHATSAPP, f"name:{name}", name, kind)
    yield ExportInfo(Platform.WHATSAPP, f"whatsapp-{survey.style}-txt")
    yield chat
    if note is not None:
        yield ExportProblem("file", note)
    yield from MessageBuilder(chat, chosen, zone, zone_name).records(read_lines(txt_file))
