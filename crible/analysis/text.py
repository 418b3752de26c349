"""Text indicators: operator-supplied keyword lists, and contact and identity leads.

Keyword lists live outside the repository (one term per line, ``#`` starts a comment; the
list's name is the file's stem). Text and terms are normalised the same way before matching:
case folded, accents removed, common leetspeak digits and signs read as letters (``0``→o,
``1``→i, ``3``→e, ``4``→a, ``5``→s, ``7``→t, ``@``→a, ``$``→s) and everything that is not a
letter dropped, so that spacing and punctuation inside a term (``w.o r-d``) do not hide it.
A hit is reported with the original text around it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from crible.model.errors import BadInput
from crible.store import Store
from crible.store.read.text import TextRows

_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
LEET = str.maketrans(_LEET)
NON_LETTERS = re.compile(r"[\W\d_]+")
CONTEXT = 40
MAX_TERMS = 10_000
MAX_TERM_LENGTH = 200


@dataclass(frozen=True)
class KeywordList:
    """An operator's list of terms, each kept with its normalised form."""

    name: str
    terms: tuple[tuple[str, str], ...]
    """(term as written, normalised)."""


@dataclass(frozen=True)
class KeywordHit:
    """A term of a list found in a message, with the words around it."""

    message_id: int
    account_id: int
    list_name: str
    term: str
    context: str


@dataclass
class Lead:
    """A way to reach or identify someone, counted once under its normalised ``key`` (see
    ``lead_key``) and kept with each spelling it was written in, as evidence."""

    kind: str
    """phone, email, handle, link."""
    key: str
    seen: dict[str, int | None] = field(default_factory=dict)
    """Spelling as written → the first message that showed it (None: the account's profile)."""

    @property
    def shown(self) -> str:
        """The first spelling seen (how the lead is shown)."""
        return next(iter(self.seen))

    @property
    def also(self) -> list[str]:
        """The other spellings seen, in the order they came."""
        return list(self.seen)[1:]

    def add(self, spelling: str, message_id: int | None) -> None:
        """Record a spelling (the first message that showed each is kept)."""
        if spelling not in self.seen and len(self.seen) < MAX_SPELLINGS:
            self.seen[spelling] = message_id


MAX_SPELLINGS = 8
"""Spellings kept per lead (the lead is counted once however many there are)."""


def normalise(text: str) -> tuple[str, list[int]]:
    """The letters of ``text`` as matched, with the position in ``text`` of each one."""
    letters: list[str] = []
    where: list[int] = []
    for i, char in enumerate(text.casefold().translate(LEET)):
        base = unicodedata.normalize("NFKD", char) if not char.isascii() else char
        for part in base:
            if part.isalpha():
                letters.append(part)
                where.append(i)
    return "".join(letters), where


def compact(text: str) -> str:
    """The letters of ``text`` as matched (``normalise`` without the positions, faster)."""
    folded = text.casefold().translate(LEET)
    if folded.isascii():
        return NON_LETTERS.sub("", folded)
    return "".join(c for c in unicodedata.normalize("NFKD", folded) if c.isalpha())


def load_keywords(path: Path) -> KeywordList:
    """Read a keyword list; a bad line is named by file and line."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise BadInput(f"cannot read the keyword list: {exc.strerror}", source=str(path)) from exc
    try:
        lines = raw.decode("utf-8-sig").splitlines()
    except UnicodeDecodeError as exc:
        raise BadInput("a keyword list must be UTF-8 text", source=str(path)) from exc
    terms: list[tuple[str, str]] = []
    for number, line in enumerate(lines, start=1):
        term = line.split("#", 1)[0].strip()
        if not term:
            continue
        if len(term) > MAX_TERM_LENGTH:
            raise BadInput(
                f"term longer than {MAX_TERM_LENGTH} characters", source=str(path), line=number
            )
        folded, _ = normalise(term)
        if len(folded) < 2:
            raise BadInput(
                f"term {term!r} has fewer than two letters", source=str(path), line=number
            )
        terms.append((term, folded))
        if len(terms) > MAX_TERMS:
            raise BadInput(f"more than {MAX_TERMS} terms", source=str(path), line=number)
    if not terms:
        raise BadInput("the keyword list has no terms", source=str(path))
    return KeywordList(path.stem, tuple(terms))


class KeywordMatcher:
    """Finds the terms of several lists in texts, in one pass per text."""

    def __init__(self, lists: Iterable[KeywordList]) -> None:
        self.owners: dict[str, list[tuple[str, str]]] = {}
        for keyword_list in lists:
            for term, folded in keyword_list.terms:
                self.owners.setdefault(folded, []).append((keyword_list.name, term))
        ordered = sorted(self.owners, key=len, reverse=True)
        self.pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None
        ascii_terms = [t for t in ordered if t.isascii()]
        self.ascii = (
            re.compile("|".join(_on_raw_ascii(t) for t in ascii_terms)) if ascii_terms else None
        )

    def hits(self, message_id: int, account_id: int, text: str) -> Iterator[KeywordHit]:
        """The terms found in one message's text."""
        if self.pattern is None or not text:
            return
        if text.isascii():  # the common case: match the raw text, no normalising copy
            for found in self.ascii.finditer(text) if self.ascii else ():
                context = _context(text, found.start(), found.end())
                for list_name, term in self.owners[compact(found.group())]:
                    yield KeywordHit(message_id, account_id, list_name, term, context)
            return
        folded, where = normalise(text)
        for found in self.pattern.finditer(folded):
            start, end = where[found.start()], where[found.end() - 1] + 1
            context = _context(text, start, end)
            for list_name, term in self.owners[found.group()]:
                yield KeywordHit(message_id, account_id, list_name, term, context)


