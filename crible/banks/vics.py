"""Project VIC VICS JSON hash sets (1.x and 2.0), streamed with ijson.

Shapes read: VICS 2.0 hash sets put bare media records in ``value[]``
(``{"@odata.context": ..., "value": [{"MediaID": 1, "Category": 0, "MD5": ...}]}``);
VICS 1.x files, and 2.0 case files, put them in ``value[].Media[]``
(``{"odata.metadata": ..., "value": [{"Media": [{...}]}]}``). Both are told apart per item:
an item of ``value[]`` with a ``Media`` array is a container, any other item is a record.

A record gives ``MD5``, ``SHA1``, ``SHA256``, ``PhotoDNA`` (kept opaque) and
``AlternativeHashes`` / ``Hashes`` lists of ``{"HashName", "HashValue"}`` (hash names
crible does not know are ignored); ``Category`` (VIC-US 0-4, integer or string; absent or
null: the options' default) and ``MediaID`` (the entry's ``external_id``). Field names are
matched case-insensitively; other fields are ignored. Each hash becomes one entry.

JSON has no useful line numbers, so ``line`` is the 1-based number of the media record in
the file ("record N"). A record is read whole or rejected whole. When the JSON itself
breaks (truncated, invalid, a number of more than ``MAX_DIGITS`` digits, trailing data),
everything before is yielded and one last ``RejectedLine`` says after which record reading
stopped, so the caller knows exactly which records were kept. A file that breaks before
its ``value`` array, or has none, is not a VICS list: ``InvalidList``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, BinaryIO, TextIO

import ijson

from crible.banks.formats import ParseOptions, ParseResult, preview, rejected
from crible.jsonguard import DigitGuard, UnreadableJson
from crible.model.banks import Bank, HashEntry, RejectedLine
from crible.model.categories import Category, make_category
from crible.model.errors import BadInput, InvalidHash, InvalidList
from crible.model.signals import SignalType
from crible.signals.registry import normalise, signal_type_named

VIC_SCHEME = "VIC-US"
ODATA_CONTEXT = "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Media"
MAX_DEPTH = 32
"""Deepest nesting read inside a record; deeper values are skipped, not built."""

_FIELDS: dict[SignalType, str] = {
    SignalType.MD5: "MD5",
    SignalType.SHA1: "SHA1",
    SignalType.SHA256: "SHA256",
    SignalType.PHOTODNA: "PhotoDNA",
}
_LISTS = {"alternativehashes": "AlternativeHashes", "hashes": "Hashes"}

Event = tuple[str, Any]


def _events(stream: BinaryIO) -> Iterator[Event]:
    """The parser's events; any parser failure becomes ``UnreadableJson`` with a short reason."""
    try:
        yield from ijson.basic_parse(DigitGuard(stream))
    except (ijson.JSONError, ArithmeticError, ValueError) as exc:
        raise UnreadableJson(_describe(exc)) from exc


def _describe(exc: Exception) -> str:
    """The first line of a parser error, as text."""
    message = exc.args[0] if exc.args else type(exc).__name__
    if isinstance(message, bytes):
        message = message.decode("utf-8", errors="replace")
    lines = str(message).strip().splitlines()
    return preview(lines[0] if lines else type(exc).__name__)


class _TooDeep:
    """Stands for a value nested deeper than MAX_DEPTH, which is skipped, not built."""

    def __str__(self) -> str:
        return f"(nested deeper than {MAX_DEPTH} levels)"


_TOO_DEEP = _TooDeep()


