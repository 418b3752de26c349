"""Parts of a Telegram Desktop message: text and entities, media files, reactions, raw extras.

Every function here takes the raw message (a dict from the JSON) or one of its values and
returns model parts. Fields are popped from the raw message as they are used, so that what
is left at the end is exactly what crible does not model (kept raw in ``extra``). Values of
an unexpected type are left in place for the same reason. ``cuts`` collects, per field,
what was cut to keep a message bounded; the caller reports it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from crible.model.chats import AccountRef, Entity, MediaRef, Reaction

MAX_TEXT = 1_000_000
"""Longest message text (and entity text) kept, in characters; longer ones are cut."""

MAX_FIELD = 10_000
"""Longest other string kept (names, paths, raw extras), in characters."""

MAX_DEPTH = 20
"""Deepest nesting kept in a raw value below the message object."""

TOO_DEEP = f"(nested deeper than {MAX_DEPTH} levels: not kept)"
"""What stands for a value nested deeper than ``MAX_DEPTH``."""

Cuts = dict[str, str]
AccountOf = Callable[[Any, Any], tuple[AccountRef | None, bool]]
"""Makes an account from a raw (id, name) pair; says whether the id was in a legacy form."""

_ENTITY_VALUES = {
    "text_link": "href",
    "mention_name": "user_id",
    "custom_emoji": "document_id",
    "pre": "language",
}
_ENTITY_KEYS = frozenset({"type", "text", *_ENTITY_VALUES.values()})


def cut_string(value: str, limit: int, field: str, cuts: Cuts) -> str:
    """A string cut to ``limit`` characters, the cut noted under ``field``."""
    if len(value) <= limit:
        return value
    cuts.setdefault(field, f"cut to {limit} characters (it had {len(value)})")
    return value[:limit]


def bounded(value: Any, field: str, cuts: Cuts, depth: int = 1) -> Any:
    """A raw JSON value with strings cut to ``MAX_FIELD`` and nesting cut at ``MAX_DEPTH``."""
    if isinstance(value, str):
        return cut_string(value, MAX_FIELD, field, cuts)
    if isinstance(value, dict | list):
        if depth > MAX_DEPTH:
            cuts.setdefault(field, f"nested deeper than {MAX_DEPTH} levels: the rest not kept")
            return TOO_DEEP
        if isinstance(value, list):
            return [bounded(item, field, cuts, depth + 1) for item in value]
        return {
            cut_string(str(key), MAX_FIELD, field, cuts): bounded(item, field, cuts, depth + 1)
            for key, item in value.items()
        }
    return value


def read_text(raw: dict[str, Any], cuts: Cuts) -> tuple[str, tuple[Entity, ...]]:
    """The plain text of ``text`` (a string or a list of strings and entity objects) and
    the entities of ``text_entities`` (or, in older exports, of ``text``)."""
    text, entities = raw.get("text"), raw.get("text_entities")
    if type(text) is str and _only_plain(entities):
        del raw["text"]
        raw.pop("text_entities", None)
        return (text if len(text) <= MAX_TEXT else cut_string(text, MAX_TEXT, "text", cuts)), ()
    if isinstance(text, str):
        plain = raw.pop("text")
    elif isinstance(text, list):
        plain = "".join(_part_text(part) for part in raw.pop("text"))
    elif isinstance(entities, list):
        plain = "".join(_part_text(part) for part in entities)
    else:
        plain = ""
    source = "text_entities" if isinstance(entities, list) else "text"
    parts = entities if isinstance(entities, list) else text if isinstance(text, list) else []
    found, odd = _entities(parts, cuts)
    if isinstance(entities, list) and not odd:
        del raw["text_entities"]
    elif odd and source == "text":
        raw["text"] = text
    return cut_string(plain, MAX_TEXT, "text", cuts), found


def _only_plain(entities: Any) -> bool:
    """Whether ``text_entities`` is absent, empty or one plain part (most messages)."""
    if entities is None:
        return True
    if type(entities) is not list or len(entities) > 1:
        return False
    return not entities or (
        type(part := entities[0]) is dict and len(part) == 2 and part.get("type") == "plain"
    )


def _part_text(part: Any) -> str:
    """The text of one item of a text list: the string itself or an entity's ``text``."""
    if isinstance(part, str):
        return part
    if isinstance(part, dict) and isinstance(part.get("text"), str):
        return str(part["text"])
    return ""


def _entities(parts: list[Any], cuts: Cuts) -> tuple[tuple[Entity, ...], bool]:
    """The non-plain entity objects of a text list; whether some item had an odd shape."""
    found: list[Entity] = []
    odd = False
    for part in parts:
        if type(part) is str:
            continue
        if type(part) is not dict:
            odd = True
            continue
        kind, text = part.get("type"), part.get("text")
        if not isinstance(kind, str) or not isinstance(text, str):
            odd = True
        elif kind == "plain" and len(part) == 2:
            continue
        elif not part.keys() <= _ENTITY_KEYS:
            odd = True
        if kind != "plain" and isinstance(kind, str) and isinstance(text, str):
            text = cut_string(text, MAX_TEXT, "text", cuts)
            found.append(Entity(kind, text, _entity_value(kind, part, cuts)))
    return tuple(found), odd


