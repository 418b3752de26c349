"""Generated Telegram Desktop exports (benign), for the demo, the tests and the benchmarks.

``TelegramExport`` builds a single-chat export the way Telegram Desktop writes it
(``result.json`` with media folders beside it): messages, photos, placeholders, forwards,
replies and service messages with both ``date`` and ``date_unixtime``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PIL import Image

PLACEHOLDER = "(File not included. Change data exporting settings to download.)"


@dataclass
class TelegramExport:
    """A chat export under construction; ``write`` puts it in a folder."""

    chat_id: int
    name: str
    type: str = "private_supergroup"
    messages: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, Image.Image] = field(default_factory=dict)

    def _base(self, message_id: int, when: datetime) -> dict[str, Any]:
        return {
            "id": message_id,
            "type": "message",
            "date": when.strftime("%Y-%m-%dT%H:%M:%S"),
            "date_unixtime": str(int(when.timestamp())),
        }

    def post(
        self,
        message_id: int,
        when: datetime,
        user: tuple[int, str],
        text: str | list[Any] = "",
        *,
        photo: Image.Image | None = None,
        photo_name: str | None = None,
        placeholder: bool = False,
        forwarded_from: str | None = None,
        reply_to: int | None = None,
    ) -> None:
        """A message from ``user`` (id, display name), optionally with a photo."""
        msg = self._base(message_id, when)
        msg.update({"from": user[1], "from_id": f"user{user[0]}", "text": text})
        if forwarded_from:
            msg["forwarded_from"] = forwarded_from
        if reply_to is not None:
            msg["reply_to_message_id"] = reply_to
        if placeholder:
            msg.update({"photo": PLACEHOLDER, "width": 640, "height": 480})
        elif photo is not None:
            path = f"photos/{photo_name or f'photo_{message_id}@{when:%d-%m-%Y_%H-%M-%S}.jpg'}"
            self.files[path] = photo
            msg.update({"photo": path, "width": photo.width, "height": photo.height})
        self.messages.append(msg)

    def service(
        self, id_: int, when: datetime, actor: tuple[int, str], action: str, **fields: Any
    ) -> None:
        """A service message (create_group, invite_members, join_group_by_link, ...); ``fields``
        may carry Telegram's own ``message_id`` (the pinned message of ``pin_message``)."""
        msg = self._base(id_, when)
        msg.update(
            {
                "type": "service",
                "actor": actor[1],
                "actor_id": f"user{actor[0]}",
                "action": action,
                "text": "",
                **fields,
            }
        )
        self.messages.append(msg)

    def document(self) -> dict[str, Any]:
        """The result.json content."""
        ordered = sorted(self.messages, key=lambda m: int(m["id"]))
        return {"name": self.name, "type": self.type, "id": self.chat_id, "messages": ordered}

    def write(self, folder: Path, *, only: range | None = None) -> Path:
        """Write result.json (messages with ids in ``only``, if given) and the media files."""
        folder.mkdir(parents=True, exist_ok=True)
        doc = self.document()
        if only is not None:
            doc["messages"] = [m for m in doc["messages"] if int(m["id"]) in only]
        kept = {m.get("photo") for m in doc["messages"]}
        for path, img in self.files.items():
            if path in kept:
                (folder / path).parent.mkdir(parents=True, exist_ok=True)
                img.save(folder / path, "JPEG", quality=88)
        target = folder / "result.json"
        target.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
        return target


def at(day: int, hour: int = 12, minute: int = 0) -> datetime:
    """A moment in the demo's month (UTC)."""
    return datetime(2025, 3, day, hour, minute, tzinfo=UTC)