class _Walk:
    """Walk a VICS document's events and yield its media records, numbered from 1."""

    def __init__(self, events: Iterator[Event]) -> None:
        self._events = events
        self.count = 0
        self.in_value = False

    def records(self) -> Iterator[tuple[int, object]]:
        """Each media record with its number, in file order."""
        if self._next()[0] != "start_map":
            raise UnreadableJson("the top level is not a JSON object")
        for key in self._keys():
            if key == "value":
                yield from self._value()
            else:
                self._skip(*self._next())
        if next(self._events, None) is not None:
            raise UnreadableJson("more JSON after the end of the document")

    def _value(self) -> Iterator[tuple[int, object]]:
        """The records of the ``value`` array: bare, or inside ``Media`` containers."""
        if self._next()[0] != "start_array":
            raise UnreadableJson("value is not an array")
        self.in_value = True
        while (event := self._next())[0] != "end_array":
            if event[0] == "start_map":
                yield from self._item()
            else:
                yield self._numbered(self._build(*event, depth=1))

    def _item(self) -> Iterator[tuple[int, object]]:
        """An item of ``value``: a container's records as they come, or itself as a record."""
        fields: dict[str, object] = {}
        container = False
        for key in self._keys():
            event = self._next()
            if key.lower() == "media" and event[0] == "start_array":
                container = True
                while (inner := self._next())[0] != "end_array":
                    yield self._numbered(self._build(*inner, depth=1))
            else:
                fields[key] = self._build(*event, depth=1)
        if not container:
            yield self._numbered(fields)

    def _numbered(self, record: object) -> tuple[int, object]:
        """Give a record the next number."""
        self.count += 1
        return self.count, record

    def _build(self, event: str, value: Any, depth: int) -> object:
        """The Python value an event starts; containers deeper than MAX_DEPTH are skipped."""
        if event not in ("start_map", "start_array"):
            return value
        if depth > MAX_DEPTH:
            self._skip(event, value)
            return _TOO_DEEP
        if event == "start_map":
            return {key: self._build(*self._next(), depth=depth + 1) for key in self._keys()}
        items: list[object] = []
        while (item := self._next())[0] != "end_array":
            items.append(self._build(*item, depth=depth + 1))
        return items

    def _keys(self) -> Iterator[str]:
        """The keys of the map being read; the caller reads each key's value."""
        while (event := self._next())[0] != "end_map":
            yield str(event[1])

    def _skip(self, event: str, value: Any) -> None:
        """Read past a value without building it."""
        depth = 1 if event in ("start_map", "start_array") else 0
        while depth:
            kind = self._next()[0]
            depth += kind in ("start_map", "start_array")
            depth -= kind in ("end_map", "end_array")

    def _next(self) -> Event:
        """The next event; the end of input here means the JSON was cut short."""
        event = next(self._events, None)
        if event is None:
            raise UnreadableJson("the JSON ends too early")
        return event


def parse(stream: BinaryIO, source: str, options: ParseOptions) -> Iterator[ParseResult]:
    """Yield the entries of each media record, or a rejection naming the record."""
    default = options.default_category()
    walk = _Walk(_events(stream))
    try:
        for number, record in walk.records():
            yield from _read(record, number, default)
    except UnreadableJson as exc:
        if not walk.in_value:
            raise InvalidList(f"not a VICS JSON list: {exc}", source=source) from exc
        reason = f"JSON unreadable after record {walk.count}: {exc}; nothing after it was read"
        yield RejectedLine(walk.count + 1, reason)
        return
    if not walk.in_value:
        raise InvalidList("not a VICS JSON list: no value array", source=source)


def _read(record: object, number: int, default: Category | None) -> Iterator[ParseResult]:
    """The entries of one record, or one rejection for all of it."""
    try:
        entries = _entries(record, number, default)
    except BadInput as exc:
        yield rejected(number, f"record {number}: {exc.reason}", _show(record))
        return
    yield from entries


def _entries(record: object, number: int, default: Category | None) -> list[HashEntry]:
    """Every hash of a record, with its category and MediaID; raises BadInput."""
    if not isinstance(record, dict):
        raise BadInput(f"a media record must be a JSON object, not {_kind(record)}")
    fields = {str(key).lower(): value for key, value in record.items()}
    category = _category(fields.get("category"), default)
    external_id = _media_id(fields.get("mediaid"))
    hashes = dict.fromkeys([*_own_hashes(fields), *_listed_hashes(fields)])
    if not hashes:
        raise BadInput("no hash (MD5, SHA1, SHA256, PhotoDNA) in this record")
    return [HashEntry(kind, value, category, external_id, number) for kind, value in hashes]


def _own_hashes(fields: dict[str, object]) -> Iterator[tuple[SignalType, str]]:
    """The hashes a record holds in its MD5, SHA1, SHA256 and PhotoDNA fields."""
    for signal_type, name in _FIELDS.items():
        if (value := _text(fields.get(name.lower()), name)) is not None:
            yield signal_type, normalise(signal_type, value)


def _listed_hashes(fields: dict[str, object]) -> Iterator[tuple[SignalType, str]]:
    """The hashes of a record's AlternativeHashes / Hashes lists whose names crible knows."""
    for key, label in _LISTS.items():
        items = fields.get(key)
        if items is None:
            continue
        if not isinstance(items, list):
            raise BadInput(f"{label} must be an array, not {_kind(items)}")
        for item in items:
            if not isinstance(item, dict):
                raise BadInput(f"an item of {label} must be an object, not {_kind(item)}")
            named = {str(k).lower(): v for k, v in item.items()}
            name = _text(named.get("hashname"), "HashName") or ""
            value = _text(named.get("hashvalue"), "HashValue")
            signal_type = _known_type(name)
            if signal_type is not None and value is not None:
                yield signal_type, normalise(signal_type, value)


