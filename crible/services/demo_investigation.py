"""The demo's generated investigation: three Telegram groups seen by two infiltrating accounts,
40 members, with roles planted for the ranking to find (all pictures benign):

- an administrator (``ADMIN``) creates North and South, invites people and pins a message;
- a source (``SOURCE``) is first to post pictures in no bank, one of them next to a listed
  picture; three members re-share them later, as chat apps re-post them: recompressed or
  resized (other bytes, the same picture);
- two distributors (``DISTRIBUTORS``) post edited copies of listed pictures on many days;
- a bridge (``BRIDGE``), member of North and East, forwards from Group North into Group East;
- everyone else (``PASSIVE``) writes short notes or nothing.

``ROLES`` maps each planted role to its member numbers; ``member(n)`` gives the account.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from PIL import Image

from crible.services.demo_media import TRANSFORMS, picture, recompressed
from crible.services.demo_telegram import TelegramExport, at

MEMBERS = 40
GROUPS = ("Group North", "Group South", "Group East")
ADMIN, EAST_OWNER, SOURCE, BRIDGE = 0, 2, 5, 13
DISTRIBUTORS = (7, 11)
RESHARERS = (20, 23, 26)
JOINER = 31
NORTH = (0, 1, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 14, 20, 23)
SOUTH = (0, 7, 11, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26)
EAST = (2, 13, 26, 27, 28, 29, 30, 32, 33, 34, 35, 36, 37, 38, 39)
ACTIVE = {ADMIN, EAST_OWNER, SOURCE, BRIDGE, JOINER, *DISTRIBUTORS, *RESHARERS}
PASSIVE = tuple(n for n in range(MEMBERS) if n not in ACTIVE)
ROLES: dict[str, tuple[int, ...]] = {
    "administrator": (ADMIN,),
    "source": (SOURCE,),
    "distributor": DISTRIBUTORS,
    "bridge": (BRIDGE,),
    "passive": PASSIVE,
}
NEW_MEDIA = 3
"""Pictures the source is first to post (in no bank)."""
KEYWORDS = ("lighthouse", "bluebird")
"""Neutral placeholder words for the demo's operator keyword list."""


def member(n: int) -> tuple[int, str]:
    """The n-th demo account: (id, display name)."""
    return 7000 + n, f"member-{n:02d}"


def new_picture(k: int) -> Image.Image:
    """The k-th picture the source brings (in no bank)."""
    return picture(5000 + k)


def reshared_picture(k: int) -> Image.Image:
    """The k-th new picture as a member re-shares it: recompressed, resized, or both."""
    original = new_picture(k)
    if k % 3 == 0:
        return recompressed(original, 40)
    resized = TRANSFORMS["resized"](original)
    return resized if k % 3 == 1 else recompressed(resized, 45)


def known_picture(k: int, listed: int) -> Image.Image:
    """An edited copy of the listed picture k (modulo the list's size)."""
    index = k % listed
    edits = list(TRANSFORMS)
    return TRANSFORMS[edits[index % len(edits)]](picture(index))


@dataclass
class Chat:
    """One group's events before message ids are given (in time order)."""

    export: TelegramExport
    events: list[tuple[datetime, str, tuple[Any, ...], dict[str, Any]]] = field(
        default_factory=list
    )

    def post(self, when: datetime, n: int, text: str = "", **fields: Any) -> None:
        self.events.append((when, "post", (member(n), text), fields))

    def service(self, when: datetime, n: int, action: str, **fields: Any) -> None:
        self.events.append((when, "service", (member(n), action), fields))

    def finish(self) -> TelegramExport:
        for message_id, (when, kind, args, fields) in enumerate(
            sorted(self.events, key=lambda e: e[0]), start=1
        ):
            if kind == "post":
                self.export.post(message_id, when, *args, **fields)
            else:
                self.export.service(message_id, when, *args, **fields)
        return self.export


def _founded(chat: Chat, owner: int, members: tuple[int, ...], day: int) -> None:
    chat.service(at(1, 9 + day), owner, "create_group", title=chat.export.name, members=[])
    invited = [member(n)[1] for n in members if n != owner]
    chat.service(at(1, 10 + day), owner, "invite_members", members=invited)


def build_groups(listed: int, seed: int = 7) -> list[TelegramExport]:
    """The three group exports, complete (before splitting by infiltrating account)."""
    rng = random.Random(seed)
    north, south, east = (Chat(TelegramExport(9000 + i, name)) for i, name in enumerate(GROUPS))
    _founded(north, ADMIN, NORTH, 0)
    _founded(south, ADMIN, SOUTH, 1)
    _founded(east, EAST_OWNER, EAST, 2)
    north.service(at(2, 8), ADMIN, "pin_message", message_id=4)
    for k, day in enumerate((3, 8, 14)):  # the source brings new pictures
        north.post(at(day, 20), SOURCE, "", photo=new_picture(k))
    north.post(at(8, 20, 30), SOURCE, "", photo=known_picture(0, listed))
    for k, (n, chat, day) in enumerate(
        zip(RESHARERS, (south, north, east), (10, 16, 20), strict=True)
    ):
        chat.post(at(day, 18), n, "", photo=reshared_picture(k))
    for i, day in enumerate((4, 7, 10, 13, 17, 21)):  # the distributors
        north.post(at(day, 12), DISTRIBUTORS[0], "", photo=known_picture(1 + i, listed))
    for i, day in enumerate((5, 9, 12, 18, 23)):
        south.post(at(day, 12), DISTRIBUTORS[1], "", photo=known_picture(7 + i, listed))
    east.post(at(22, 15), BRIDGE, "", photo=known_picture(1, listed), forwarded_from=GROUPS[0])
    east.post(at(22, 15, 5), BRIDGE, "see the other group", forwarded_from=GROUPS[0])
    north.post(at(6, 11), BRIDGE, "hello all")
    east.service(at(24, 9), JOINER, "join_group_by_link", inviter=member(EAST_OWNER)[1])
    east.post(at(25), JOINER, "", photo=known_picture(3, listed), forwarded_from=member(7)[1])
    for chat, people in ((north, NORTH), (south, SOUTH), (east, EAST)):
        talkers = [n for n in people if n in PASSIVE]
        for day in range(2, 27):
            n = rng.choice(talkers)
            chat.post(at(day, 14, rng.randrange(60)), n, f"note {day} #update")
    north.post(at(11, 16), PASSIVE[0], f"the {KEYWORDS[0]} opens at noon")
    south.post(at(12, 16), PASSIVE[-1], "write to demo.contact@example.org")
    east.post(at(19, 16) + timedelta(minutes=1), PASSIVE[-2], f"a {KEYWORDS[1]} again")
    return [chat.finish() for chat in (north, south, east)]


def write_exports(folder: Path, listed: int) -> list[Path]:
    """Write the exports as the two infiltrating accounts made them: the first sees the
    North and South groups, the second South (from a later date) and East."""
    north, south, east = build_groups(listed)
    half = len(south.messages)
    return [
        north.write(folder / "infiltrator-1" / "north"),
        south.write(folder / "infiltrator-1" / "south", only=range(1, half * 2 // 3)),
        south.write(folder / "infiltrator-2" / "south", only=range(half // 3, half + 1)),
        east.write(folder / "infiltrator-2" / "east"),
    ]


def write_keywords(path: Path) -> Path:
    """The demo's operator keyword list (neutral placeholder words)."""
    path.write_text("# demo keyword list: placeholder words\n" + "\n".join(KEYWORDS) + "\n")
    return path
