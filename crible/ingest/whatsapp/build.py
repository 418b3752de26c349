"""The second pass over a WhatsApp export: lines into messages, service events and problems."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any

from crible.ingest.whatsapp.body import (
    YOU,
    Event,
    account,
    attributed_event,
    media_of,
    person_name,
    split_author,
    system_event,
)
from crible.ingest.whatsapp.dates import local_time, unambiguous
from crible.ingest.whatsapp.lines import MAX_LINE_BYTES, Line, match_header, plain
from crible.model.chats import (
    AccountRef,
    ChatMessage,
    ChatRef,
    ExportNote,
    ExportProblem,
    ExportRecord,
)

MAX_TEXT_CHARS = 65536
"""Longest message text kept (WhatsApp's own limit); the rest is counted, not held."""

MAX_LISTED_PREAMBLE = 100
"""Unreadable lines before the first message listed one by one; the rest are counted."""

MAX_LISTED_UNCLEAR = 20
"""Lines whose local time a daylight-saving change makes unclear, named in the note."""

EXCERPT_CHARS = 120
_EDITED = " <This message was edited>"
_DELETED = frozenset(
    {"This message was deleted", "This message was deleted.", "You deleted this message"}
)


def fingerprint(local: datetime | None, sender: str | None, text: str, occurrence: int) -> str:
    """SHA-256 (hex) of a message's local time as written (no zone), sender key and text (and
    its repeat number): the same line gives the same key whatever zone it is read in."""
    wall = local.replace(tzinfo=None).isoformat() if local else None
    parts: list[Any] = [wall, sender, text]
    if occurrence > 1:
        parts.append(occurrence)
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()


@dataclass
class _Pending:
    """A message whose continuation lines are still being read."""

    line: int
    local: datetime | None
    """The time the line gives, aware in the export's zone."""
    written: str
    """The date and time as the line writes them."""
    body: str
    rest: list[str] = field(default_factory=list)
    size: int = 0
    dropped: int = 0


class MessageBuilder:
    """Turn the lines of one export into records of ``chat``."""

    def __init__(self, chat: ChatRef, order: str, zone: tzinfo, zone_name: str) -> None:
        self._chat = chat
        self._order = order
        self._zone = zone
        self._zone_name = zone_name
        self._pending: _Pending | None = None
        self._preamble = 0
        self._repeats: dict[str, int] = {}
        self._repeat_time: datetime | None = None
        self._unclear: list[str] = []
        self._unclear_count = 0

    def records(self, lines: Iterable[Line]) -> Iterator[ExportRecord]:
        """Every message, service event and problem of the lines, in file order."""
        for line in lines:
            yield from _line_problems(line)
            header = match_header(line.text)
            if header is not None:
                yield from self._flush()
                local = local_time(header, self._order, self._zone)
                if local is None:
                    reason = f"impossible date or time read as {self._order}; kept without time"
                    yield ExportProblem(f"line {line.number}", reason, _excerpt(line.text))
                elif not unambiguous(local):
                    self._unclear_count += 1
                    if len(self._unclear) < MAX_LISTED_UNCLEAR:
                        self._unclear.append(f"line {line.number}")
                body = line.text[header.body_start :]
                written = plain(line.text[: header.body_start]).strip(" []-–")
                self._pending = _Pending(line.number, local, written, body, size=len(body))
            elif self._pending is not None:
                self._append(self._pending, line.text)
            else:
                self._preamble += 1
                if self._preamble <= MAX_LISTED_PREAMBLE:
                    reason = "not a WhatsApp message line, before the first message"
                    yield ExportProblem(f"line {line.number}", reason, _excerpt(line.text))
        yield from self._flush()
        if self._preamble > MAX_LISTED_PREAMBLE:
            more = self._preamble - MAX_LISTED_PREAMBLE
            yield ExportProblem("file", f"{more} more unreadable lines before the first message")
        if self._unclear_count:
            yield self._unclear_note()

    def _unclear_note(self) -> ExportNote:
        """The note naming the lines whose local time a daylight-saving change makes unclear."""
        listed = ", ".join(self._unclear)
        more = self._unclear_count - len(self._unclear)
        return ExportNote(
            "file",
            f"{self._unclear_count} local times fall in a daylight-saving change of "
            f"{self._zone_name} (an hour that is skipped or occurs twice), read with the "
            f"offset before the change: {listed}" + (f" and {more} more" if more else ""),
        )

    def _append(self, pending: _Pending, text: str) -> None:
        """Add a continuation line, within MAX_TEXT_CHARS."""
        room = MAX_TEXT_CHARS - pending.size - 1
        if room <= 0:
            pending.dropped += len(text) + 1
            return
        if len(text) > room:
            pending.dropped += len(text) - room
            text = text[:room]
        pending.rest.append(text)
        pending.size += len(text) + 1

    def _flush(self) -> Iterator[ExportRecord]:
        """The record of the pending message, if any."""
        pending, self._pending = self._pending, None
        if pending is None:
            return
        while pending.rest and pending.rest[-1] == "":
            pending.rest.pop()
        if pending.dropped:
            reason = f"message text cut at {MAX_TEXT_CHARS} characters ({pending.dropped} more)"
            yield ExportProblem(f"line {pending.line}", reason, _excerpt(pending.body))
        yield self._message(pending)

    def _message(self, pending: _Pending) -> ChatMessage:
        """The message or service event a pending message is, with a provisional key."""
        split = split_author(pending.body)
        if split is None:
            return self._service(pending, system_event(pending.body), pending.body, {})
        name, text = split
        event = attributed_event(text)
        if event is not None:
            return self._service(pending, event, text, {"attributed_to": plain(name).strip()})
        media = media_of(text)
        lines = pending.rest if media is not None else [text, *pending.rest]
        body, extra = _marked("\n".join(lines))
        return self._base(
            pending, sender=account(name), text=body, media=(media,) if media else (), extra=extra
        )

    def _service(
        self, pending: _Pending, event: Event, text: str, extra: dict[str, Any]
    ) -> ChatMessage:
        """A system line as a service event."""
        sender = None
        if event.actor is not None:
            if plain(event.actor).strip() in YOU:
                extra["actor"] = plain(event.actor).strip()
            else:
                sender = account(event.actor)
        if event.subject is not None:
            extra["subject"] = event.subject
        return self._base(
            pending,
            sender=sender,
            kind="service",
            action=event.action,
            text="\n".join([text, *pending.rest]),
            members=tuple(person_name(m) for m in event.members),
            extra=extra,
        )

    def _base(
        self, pending: _Pending, sender: AccountRef | None, text: str, **fields: Any
    ) -> ChatMessage:
        """A record of this chat at the pending message's line and time, with its key."""
        local = pending.local
        fields["extra"] = {**fields.get("extra", {}), "time_as_written": pending.written}
        return ChatMessage(
            chat=self._chat,
            key=self._key(local, sender.key if sender else None, text),
            sent_at=local.astimezone(UTC) if local else None,
            sender=sender,
            text=text,
            assumed_zone=self._zone_name,
            position=f"line {pending.line}",
            **fields,
        )

    def _key(self, local: datetime | None, sender: str | None, text: str) -> str:
        """The fingerprint of a message; identical repeats at one time are numbered."""
        if local != self._repeat_time:
            self._repeats.clear()
            self._repeat_time = local
        base = fingerprint(local, sender, text, 1)
        count = self._repeats[base] = self._repeats.get(base, 0) + 1
        return base if count == 1 else fingerprint(local, sender, text, count)


def _marked(text: str) -> tuple[str, dict[str, Any]]:
    """Text without WhatsApp's "edited" marker, and what the markers said."""
    extra: dict[str, Any] = {}
    if text.endswith(_EDITED):
        text = text.removesuffix(_EDITED)
        extra["edited"] = True
    if plain(text).strip() in _DELETED:
        extra["deleted"] = True
    return text, extra


def _line_problems(line: Line) -> Iterator[ExportProblem]:
    """What went wrong reading a line."""
    where = f"line {line.number}"
    if line.undecodable:
        yield ExportProblem(
            where, "bytes that are not UTF-8, replaced by U+FFFD", _excerpt(line.text)
        )
    if line.cut:
        yield ExportProblem(
            where, f"line longer than {MAX_LINE_BYTES} bytes, cut", _excerpt(line.text)
        )


def _excerpt(text: str) -> str:
    """The start of a line, for a problem report."""
    return text[:EXCERPT_CHARS]