def _known_type(name: str) -> SignalType | None:
    """The signal type of a hash name, or None for a kind crible does not use."""
    try:
        return signal_type_named(name)
    except InvalidHash:
        return None


def _text(value: object, name: str) -> str | None:
    """A string field; None when absent, null or empty; BadInput for any other type."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise BadInput(f"{name} must be a string, not {_kind(value)}")
    return value


def _category(value: object, default: Category | None) -> Category | None:
    """A record's VIC-US category; the default when it gives none."""
    if value is None or value == "":
        return default
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise BadInput(f"Category must be an integer or a string, not {_kind(value)}")
    if isinstance(value, int) and not -100 < value < 100:
        raise BadInput("Category is out of range for scheme VIC-US (0-4)")
    return make_category(VIC_SCHEME, value)


def _media_id(value: object) -> str | None:
    """A record's MediaID as text; None when absent, null or empty."""
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        if value.bit_length() > 64:
            raise BadInput("MediaID is too large (more than 64 bits)")
        return str(value)
    if isinstance(value, str):
        if len(value) > 200:
            raise BadInput("MediaID is longer than 200 characters")
        return value.strip() or None
    raise BadInput(f"MediaID must be an integer or a string, not {_kind(value)}")


def _kind(value: object) -> str:
    """How a JSON value of the wrong type is named in a message."""
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float | Decimal):
        return "a number"
    kinds = {dict: "an object", list: "an array", str: "a string", type(None): "null"}
    return kinds.get(type(value), f"a value nested deeper than {MAX_DEPTH} levels")


def _show(record: object) -> str:
    """A short preview of a rejected record."""
    try:
        return preview(json.dumps(record, default=str))
    except (TypeError, ValueError):
        return ""


@dataclass
class _Draft:
    """A VICS record being filled with consecutive entries that share a MediaID."""

    external_id: str | None
    category: Category | None
    hashes: dict[SignalType, str] = field(default_factory=dict)
    others: list[str] = field(default_factory=list)
    size: int = 0

    def takes(self, entry: HashEntry) -> bool:
        """Whether an entry belongs to this record: same MediaID and category, a free slot."""
        same = entry.external_id is not None and entry.external_id == self.external_id
        if not same or entry.category != self.category:
            return False
        if entry.signal_type is SignalType.PDQ:
            return entry.value not in self.others
        return entry.signal_type not in self.hashes

    def add(self, entry: HashEntry) -> None:
        """Put an entry's hash in its field (PDQ goes to AlternativeHashes)."""
        if entry.signal_type is SignalType.PDQ:
            self.others.append(entry.value)
        else:
            self.hashes[entry.signal_type] = entry.value
        self.size += 1

    def record(self) -> dict[str, object]:
        """The VICS 2.0 media record."""
        out: dict[str, object] = {}
        if self.external_id is not None:
            out["MediaID"] = _media_id_out(self.external_id)
        if self.category is not None and self.category.scheme == VIC_SCHEME:
            out["Category"] = int(self.category.code)
        for signal_type, name in _FIELDS.items():
            if signal_type in self.hashes:
                out[name] = self.hashes[signal_type]
        if self.others:
            out["AlternativeHashes"] = [{"HashName": "PDQ", "HashValue": v} for v in self.others]
        return out


def _media_id_out(external_id: str) -> int | str:
    """A MediaID as VICS writes it: an integer when the text is one, else the text."""
    canonical = external_id.isascii() and external_id.isdigit() and len(external_id) <= 18
    if canonical and str(int(external_id)) == external_id:
        return int(external_id)
    return external_id


def _drafts(entries: Iterable[HashEntry]) -> Iterator[_Draft]:
    """Group consecutive entries sharing a MediaID into records, one record per other entry."""
    draft: _Draft | None = None
    for entry in entries:
        if draft is None or not draft.takes(entry):
            if draft is not None:
                yield draft
            draft = _Draft(entry.external_id, entry.category)
        draft.add(entry)
    if draft is not None:
        yield draft


def export(entries: Iterable[HashEntry], out: TextIO, bank: Bank) -> int:
    """Write a VICS 2.0 document of media records; return how many entries were written."""
    out.write('{"@odata.context": ' + json.dumps(ODATA_CONTEXT) + ', "value": [')
    count = 0
    separator = "\n"
    for draft in _drafts(entries):
        out.write(separator + json.dumps(draft.record()))
        separator = ",\n"
        count += draft.size
    out.write("\n]}\n")
    return count
