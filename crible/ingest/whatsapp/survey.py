"""The first, cheap pass over a WhatsApp export: what must be known before its first message.

A text export states neither its date order, nor whether the chat is a group, nor (in
``_chat.txt``) the chat's name. One pass over the headers only, keeping counters and at
most three author names, answers all three before the messages are read.

The chat's name comes from the ``chat_name`` option; else ``WhatsApp Chat with X.txt``
(Android) or a ``WhatsApp Chat - X`` archive or folder (iOS); else the name
the encryption notice and iOS system lines are attributed to; else the subject a
group was created or renamed with; else the file's stem.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePath

from crible.ingest.archive import ChatFile
from crible.ingest.whatsapp.body import (
    attributed_event,
    mentions_group,
    person_name,
    split_author,
    system_event,
)
from crible.ingest.whatsapp.dates import DateSurvey
from crible.ingest.whatsapp.lines import match_header, plain, read_lines

_FILE_NAMES = (
    re.compile(r"WhatsApp Chat with (?P<name>.+)"),
    re.compile(r"WhatsApp[- ]Chat mit (?P<name>.+)"),
    re.compile(r"Chat de WhatsApp con (?P<name>.+)"),
    re.compile(r"Discussion WhatsApp avec (?P<name>.+)"),
)
_FOLDER_NAME = re.compile(r"WhatsApp Chat - (?P<name>.+)")
_GENERIC_STEMS = frozenset({"_chat", "chat", ""})


@dataclass
class FileSurvey:
    """What the first pass learned about an export."""

    dates: DateSurvey = field(default_factory=DateSurvey)
    style: str | None = None
    authors: set[str] = field(default_factory=set)
    group_lines: int = 0
    attributed_to: str | None = None
    subject: str | None = None

    @property
    def is_group(self) -> bool:
        """Whether the chat is a group: group system lines, or more than two authors."""
        return self.group_lines > 0 or len(self.authors) > 2

    def add(self, body: str) -> None:
        """Learn from the body of one message line."""
        split = split_author(body)
        if split is not None:
            name, text = split
            event = attributed_event(text)
            if event is None:
                if len(self.authors) < 3:
                    self.authors.add(person_name(name))
                return
            self.attributed_to = self.attributed_to or plain(name).strip()
        else:
            event = system_event(body)
            self.group_lines += mentions_group(body)
        self.group_lines += event.says_group
        if event.subject:
            self.subject = event.subject


def survey_file(source: ChatFile) -> FileSurvey:
    """Read the headers of every line of the chat file once."""
    survey = FileSurvey()
    for line in read_lines(source):
        header = match_header(line.text)
        if header is None:
            continue
        survey.style = survey.style or header.style
        survey.dates.add(header)
        survey.add(line.text[header.body_start :])
    return survey


def chat_name(path: PurePath, survey: FileSurvey, option: str | None) -> str:
    """The chat's name: the option, the file or folder name, the chat's own lines, the stem."""
    if option and option.strip():
        return option.strip()
    for pattern in _FILE_NAMES:
        if found := pattern.fullmatch(plain(path.stem).strip()):
            return found["name"].strip()
    if found := _FOLDER_NAME.fullmatch(plain(path.parent.name).strip()):
        return found["name"].strip()
    for candidate in (survey.attributed_to, survey.subject):
        if candidate:
            return plain(candidate).strip()
    stem = path.stem.strip()
    return stem if stem not in _GENERIC_STEMS else "WhatsApp chat"
