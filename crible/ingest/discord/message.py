"""One DiscordChatExporter message object (as its ``JsonMessageWriter`` writes it) in the model.

Fields read: ``id``, ``type`` (Default and Reply are messages; Call, RecipientAdd,
ChannelPinnedMessage, GuildMemberJoin, ThreadCreated... are service events with
``action`` = the type), ``timestamp`` / ``timestampEdited`` (ISO with offset),
``callEndedTimestamp`` and ``isPinned`` (kept in ``extra``), ``content``, ``author``,
``attachments``, ``embeds`` (links, and their images and videos as media), ``stickers``,
``reactions`` (with ``users`` when written), ``mentions``, ``reference`` (a reply; or a
forward when its ``type`` is "Forward") and ``forwardedMessage``. Keys this module does
not know go to ``extra`` as they are (bounded by ``stream``); a field of the wrong
type counts as absent. Every value is checked: hostile input never raises here.
"""

from __future__ import annotations

import mimetypes
import re
from datetime import UTC, datetime
from typing import Any

from crible.model.chats import (
    AccountRef,
    ChatMessage,
    ChatRef,
    Entity,
    ExportProblem,
    MediaRef,
    Platform,
    Reaction,
)

MESSAGE_TYPES = frozenset({"Default", "Reply"})
_KNOWN = frozenset(
    {
        "id", "type", "timestamp", "timestampEdited", "callEndedTimestamp", "isPinned",
        "content", "author", "attachments", "embeds", "stickers", "reactions", "mentions",
        "reference", "forwardedMessage", "inlineEmojis",
    }
)  # fmt: skip
_AUTHOR_KNOWN = frozenset(
    {"id", "name", "discriminator", "nickname", "color", "isBot", "roles", "avatarUrl"}
)
_IN_MEDIA = frozenset({"attachments", "stickers", "embeds"})
_REMOTE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:(?://|[^\\/])")
_LINK = re.compile(r"https?://[^\s<>\"']+")
EXCERPT_CHARS = 120


def to_message(
    raw: Any, chat: ChatRef, number: int, guild_id: str | None
) -> tuple[ChatMessage | None, list[ExportProblem]]:
    """The message a JSON object stands for, with what was wrong in it."""
    where = f"message {number}"
    if not isinstance(raw, dict):
        return None, [ExportProblem(where, "not a JSON object: skipped", _excerpt(raw))]
    key = _text(raw.get("id"))
    if not key:
        return None, [ExportProblem(where, "message without an id: skipped", _excerpt(raw))]
    problems: list[ExportProblem] = []
    sent_at, naive = _time(raw.get("timestamp"), "timestamp", where, problems)
    edited_at, naive_edit = _time(raw.get("timestampEdited"), "timestampEdited", where, problems)
    kind = _text(raw.get("type")) or "Default"
    service = kind not in MESSAGE_TYPES
    reference = _object(raw.get("reference"))
    forward = _object(raw.get("forwardedMessage"))
    is_forward = _text(reference.get("type")) == "Forward" or bool(forward)
    content = _text(raw.get("content")) or ""
    forwarded_text = (_text(forward.get("content")) or "") if is_forward else ""
    text = content or forwarded_text
    mentions = [m for m in _list(raw.get("mentions")) if isinstance(m, dict)]
    msg = ChatMessage(
        chat=chat,
        key=key,
        sent_at=sent_at,
        sender=account(raw.get("author")),
        kind="service" if service else "message",
        action=kind if service else None,
        text=text,
        entities=_entities(text, raw, mentions),
        edited_at=edited_at,
        assumed_zone="UTC" if naive or naive_edit else None,
        reply_to=None if is_forward else _text(reference.get("messageId")),
        media=(*_media(raw), *_media(forward)),
        reactions=tuple(_reactions(raw.get("reactions"))),
        members=tuple(_name(m) for m in mentions) if service else (),
        extra=_extra(raw, chat.key, reference, forward, guild_id),
        position=where,
    )
    return msg, problems


def account(raw: Any) -> AccountRef | None:
    """A DiscordChatExporter user object as an account (shown name: nickname, else name)."""
    user = _object(raw)
    key = _text(user.get("id"))
    if not key:
        return None
    name = _text(user.get("name"))
    tag = _text(user.get("discriminator"))
    username = f"{name}#{tag}" if name and tag and tag.strip("0") else name
    shown = _text(user.get("nickname")) or name
    return AccountRef(Platform.DISCORD, key, shown, username, is_bot=user.get("isBot") is True)


def _time(
    value: Any, field: str, where: str, problems: list[ExportProblem]
) -> tuple[datetime | None, bool]:
    """An ISO time as an aware datetime (UTC assumed when it has no offset), and if assumed."""
    text = _text(value)
    if not text:
        return None, False
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        problems.append(ExportProblem(where, f"{field} is not an ISO date and time", text[:80]))
        return None, False
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC), True
    return moment, False


