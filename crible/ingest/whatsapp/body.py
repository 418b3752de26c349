"""What follows the date of a WhatsApp line: author, system events, media, phone numbers.

System lines and placeholders are recognised in English, German, Spanish and French, the
locales of the samples; a system line in another language is kept as ``action="other"``
with its text, never dropped.
"""

from __future__ import annotations

import mimetypes
import re
from dataclasses import dataclass

from crible.ingest.whatsapp.lines import MARKS, plain
from crible.model.chats import AccountRef, MediaRef, Platform

MAX_NAME_CHARS = 100
"""Longest author name accepted before ``: ``; longer heads are system lines."""

YOU = frozenset({"You", "you", "Du", "du", "Tú", "tú", "Vous", "vous"})
"""How a system line names the account that made the export."""

GROUP_ACTIONS = frozenset(
    {"created_group", "added", "joined", "left", "removed", "changed_subject", "changed_icon"}
)
_QUOTES = frozenset('"“”„«»')
_NON_CONTACT = re.compile(r"~ ")
"""iOS's mark before a sender who is not a contact: ``~`` and a space (U+0020, U+00A0 or
U+202F, all plain spaces once ``plain`` has run)."""
_PHONE = re.compile(r"\+[\d \-().]{5,40}")
_ACTOR = r"(?P<actor>.+?)"
_MEMBERS = r"(?P<members>.+?)"
_SUBJECT = r"[\"“„«] ?(?P<subject>.*?) ?[\"”“»]"
_EVENTS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (action, re.compile(pattern))
    for action, pattern in (
        ("created_group", rf"{_ACTOR} created group {_SUBJECT}"),
        ("created_group", rf"{_ACTOR} created this group"),
        ("created_group", rf"{_ACTOR} hat die Gruppe {_SUBJECT} erstellt"),
        ("created_group", rf"{_ACTOR} creó el grupo {_SUBJECT}"),
        ("created_group", rf"{_ACTOR} a créé le groupe {_SUBJECT}"),
        (
            "changed_subject",
            rf"{_ACTOR} changed the (?:subject|group name) (?:from .* )?to {_SUBJECT}",
        ),
        ("changed_subject", rf"{_ACTOR} hat den Betreff (?:von .* )?zu {_SUBJECT} geändert"),
        ("changed_subject", rf"{_ACTOR} cambió el asunto (?:de .* )?a {_SUBJECT}"),
        ("changed_icon", rf"{_ACTOR} (?:changed|deleted) this group's icon"),
        ("changed_description", rf"{_ACTOR} changed the group description"),
        ("joined", rf"{_MEMBERS} joined using this group's invite link"),
        ("added", r"(?P<members>You) were added"),
        ("added", r"(?P<members>Du) wurdest hinzugefügt"),
        ("added", rf"{_ACTOR} added {_MEMBERS}"),
        ("added", rf"{_ACTOR} hat {_MEMBERS} hinzugefügt"),
        ("added", rf"{_ACTOR} añadió a {_MEMBERS}"),
        ("added", rf"{_ACTOR} a ajouté {_MEMBERS}"),
        ("removed", rf"{_ACTOR} removed {_MEMBERS}"),
        ("removed", rf"{_ACTOR} hat {_MEMBERS} entfernt"),
        ("removed", rf"{_ACTOR} eliminó a {_MEMBERS}"),
        ("removed", rf"{_ACTOR} a retiré {_MEMBERS}"),
        ("left", rf"{_MEMBERS} left"),
        ("left", rf"{_MEMBERS} hat die Gruppe verlassen"),
        ("left", rf"{_MEMBERS} salió del grupo"),
        ("left", rf"{_MEMBERS} est parti(?:e)?"),
    )
)
_ENCRYPTION = re.compile(
    r"end-to-end encrypt|Ende-zu-Ende-verschlüsselt|de extremo a extremo|de bout en bout", re.I
)
_NOTICES = (
    "Messages and calls are end-to-end encrypted",
    "Messages to this group are now secured",
    "Messages you send to this group are now secured",
    "Nachrichten und Anrufe sind Ende-zu-Ende-verschlüsselt",
    "Los mensajes y las llamadas están cifrados de extremo a extremo",
    "Les messages et les appels sont chiffrés de bout en bout",
)
_GROUP_WORDS = re.compile(r"\b(?:this group|dieser Gruppe|este grupo|ce groupe)\b", re.I)
_SPLIT_MEMBERS = re.compile(r",\s*|\s+(?:and|und|y|et)\s+")
_ATTACHED = (
    re.compile(
        r"(?P<file>.+?) \((?:file attached|Datei angehängt|archivo adjunto|fichier joint)\)"
    ),
    re.compile(r"<(?:attached|Anhang|adjunto|pièce jointe) ?: (?P<file>.+?)>"),
)
_ALL_OMITTED = re.compile(
    r"<(?:Media omitted|Medien ausgeschlossen|Multimedia omitido|Médias omis)>", re.I
)
_OMITTED = (
    re.compile(
        r"(?:(?P<file>.+?) • .*)?(?P<what>image|video|audio|sticker|GIF|document|Contact card)"
        r" omitted",
        re.I,
    ),
    re.compile(r"(?P<what>Bild|Video|Audio|Sticker|GIF|Dokument) weggelassen", re.I),
    re.compile(r"(?P<what>imagen|video|audio|sticker|GIF|documento) omitid[oa]", re.I),
)
_WHAT = {"bild": "image", "imagen": "image", "dokument": "document", "documento": "document"}


