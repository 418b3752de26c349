"""DiscordChatExporter JSON exports (one channel a file), streamed with ijson.

A file is ``{"guild": {...}, "channel": {...}, "dateRange": ..., "exportedAt": ...,
"messages": [...], "messageCount": N}`` as ``JsonMessageWriter`` writes it; with
``--media`` the files sit in a ``<name>_Files/`` folder beside it and the JSON gives
their paths relative to the JSON's folder. Records come in file order: ``ExportInfo``,
the channel's ``ChatRef`` (key: channel id; type: the exporter's channel type; parent:
the guild's name, none for direct messages; the guild id is in each message's
``extra["guild_id"]``), then each message.

- Media: an attachment, sticker or embed image whose URL is a local path (``--media``)
  is ``exported`` with that path ("\\" made "/"); the ingest service refuses one that
  leaves the folder. A remote URL is kept as the ``note`` of a not-exported reference.
- Message keys are Discord's ids. The exporter sometimes writes a message twice; both
  copies are yielded (the store keeps one by key). A repeat whose content differs from
  the copy seen within the last ``DUPLICATE_WINDOW`` messages is reported, since the
  store can keep only one of them.
- Forwarded messages: the exporter writes ``reference.type == "Forward"`` and a
  ``forwardedMessage`` (time, content, attachments, embeds, stickers) but not the
  original author, so ``forwarded_from`` stays None; the original's ids and time are in
  ``extra["forwarded"]``, its media in ``media``, its content in ``text`` when the
  forwarding message has none.
- Broken JSON (truncated, invalid, a number of over 600 digits) yields everything read
  before it, then one fatal ``ExportProblem`` at ``"byte <offset>"``. A file that breaks
  before its channel, or is not an exporter file, raises ``BadInput``; one of another
  format's shape (``sniff``) is refused before anything is read, naming that format.
- Times keep the offset the exporter wrote (the exporting machine's zone); the store holds
  them in UTC. A ``messageCount`` that differs from the messages read is a note.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from crible.ingest import sniff
from crible.ingest.discord.message import to_message
from crible.ingest.discord.stream import Events, JsonBroken
from crible.model.chats import (
    ChatMessage,
    ChatRef,
    ExportInfo,
    ExportNote,
    ExportProblem,
    ExportRecord,
    Platform,
)
from crible.model.errors import BadInput

FORMAT = "discordchatexporter-json"
DUPLICATE_WINDOW = 4096
"""How many recent message ids are remembered to tell a changed repeat from a plain one."""

DM_GUILD = "0"


def locate(path: Path) -> tuple[Path, Path]:
    """``(export folder, .json file)`` for an exporter .json file or the folder holding one
    (a file named is checked by its shape, whatever its name, when it is parsed)."""
    if path.is_file():
        return path.parent, path
    if not path.is_dir():
        raise BadInput("no such file or folder", source=str(path))
    found = sorted(p for p in path.iterdir() if p.suffix.lower() == ".json" and p.is_file())
    if len(found) == 1:
        return path, found[0]
    if not found:
        raise BadInput("no DiscordChatExporter .json file in this folder", source=str(path))
    names = ", ".join(p.name for p in found[:5])
    raise BadInput(f"several .json files ({names}): pass one of them", source=str(path))


def parse(json_file: Path) -> Iterator[ExportRecord]:
    """The records of one exporter JSON file, streamed."""
    if not json_file.is_file():
        raise BadInput("no such file", source=str(json_file))
    with json_file.open("rb") as stream:
        sniff.check(stream, "discord", str(json_file))
    return _records(json_file)


def _records(json_file: Path) -> Iterator[ExportRecord]:
    """Read the file; a break after the channel becomes a fatal problem."""
    with json_file.open("rb") as stream:
        document = _Document(Events(stream), str(json_file))
        try:
            yield from document.records()
        except JsonBroken as exc:
            if document.chat is None:
                reason = (
                    f"not a readable DiscordChatExporter file: {exc.reason} (byte {exc.offset})"
                )
                raise BadInput(reason, source=str(json_file)) from exc
            reason = f"JSON unreadable after message {document.count}: {exc.reason}"
            yield ExportProblem(f"byte {exc.offset}", reason, fatal=True)


class _Document:
    """The top level of an exporter file, read key by key."""

    def __init__(self, events: Events, source: str) -> None:
        self._events = events
        self._source = source
        self._guild: dict[str, Any] = {}
        self._recent: OrderedDict[str, str] = OrderedDict()
        self.chat: ChatRef | None = None
        self.count = 0
        """Messages read whole so far."""

    def records(self) -> Iterator[ExportRecord]:
        """Guild, channel, messages, then the checks only the end allows."""
        events = self._events
        if events.next()[0] != "start_map":
            raise BadInput(
                "not a DiscordChatExporter file: the top level is not an object",
                source=self._source,
            )
        stated: Any = None
        seen_messages = False
        for key in events.members():
            if key == "guild":
                value = events.value()
                self._guild = value if isinstance(value, dict) else {}
            elif key == "channel":
                self.chat = self._chat(events.value())
                yield ExportInfo(Platform.DISCORD, FORMAT)
                yield self.chat
            elif key == "messages":
                seen_messages = True
                yield from self._messages()
            elif key == "messageCount":
                stated = events.value()
            else:
                events.skip(events.next())
        if not events.at_end():
            raise JsonBroken("more JSON after the end of the document", events.position())
        if self.chat is None or not seen_messages:
            raise BadInput(
                "not a DiscordChatExporter file: no channel or no messages", source=self._source
            )
        if isinstance(stated, int) and stated != self.count:
            reason = f"the file says {stated} messages, {self.count} were read"
            yield ExportNote("file", reason)

    def _chat(self, value: Any) -> ChatRef:
        """The channel as a chat; the guild's name is its parent (none for direct messages)."""
        channel = value if isinstance(value, dict) else {}
        key = _text(channel.get("id"))
        if not key:
            raise BadInput(
                "not a DiscordChatExporter file: the channel has no id", source=self._source
            )
        guild_id, guild_name = _text(self._guild.get("id")), _text(self._guild.get("name"))
        parent = guild_name if guild_id and guild_id != DM_GUILD else None
        return ChatRef(
            Platform.DISCORD, key, _text(channel.get("name")), _text(channel.get("type")), parent
        )

    def _messages(self) -> Iterator[ExportRecord]:
        """Each message of the ``messages`` array, with the problems found in it."""
        events, chat = self._events, self.chat
        if chat is None:
            raise BadInput(
                "not a DiscordChatExporter file: messages before the channel", source=self._source
            )
        first = events.next()
        if first[0] != "start_array":
            events.skip(first)
            yield ExportProblem("file", "messages is not an array: no message read")
            return
        guild_id = _text(self._guild.get("id"))
        guild_id = guild_id if guild_id != DM_GUILD else None
        while (event := events.next())[0] != "end_array":
            raw = events.value(event)
            self.count += 1
            where = f"message {self.count}"
            if events.notes:
                yield ExportProblem(where, "; ".join(events.notes), _text(_get(raw, "id")) or "")
            msg, problems = to_message(raw, chat, self.count, guild_id)
            yield from problems
            if msg is not None:
                yield from self._repeat(msg)
                yield msg

    def _repeat(self, msg: ChatMessage) -> Iterator[ExportProblem]:
        """A problem when a recent message id comes again with different content."""
        sender = msg.sender.key if msg.sender else None
        times = [t.isoformat() if t else None for t in (msg.sent_at, msg.edited_at)]
        digest = hashlib.sha256(json.dumps([*times, sender, msg.text]).encode()).hexdigest()
        earlier = self._recent.get(msg.key)
        if earlier is not None and earlier != digest:
            reason = (
                f"message id {msg.key} appears again with different content; the store keeps one"
            )
            yield ExportProblem(msg.position or "", reason, msg.text[:120])
        self._recent[msg.key] = digest
        self._recent.move_to_end(msg.key)
        if len(self._recent) > DUPLICATE_WINDOW:
            self._recent.popitem(last=False)


def _get(value: Any, key: str) -> Any:
    """``value[key]`` for an object, else None."""
    return value.get(key) if isinstance(value, dict) else None


def _text(value: Any) -> str | None:
    """A string value, or None for anything else."""
    return value if isinstance(value, str) else None