def _entities(text: str, raw: dict[str, Any], mentions: list[dict[str, Any]]) -> tuple[Entity, ...]:
    """Links in the text and the embeds, and mentioned users (their id as the value)."""
    found = [Entity("link", url) for url in _LINK.findall(text)]
    for embed in _list(raw.get("embeds")):
        url = _text(_object(embed).get("url"))
        if url:
            found.append(Entity("link", _text(embed.get("title")) or url, url))
    for user in mentions:
        user_id = _text(user.get("id"))
        if user_id:
            found.append(Entity("mention", f"@{_name(user)}", user_id))
    return tuple(dict.fromkeys(found))


def _media(owner: dict[str, Any]) -> tuple[MediaRef, ...]:
    """Attachments, stickers and embed images/videos of a message (or forwarded message)."""
    refs: list[MediaRef] = []
    for item in _list(owner.get("attachments")):
        attachment = _object(item)
        url, name = _text(attachment.get("url")), _text(attachment.get("fileName"))
        kind, mime = _kind(name or url or "")
        size = attachment.get("fileSizeBytes")
        size = size if isinstance(size, int) and not isinstance(size, bool) else None
        refs.append(_ref(kind, url, mime_type=mime, size_bytes=size, file_name=name))
    for item in _list(owner.get("stickers")):
        sticker = _object(item)
        refs.append(
            _ref("sticker", _text(sticker.get("sourceUrl")), file_name=_text(sticker.get("name")))
        )
    for item in _list(owner.get("embeds")):
        embed = _object(item)
        for field, kind in (("image", "image"), ("thumbnail", "image"), ("video", "video")):
            refs.extend(_embed_media(embed.get(field), kind))
        for image in _list(embed.get("images")):
            refs.extend(_embed_media(image, "image"))
    return tuple(dict.fromkeys(refs))


def _embed_media(raw: Any, kind: str) -> list[MediaRef]:
    """An embed's image or video, where it has a URL."""
    item = _object(raw)
    url = _text(item.get("url"))
    if not url:
        return []
    width, height = item.get("width"), item.get("height")
    return [
        _ref(
            kind,
            url,
            width=width if isinstance(width, int) and width > 0 else None,
            height=height if isinstance(height, int) and height > 0 else None,
        )
    ]


def _ref(kind: str, url: str | None, **fields: Any) -> MediaRef:
    """A media reference: local (``--media`` export, path relative to the JSON) or a URL."""
    if url and not _REMOTE.match(url):
        return MediaRef(kind, url.replace("\\", "/"), exported=True, **fields)
    return MediaRef(kind, None, exported=False, note=url, **fields)


def _kind(name: str) -> tuple[str, str | None]:
    """Media kind (image, video, audio, document) and MIME type of a file name."""
    mime = mimetypes.guess_type(name.split("?")[0], strict=False)[0]
    major = (mime or "").split("/")[0]
    return (major if major in ("image", "video", "audio") else "document"), mime


def _reactions(raw: Any) -> list[Reaction]:
    """Reactions: unicode emoji as is, custom ones as Discord writes them (<:name:id>)."""
    out = []
    for item in _list(raw):
        reaction = _object(item)
        emoji = _object(reaction.get("emoji"))
        name, emoji_id = _text(emoji.get("name")) or "", _text(emoji.get("id"))
        if emoji_id:
            name = f"<{'a' if emoji.get('isAnimated') is True else ''}:{name}:{emoji_id}>"
        count = reaction.get("count")
        users = (account(u) for u in _list(reaction.get("users")))
        out.append(
            Reaction(
                name,
                count if isinstance(count, int) and not isinstance(count, bool) else 0,
                tuple(u for u in users if u is not None),
            )
        )
    return out


def _extra(
    raw: dict[str, Any],
    channel_id: str,
    reference: dict[str, Any],
    forward: dict[str, Any],
    guild_id: str | None,
) -> dict[str, Any]:
    """What the model has no field for: unknown keys as they are, and a few known ones."""
    extra = {k: v for k, v in raw.items() if k not in _KNOWN}
    if guild_id:
        extra["guild_id"] = guild_id
    if raw.get("isPinned") is True:
        extra["pinned"] = True
    if _text(raw.get("callEndedTimestamp")):
        extra["call_ended_at"] = raw["callEndedTimestamp"]
    author = {k: v for k, v in _object(raw.get("author")).items() if k not in _AUTHOR_KNOWN}
    if author:
        extra["author"] = author
    if _text(reference.get("type")) == "Forward" or forward:
        kept = {k: reference.get(k) for k in ("messageId", "channelId", "guildId")}
        shown = {k: v for k, v in forward.items() if k not in _IN_MEDIA}
        extra["forwarded"] = {**kept, **shown}
    elif _text(reference.get("channelId")) not in (None, channel_id):
        extra["reference"] = reference
    return extra


def _name(user: dict[str, Any]) -> str:
    """The shown name of a user object."""
    return _text(user.get("nickname")) or _text(user.get("name")) or _text(user.get("id")) or "?"


def _text(value: Any) -> str | None:
    """A string value, or None for anything else."""
    return value if isinstance(value, str) else None


def _object(value: Any) -> dict[str, Any]:
    """An object value, or an empty one for anything else."""
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    """An array value, or an empty one for anything else."""
    return value if isinstance(value, list) else []


def _excerpt(value: Any) -> str:
    """A short text of a value, for a problem report."""
    return repr(value)[:EXCERPT_CHARS]
