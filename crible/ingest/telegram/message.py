"""One Telegram Desktop message object into a ChatMessage: key, kind, sender, dates, the rest."""

from __future__ import annotations

from dataclasses import MISSING, fields
from typing import Any

from crible.ingest.telegram.parts import (
    MAX_FIELD,
    Cuts,
    bounded,
    cut_string,
    read_media,
    read_reactions,
    read_text,
)
from crible.ingest.telegram.refs import Context
from crible.model.chats import ChatMessage, ChatRef, ExportProblem, ExportRecord

CUT_KEY = "crible:cut"
"""The key of ``extra`` that lists the fields crible cut to keep the message bounded."""

KNOWN_FIELDS = frozenset(
    """
    id type date date_unixtime edited edited_unixtime from from_id actor actor_id action
    title members inviter message_id game_message_id score amount currency
    invoice_message_id recurring duration_seconds discard_reason information_text
    reason_app_id reason_app_name reason_domain values to to_id distance duration period
    schedule_date emoticon cost months new_title new_icon_emoji_id button_id peer_id author
    forwarded_from forwarded_from_id saved_from reply_to_message_id reply_to_peer_id via_bot
    photo photo_file_size width height self_destruct_period_seconds file file_name file_size
    thumbnail thumbnail_file_size media_type sticker_emoji performer mime_type
    contact_information contact_vcard contact_vcard_file_size location_information
    live_location_period_seconds place_name address game_title game_description game_link
    invoice_information poll text text_entities reactions media_spoiler inline_bot_buttons
    """.split()  # noqa: SIM905 (a list of 80 quoted names reads worse)
)
"""Message fields Telegram Desktop writes (export_output_json.cpp): the ones crible does not
model are kept in ``extra`` without being counted as unknown."""

_KINDS = frozenset({"message", "service"})
_NAMES = frozenset({"action", "forwarded_from", "saved_from", "via_bot"})
_MEDIA = frozenset({"photo", "file", "thumbnail", "contact_vcard"})
_DEFAULTS = {f.name: f.default for f in fields(ChatMessage) if f.default is not MISSING}
assert not hasattr(ChatMessage, "__post_init__") and not hasattr(ChatMessage, "__slots__")


def message_records(
    item: Any, chat: ChatRef, index: int, path: str, ctx: Context, cuts: Cuts | None = None
) -> list[ExportRecord]:
    """The message at ``path[index]``, after a problem record for what could not be kept."""
    position = f"{path}[{index}]"
    if not isinstance(item, dict):
        reason = f"a message must be a JSON object, not {_kind(item)}: skipped"
        return [ExportProblem(position, reason, excerpt=_excerpt(item))]
    problems: list[str] = []
    cuts = {} if cuts is None else cuts
    message = convert(item, chat, index, position, ctx, problems, cuts)
    if not problems and not cuts:
        return [message]
    if cuts:
        problems.append("cut to stay bounded: " + "; ".join(f"{k} {v}" for k, v in cuts.items()))
    out: list[ExportRecord] = [
        ExportProblem(position, f"message {message.key}: {r}") for r in problems
    ]
    out.append(message)
    return out


def convert(
    raw: dict[str, Any],
    chat: ChatRef,
    index: int,
    position: str,
    ctx: Context,
    problems: list[str],
    cuts: Cuts,
) -> ChatMessage:
    """A ChatMessage from a raw message; what it does not model is left in ``extra``.

    Optional fields are looked at only when present: this runs once a message.
    """
    kind = raw.get("type", "message")
    if kind in _KINDS:
        raw.pop("type", None)
    else:
        ctx.count_unknown(f"type {str(kind)[:100]!r}")
        kind = "unknown"
    raw_id = raw.get("id")
    if isinstance(raw_id, int | str) and not isinstance(raw_id, bool) and raw_id != "":
        key = str(raw.pop("id"))[:MAX_FIELD]
    else:
        key = f"pos:{index}"
    actor = "actor" in raw or "actor_id" in raw
    id_key, name_key = ("actor_id", "actor") if actor else ("from_id", "from")
    sender, keep_id = ctx.account(raw.get(id_key), raw.get(name_key))
    if sender is not None and _is_group(chat) and _is_the_chat(sender.key, chat):
        sender = None  # the group's own name, without an id: not a person (kept raw)
    else:
        _pop_names(raw, name_key)
    if not keep_id:
        raw.pop(id_key, None)
    values: dict[str, Any] = {"chat": chat, "key": key, "sender": sender, "kind": kind}
    values["sent_at"], local = ctx.when(raw, "date_unixtime", "date", problems)
    if "edited_unixtime" in raw or "edited" in raw:
        values["edited_at"], edited = ctx.when(raw, "edited_unixtime", "edited", problems)
        local = local or edited
    if local:
        values["assumed_zone"] = ctx.zone_name
    values["text"], values["entities"] = read_text(raw, cuts)
    for name in _NAMES.intersection(raw):
        values[name] = _name(raw, name)
    if "reply_to_message_id" in raw:
        values["reply_to"] = _reply_to(raw)
    if not _MEDIA.isdisjoint(raw):
        values["media"] = read_media(raw)
    if "reactions" in raw:
        values["reactions"] = read_reactions(raw, ctx.account)
    if "members" in raw:
        values["members"] = _members(raw)
    inviter = raw.get("inviter")
    if isinstance(inviter, str) and not _is_the_chat(f"name:{inviter[:MAX_FIELD]}", chat):
        values["inviter"] = ctx.account(None, raw.pop("inviter"))[0]
    if raw:
        _count_unknown(raw, ctx)
    values["extra"] = _extra(raw, cuts) if raw or cuts else {}
    values["position"] = position
    return _message(values)