_READ_AS = {
    letter: "".join(sorted({letter, letter.upper(), *(k for k, v in _LEET.items() if v == letter)}))
    for letter in "abcdefghijklmnopqrstuvwxyz"
}
_DROPPED = "[^A-Za-z" + re.escape("".join(_LEET)) + "]*"
"""In ASCII text, what ``compact`` drops: anything that is neither a letter nor read as one."""


def _on_raw_ascii(folded: str) -> str:
    """A pattern matching, in raw ASCII text, exactly where ``compact`` would show ``folded``."""
    return _DROPPED.join(f"[{re.escape(_READ_AS[letter])}]" for letter in folded)


def _context(text: str, start: int, end: int) -> str:
    before = text[max(0, start - CONTEXT) : start]
    after = text[end : end + CONTEXT]
    return f"{'…' if start > CONTEXT else ''}{before}[{text[start:end]}]{after}" + (
        "…" if end + CONTEXT < len(text) else ""
    )


LEADS = re.compile(
    "|".join(
        (
            r"(?P<email>\b[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})*\.[a-zA-Z]{2,24}\b)",
            r"(?P<link>\b(?:[hH][tT][tT][pP][sS]?://|www\.|t\.me/|discord\.gg/|wa\.me/)"
            r"[^\s<>\"']{2,300})",
            r"(?P<phone>(?<![\w+])\+?\d[\d ().-]{7,18}\d(?!\w))",
            r"(?P<handle>(?<![\w@.])@[A-Za-z][\w.]{3,31}\b)",
            r"(?i:\b(?:snap(?:chat)?|insta(?:gram)?|wickr|kik|session|signal|threema|skype|discord)"
            r"\s*[:=]\s*@?(?P<app>[\w.-]{3,64}))",
        )
    )
)
"""Contact and identity leads, in one pass: the kind is the name of the group that matched."""
_QUICK = re.compile(r"[@:=/]|www\.|\d[\d ().-]{6}")
"""Every lead contains one of these: texts without any are skipped."""

DATE = re.compile(r"\b\d{4}[-./]\d{1,2}[-./]\d{1,2}\b|\b\d{1,2}[-./]\d{1,2}[-./]\d{2,4}\b")


def leads_in(text: str) -> Iterator[tuple[str, str]]:
    """(kind, value) of each contact or identity lead in a text."""
    if not text or not _QUICK.search(text):
        return
    for found in LEADS.finditer(text):
        kind = found.lastgroup or ""
        value = found.group(kind).rstrip(".,;:!?)")
        if kind == "phone" and (sum(c.isdigit() for c in value) < 8 or DATE.search(value)):
            continue
        yield ("handle" if kind == "app" else kind), value


_PHONE_PREFIX = re.compile(r"^[\s(]*(\+|00)")
_LINK = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*://)?(?:www\.)?([^/?#]*)(.*)$", re.DOTALL)


def lead_key(kind: str, value: str) -> str:
    """The form under which a lead is counted, so that one number or address written two ways
    is one lead: a phone as its digits with a leading ``+`` when written international (``+``
    or the ``00`` prefix; spaces, dots, dashes and parentheses dropped: ``+12 345 578`` and
    ``+12345578`` are one), an e-mail address lower-cased, a handle without its ``@`` and
    case-folded (Telegram, Discord, Instagram, Snapchat and the other apps the leads name
    treat usernames without case), a link without its scheme and ``www.``, host lower-cased,
    trailing ``/`` dropped."""
    if kind == "phone":
        digits = "".join(c for c in value if "0" <= c <= "9")
        international = _PHONE_PREFIX.match(value)
        if international is None:
            return digits
        return "+" + (digits[2:] if international.group(1) == "00" else digits)
    if kind == "email":
        return value.strip().lower()
    if kind == "handle":
        return value.strip().removeprefix("@").casefold()
    if kind == "link":
        found = _LINK.match(value.strip())
        if found:
            return found.group(1).lower() + found.group(2).rstrip("/")
    return value.strip()


Leads = dict[int, dict[tuple[str, str], Lead]]
"""Account → (kind, key) → the lead."""


def add_lead(
    leads: Leads, account_id: int, kind: str, spelling: str, message_id: int | None
) -> None:
    """Count a lead under its normalised key, keeping the spelling as evidence."""
    key = lead_key(kind, spelling)
    mine = leads.setdefault(account_id, {})
    lead = mine.get((kind, key))
    if lead is None:
        lead = mine[(kind, key)] = Lead(kind, key)
    lead.add(spelling, message_id)


def scan_texts(store: Store, matcher: KeywordMatcher | None) -> tuple[list[KeywordHit], Leads]:
    """Stream every message's text once: keyword hits, and each account's leads (normalised
    with ``lead_key``, each spelling with the first message that showed it; phones and
    usernames from profiles too)."""
    hits: list[KeywordHit] = []
    leads: Leads = {}
    with TextRows.of(store) as rows:
        for message_id, account_id, text in rows.message_texts():
            if matcher is not None:
                hits.extend(matcher.hits(message_id, account_id, text))
            for kind, value in leads_in(text):
                add_lead(leads, account_id, kind, value, message_id)
        for account_id, kind, value in rows.profile_contacts():
            if kind == "phone":
                add_lead(leads, account_id, "phone", value, None)
            else:
                add_lead(leads, account_id, "handle", "@" + value.lstrip("@"), None)
    return hits, leads