@dataclass(frozen=True)
class Event:
    """A system line as WhatsApp words it: what happened, who did it, to whom."""

    action: str
    actor: str | None = None
    members: tuple[str, ...] = ()
    subject: str | None = None

    @property
    def says_group(self) -> bool:
        """Whether only a group chat has lines like this one."""
        return self.action in GROUP_ACTIONS


def split_author(body: str) -> tuple[str, str] | None:
    """``(author as written, text)`` of a message line's body, or None for a system line."""
    index = body.find(": ")
    if index > 0:
        name, text = body[:index], body[index + 2 :]
    else:
        index = body.find(":")
        if index <= 0:
            return None
        name, text = body[:index], body[index + 1 :]
        if text[:1].isdigit() or text[:1].isspace():
            return None
    clean = plain(name).strip()
    if not clean or len(clean) > MAX_NAME_CHARS or _QUOTES.intersection(clean):
        return None
    return name, text


def person_name(written: str) -> str:
    """A name as the chat shows the person: direction marks and odd spaces made plain, and
    without the ``~`` iOS writes before someone not in the phone's contacts."""
    clean = plain(written).strip()
    if _NON_CONTACT.match(clean):
        return clean[1:].strip() or clean
    return clean


def system_event(text: str) -> Event:
    """The event of a system line; ``action="other"`` when its wording is not known."""
    flat = plain(text).strip()
    if _ENCRYPTION.search(flat):
        return Event("encryption_notice")
    for action, pattern in _EVENTS:
        if found := pattern.fullmatch(flat):
            groups = found.groupdict()
            members = groups.get("members")
            return Event(
                action,
                actor=groups.get("actor"),
                members=tuple(m for m in _SPLIT_MEMBERS.split(members) if m) if members else (),
                subject=groups.get("subject"),
            )
    return Event("other")


def attributed_event(text: str) -> Event | None:
    """The event of a system line written as the chat's (``Chat: \u200eAnn added Ben``)."""
    flat = plain(text).strip()
    if flat.startswith(_NOTICES):
        return Event("encryption_notice")
    if text.lstrip(" ")[:1] == "\u200e":
        event = system_event(text)
        return event if event.action != "other" else None
    return None


def mentions_group(text: str) -> bool:
    """Whether a system line speaks of "this group"."""
    return _GROUP_WORDS.search(plain(text)) is not None


def account(written: str) -> AccountRef:
    """The account of an author or actor: by phone number when the name is one; the name
    as written is kept too where it differs (the iOS ``~`` marker)."""
    clean = person_name(written)
    raw = "".join(c for c in written if c not in MARKS).strip(" ")
    shown_as = raw if plain(raw) != clean else None
    if _PHONE.fullmatch(clean):
        digits = re.sub(r"\D", "", clean)
        if 6 <= len(digits) <= 15:
            return AccountRef(
                Platform.WHATSAPP, f"+{digits}", phone=f"+{digits}", shown_as=shown_as
            )
    return AccountRef(Platform.WHATSAPP, f"name:{clean}", name=clean, shown_as=shown_as)


def media_of(line: str) -> MediaRef | None:
    """The media a message's first line stands for (attached or omitted), or None."""
    flat = plain(line).strip()
    for pattern in _ATTACHED:
        if found := pattern.fullmatch(flat):
            name = found["file"]
            kind, mime = file_kind(name)
            return MediaRef(kind, name, exported=True, mime_type=mime, file_name=name)
    if _ALL_OMITTED.fullmatch(flat):
        return MediaRef("media", None, exported=False, note=flat)
    for pattern in _OMITTED:
        if found := pattern.fullmatch(flat):
            what = found["what"].lower()
            kind = _WHAT.get(what, "contact" if what == "contact card" else what)
            name = found.groupdict().get("file")
            return MediaRef(kind, None, exported=False, file_name=name, note=flat)
    return None


def file_kind(name: str) -> tuple[str, str | None]:
    """The media kind (image, video, audio, sticker, document) and MIME type of a file name."""
    mime = mimetypes.guess_type(name, strict=False)[0]
    upper = name.upper()
    if upper.startswith("STK-") or "-STICKER-" in upper:
        return "sticker", mime
    major = (mime or "").split("/")[0]
    return (major if major in ("image", "video", "audio") else "document"), mime