def _message(values: dict[str, Any]) -> ChatMessage:
    """A ChatMessage from its field values, the model's defaults for the others.

    Measured reason for not calling ``ChatMessage(...)``: the frozen dataclass's
    ``__init__`` sets its 21 fields one ``object.__setattr__`` at a time, 2.9 us a message,
    a quarter of the conversion; filling ``__dict__`` takes 0.7 us and gives an equal
    object (the model has no ``__post_init__``; the tests compare both ways).
    """
    message: ChatMessage = object.__new__(ChatMessage)
    fields = message.__dict__
    fields.update(_DEFAULTS)
    fields.update(values)
    return message


def _is_the_chat(key: str, chat: ChatRef) -> bool:
    """Whether an account known by a name only is named as the chat itself: a group's
    invitation link shows the group as the inviter; the group is not a person."""
    return chat.name is not None and key == f"name:{chat.name}"


def _is_group(chat: ChatRef) -> bool:
    """Whether the chat is a group or channel (a personal chat is named after a person)."""
    return chat.type is not None and ("group" in chat.type or "channel" in chat.type)


def _pop_names(raw: dict[str, Any], key: str) -> None:
    """Pop a display-name field that was read (a string, or null for a deleted account)."""
    value = raw.get(key)
    if value is None or isinstance(value, str):
        raw.pop(key, None)


def _name(raw: dict[str, Any], key: str) -> str | None:
    """Pop a string field (cut to ``MAX_FIELD``) or null; leave any other value in place."""
    value = raw.get(key)
    if isinstance(value, str):
        del raw[key]
        return value[:MAX_FIELD]
    if value is None:
        raw.pop(key, None)
    return None


def _reply_to(raw: dict[str, Any]) -> str | None:
    """Pop ``reply_to_message_id`` as text."""
    value = raw.get("reply_to_message_id")
    if isinstance(value, int | str) and not isinstance(value, bool):
        del raw["reply_to_message_id"]
        return str(value)[:MAX_FIELD]
    return None


def _members(raw: dict[str, Any]) -> tuple[str, ...]:
    """Pop the names an invite or removal lists (null, a deleted account, becomes "")."""
    value = raw.get("members")
    if not isinstance(value, list) or not all(v is None or isinstance(v, str) for v in value):
        return ()
    del raw["members"]
    return tuple((name or "")[:MAX_FIELD] for name in value)


def _count_unknown(raw: dict[str, Any], ctx: Context) -> None:
    """Count the fields left in a raw message that tdesktop is not known to write."""
    for key in raw:
        if key not in KNOWN_FIELDS:
            ctx.count_unknown(f"field {str(key)[:100]!r}")


def _extra(raw: dict[str, Any], cuts: Cuts) -> dict[str, Any]:
    """What is left of a raw message, bounded, with the list of fields that were cut."""
    extra = {
        cut_string(str(k), MAX_FIELD, "extra", cuts): bounded(v, k, cuts) for k, v in raw.items()
    }
    if cuts:
        extra[CUT_KEY] = sorted(cuts)
    return extra


def _kind(value: Any) -> str:
    """How a JSON value of the wrong type is named in a problem."""
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    kinds = {list: "an array", str: "a string", type(None): "null"}
    return kinds.get(type(value), "a value of another type")


def _excerpt(value: Any) -> str:
    """A short excerpt of a skipped value."""
    return value[:120] if isinstance(value, str) else _kind(value)
