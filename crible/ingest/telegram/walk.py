"""The careful reader: a walk over ijson's events for a whole export, one message at a time.

It reads both shapes: a single-chat export (``name``, ``type``, ``id``, ``messages`` at the
top) and a full-account export (``personal_information``, ``contacts``, ``chats.list``,
``left_chats.list``, and sections crible does not model, skipped without being built).
Messages are built bounded (see ``EventReader``), one at a time.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from crible.ingest.telegram.events import EventReader
from crible.ingest.telegram.message import message_records
from crible.ingest.telegram.refs import Context, chat_ref, person
from crible.ingest.telegram.stream import Source
from crible.model.chats import (
    AccountRef,
    ChatRef,
    ExportInfo,
    ExportProblem,
    ExportRecord,
    Platform,
)

MAX_CONTACTS = 100_000
"""Most contacts kept from ``contacts.list``."""

MAX_LISTED = 100
"""Most problems of the export's own sections listed one by one; the rest are counted."""

FORMAT = "telegram-desktop-json"

_HEADER = frozenset({"name", "type", "id"})
_SECTIONS = frozenset(
    {
        "about",
        "profile_pictures",
        "stories",
        "frequent_contacts",
        "sessions",
        "web_sessions",
        "other_data",
    }
)
"""Full-export sections crible does not model: skipped without a problem."""


class FastStart(NamedTuple):
    """Where the fast reader can take a single chat's messages on: the exact offset just
    after the ``[`` of the array (``first`` 0), or of the ``{`` that opens message ``first``."""

    offset: int
    chat: ChatRef
    first: int


class Resume(NamedTuple):
    """Where the careful reader takes a single chat's messages on from the fast one: the
    last FastStart, and how many messages after it were already read."""

    start: FastStart
    done: int


class _NotAnObject(Exception):
    """A full-export section that should be an object with a ``list`` is something else."""


@dataclass
class _Info:
    """The export's own information, gathered from the top-level sections, and its problems
    (yielded just after it, so that the ExportInfo comes first)."""

    owner: AccountRef | None = None
    contacts: tuple[AccountRef, ...] = ()
    problems: list[ExportProblem] = field(default_factory=list)
    unlisted: int = 0
    seen: bool = False
    yielded: bool = False

    def note(self, position: str, reason: str) -> None:
        """Keep a problem for later (the first ``MAX_LISTED``, then a count)."""
        if len(self.problems) < MAX_LISTED:
            self.problems.append(ExportProblem(position, reason))
        else:
            self.unlisted += 1

    def records(self) -> list[ExportRecord]:
        """The ExportInfo to yield now, then the problems kept so far."""
        self.yielded = True
        out: list[ExportRecord] = [ExportInfo(Platform.TELEGRAM, FORMAT, self.owner, self.contacts)]
        out += self.problems
        if self.unlisted:
            out.append(ExportProblem("contacts", f"{self.unlisted} more contacts not kept"))
        self.problems, self.unlisted = [], 0
        return out


