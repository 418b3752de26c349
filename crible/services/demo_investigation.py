"""The demo's generated investigation: three Telegram groups seen by two infiltrating
accounts, about 40 members, some posting edited copies of the demo list's pictures and
unknown pictures, forwards between groups, invitations and joins by link. All benign."""

from __future__ import annotations

import random
from pathlib import Path

from crible.services.demo_media import TRANSFORMS, picture
from crible.services.demo_telegram import TelegramExport, at

MEMBERS = 40
GROUPS = ("Group North", "Group South", "Group East")


def member(n: int) -> tuple[int, str]:
    """The n-th demo account: (id, display name)."""
    return 7000 + n, f"member-{n:02d}"


def build_groups(listed: int, seed: int = 7) -> list[TelegramExport]:
    """The three group exports, complete (before splitting by infiltrating account)."""
    rng = random.Random(seed)
    edits = list(TRANSFORMS)
    groups = [TelegramExport(9000 + i, name) for i, name in enumerate(GROUPS)]
    for g, chat in enumerate(groups):
        owner = member(g * 3)
        chat.service(1, at(1, 9 + g), owner, "create_group", title=chat.name, members=[owner[1]])
        invited = [member(n) for n in range(MEMBERS) if n % 3 == g or n < 4]
        chat.service(2, at(1, 10 + g), owner, "invite_members", members=[m[1] for m in invited])
        message_id = 3
        for day in range(2, 26):
            poster = rng.choice(invited)
            if rng.random() < 0.35:
                known = rng.randrange(listed)
                img = TRANSFORMS[edits[known % len(edits)]](picture(known))
                chat.post(message_id, at(day, 12, g), poster, "", photo=img)
            elif rng.random() < 0.4:
                chat.post(message_id, at(day, 13, g), poster, "", photo=picture(5000 + day * 7 + g))
            else:
                chat.post(message_id, at(day, 14, g), poster, f"note {message_id} #update")
            message_id += 1
        joiner = member(30 + g)
        chat.service(message_id, at(26, 9), joiner, "join_group_by_link", inviter=owner[1])
        chat.post(
            message_id + 1,
            at(27),
            joiner,
            "",
            photo=picture(listed // 2),
            forwarded_from=member(0)[1],
        )
    return groups


def write_exports(folder: Path, listed: int) -> list[Path]:
    """Write the exports as the two infiltrating accounts made them: the first sees the
    North and South groups, the second South (from a later date) and East."""
    north, south, east = build_groups(listed)
    return [
        north.write(folder / "infiltrator-1" / "north"),
        south.write(folder / "infiltrator-1" / "south", only=range(1, 20)),
        south.write(folder / "infiltrator-2" / "south", only=range(10, 100)),
        east.write(folder / "infiltrator-2" / "east"),
    ]