def _entity_value(kind: str, part: dict[str, Any], cuts: Cuts) -> str | None:
    """An entity's target: a link's URL, a mentioned user's account key, an emoji id."""
    name = _ENTITY_VALUES.get(kind)
    value = part.get(name) if name else None
    if value is None or isinstance(value, bool):
        return None
    if kind == "mention_name" and isinstance(value, int):
        return f"user{value}"
    return cut_string(str(value), MAX_FIELD, "text", cuts)


def read_media(raw: dict[str, Any]) -> tuple[MediaRef, ...]:
    """The files a message refers to: its photo or file, a thumbnail, a contact card."""
    refs: list[MediaRef] = []
    if isinstance(raw.get("photo"), str):
        path = raw.pop("photo")
        size, (width, height) = _count(raw, "photo_file_size"), _size(raw)
        refs.append(_ref("photo", path, size_bytes=size, width=width, height=height))
    if isinstance(raw.get("file"), str):
        path = raw.pop("file")
        kind = _text(raw, "media_type") or "file"
        size, (width, height) = _count(raw, "file_size"), _size(raw)
        refs.append(
            _ref(
                kind,
                path,
                size_bytes=size,
                width=width,
                height=height,
                mime_type=_text(raw, "mime_type"),
                duration_seconds=_seconds(raw, "duration_seconds"),
                file_name=_text(raw, "file_name"),
            )
        )
    for kind in ("thumbnail", "contact_vcard"):
        if isinstance(raw.get(kind), str):
            path = raw.pop(kind)
            refs.append(_ref(kind, path, size_bytes=_count(raw, f"{kind}_file_size")))
    return tuple(refs)


def _ref(kind: str, path: str, **fields: Any) -> MediaRef:
    """A media reference: the path as written (the ingest service checks that it stays in
    the export folder), or tdesktop's placeholder sentence for a file not downloaded."""
    if path.startswith("(") and path.endswith(")"):
        return MediaRef(kind, None, False, note=path[:MAX_FIELD], **fields)
    return MediaRef(kind, path[:MAX_FIELD], True, **fields)


def _text(raw: dict[str, Any], key: str) -> str | None:
    """Pop a string field (cut to ``MAX_FIELD``); leave any other value in place."""
    if isinstance(raw.get(key), str):
        return str(raw.pop(key))[:MAX_FIELD]
    return None


def _count(raw: dict[str, Any], key: str) -> int | None:
    """Pop a non-negative integer field; leave any other value in place."""
    value = raw.get(key)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        del raw[key]
        return value
    return None


def _seconds(raw: dict[str, Any], key: str) -> float | None:
    """Pop a non-negative duration in seconds; leave any other value in place."""
    value = raw.get(key)
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        del raw[key]
        return float(value)
    return None


def _size(raw: dict[str, Any]) -> tuple[int | None, int | None]:
    """Pop ``width`` and ``height`` (the media's pixel size)."""
    return _count(raw, "width"), _count(raw, "height")


def read_reactions(raw: dict[str, Any], account_of: AccountOf) -> tuple[Reaction, ...]:
    """The reactions to a message, with the accounts of their ``recent`` lists.

    The model has no date per reacting account: when ``recent`` gives dates (or a
    reaction has an unexpected shape), the raw list also stays in ``extra``.
    """
    value = raw.get("reactions")
    if not isinstance(value, list):
        return ()
    found: list[Reaction] = []
    keep = False
    for item in value:
        if not isinstance(item, dict):
            keep = True
            continue
        emoji = next((item[k] for k in ("emoji", "document_id", "type") if _is_str(item, k)), "?")
        count = item.get("count")
        if not isinstance(count, int) or isinstance(count, bool):
            count, keep = 0, True
        accounts: list[AccountRef] = []
        recent = item.get("recent")
        for entry in recent if isinstance(recent, list) else ():
            if not isinstance(entry, dict):
                keep = True
                continue
            ref, legacy = account_of(entry.get("from_id"), entry.get("from"))
            keep = keep or legacy or "date" in entry
            if ref is not None:
                accounts.append(ref)
        found.append(Reaction(str(emoji)[:MAX_FIELD], count, tuple(accounts)))
    if not keep:
        del raw["reactions"]
    return tuple(found)


def _is_str(item: dict[str, Any], key: str) -> bool:
    """Whether ``item[key]`` is a non-empty string."""
    value = item.get(key)
    return isinstance(value, str) and bool(value)