class Walker(EventReader):
    """Walks one export's events and yields its records.

    ``handover``: whether a single chat's messages may be handed to the fast reader.
    """

    def __init__(self, source: Source, ctx: Context, *, handover: bool = True) -> None:
        super().__init__(source)
        self.ctx = ctx
        self.handover = handover

    def document(
        self, resume: Resume | None = None
    ) -> Generator[ExportRecord, None, FastStart | None]:
        """Every record of the export, in order; for a single-chat export, it may instead
        return where the fast reader can take the messages on (see ``FastStart``).

        With ``resume``, the source starts at ``resume.start`` framed as ``{"messages":[``.
        """
        if self._take()[0] != "start_map":
            reason = "not a Telegram Desktop export: the top level is not a JSON object"
            yield ExportProblem("byte 0", reason, fatal=True)
            return None
        info, header = _Info(), dict[str, Any]()
        chat = resume.start.chat if resume else None
        for key in self._keys():
            if key == "messages":
                if chat is None:
                    chat = chat_ref(header, "chat")
                    yield chat
                event = self._take()[0]
                exact = self.handover and event == "start_array" and self.source.exact
                if resume is None and exact:
                    return FastStart(self.source.offset, chat, 0)
                fast = yield from self._messages(event, chat, "messages", resume, self.handover)
                if fast is not None:
                    return fast
                resume = None
                continue
            if key not in _HEADER:
                self.source.stop_probing()
            if key in ("chats", "left_chats", "personal_information", "contacts"):
                yield from self._section(key, info)
            elif key in _HEADER and chat is None:
                header[key] = self._value()
            else:
                self._skip()
                if key not in _SECTIONS:
                    yield ExportProblem(key, f"top-level field {key!r} not kept")
        if info.seen and not info.yielded:
            yield from info.records()
        if chat is None and header:
            yield chat_ref(header, "chat")
        for _ in self._events:
            pass
        return None

    def _section(self, key: str, info: _Info) -> Iterator[ExportRecord]:
        """A section of a full-account export: the chats, or the export's own information."""
        if key in ("chats", "left_chats"):
            if not info.yielded:
                yield from info.records()
            try:
                yield from self._chat_lists(key)
            except _NotAnObject:
                yield ExportProblem(key, f"{key} is not a JSON object: skipped")
            return
        if key == "personal_information":
            value = self._value()
            info.owner = person(value)
            if not isinstance(value, dict):
                info.note(key, f"{key} is not a JSON object: skipped")
        else:
            info.contacts = self._contacts(info)
        info.seen = True
        if info.yielded:
            yield from info.records()

    def _contacts(self, info: _Info) -> tuple[AccountRef, ...]:
        """The accounts of ``contacts.list``; one that cannot be kept is noted in ``info``."""
        found: list[AccountRef] = []
        try:
            for index, item in enumerate(self._section_list("contacts")):
                account = person(item)
                if account is None or index >= MAX_CONTACTS:
                    why = "no user id, phone or name" if account is None else "too many contacts"
                    info.note(f"contacts.list[{index}]", f"contact not kept: {why}")
                else:
                    found.append(account)
        except _NotAnObject:
            info.note("contacts", "contacts is not a JSON object: skipped")
        return tuple(found)

    def _section_list(self, section: str) -> Iterator[Any]:
        """The items of ``<section>.list``, built; the section's other keys are skipped."""
        for event in self._list_starts(section):
            yield self._build(*event)

    def _list_starts(self, section: str) -> Iterator[tuple[str, Any]]:
        """The first event of each item of ``<section>.list``; the caller reads the item."""
        if (event := self._take()[0]) != "start_map":
            self._skip_from(event)
            raise _NotAnObject(section)
        for key in self._keys():
            if key != "list":
                self._skip()
            elif (event := self._take()[0]) != "start_array":
                self._skip_from(event)
            else:
                while (item := self._take())[0] != "end_array":
                    self.cuts = {}
                    yield item

    def _chat_lists(self, section: str) -> Iterator[ExportRecord]:
        """The chats of ``chats.list`` or ``left_chats.list``, each with its messages."""
        for index, (event, _) in enumerate(self._list_starts(section)):
            path = f"{section}.list[{index}]"
            if event == "start_map":
                yield from self._chat(path)
            else:
                self._skip_from(event)
                yield ExportProblem(path, "a chat must be a JSON object: skipped")

    def _chat(self, path: str) -> Iterator[ExportRecord]:
        """One chat object: its ChatRef (before its messages), then its messages."""
        header: dict[str, Any] = {}
        chat: ChatRef | None = None
        for key in self._keys():
            if key == "messages":
                if chat is None:
                    chat = chat_ref(header, path)
                    yield chat
                yield from self._messages(self._take()[0], chat, f"{path}.messages")
            elif key in _HEADER and chat is None:
                header[key] = self._value()
            else:
                self._skip()
                yield ExportProblem(f"{path}.{key}", f"chat field {key!r} not kept")
        if chat is None:
            yield chat_ref(header, path)

    def _messages(
        self,
        event: str,
        chat: ChatRef,
        path: str,
        resume: Resume | None = None,
        handover: bool = False,
    ) -> Generator[ExportRecord, None, FastStart | None]:
        """The messages of an array whose first event is ``event`` (the first ``resume.done``
        after ``resume.start`` skipped). With ``handover``, the source probes after each
        message read, and returns where the next one starts once that is exact."""
        if event != "start_array":
            self._skip_from(event)
            yield ExportProblem(path, "messages is not a JSON array: skipped")
            return None
        base, done = (resume.start.first, resume.done) if resume else (0, 0)
        index = base
        while (item := self._take())[0] != "end_array":
            if handover and index > base + done and item[0] == "start_map" and self.source.exact:
                return FastStart(self.source.offset - 1, chat, index)
            if index < base + done:
                self._skip_from(item[0])
            else:
                self.cuts = {}
                message = self._build(*item)
                yield from message_records(message, chat, index, path, self.ctx, self.cuts)
                if handover and self.source.step != 1:
                    self.source.probe()
            index += 1
        return None
