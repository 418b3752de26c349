"""Who becomes an account, on both backends (issue 12, points 5 and 6): a Telegram group's own
name as the inviter of joins by link and people who only reacted are not made accounts (the
former ranked first in `suspects` for "invited 1 person"); an iOS WhatsApp non-contact
``~ Name`` is the same account as ``Name``, the raw form kept in its name history."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from crible.services.demo_telegram import TelegramExport, at
from crible.services.ingest import ingest
from crible.services.suspects import rank_suspects
from crible.services.views import list_accounts
from crible.store import Store
from crible.store.tables import accounts, membership_events, messages, reactions

GROUP = "Группа"
ALICE, BOB, DAVE, EVE, FINN, ZED = (
    (101, "Alice"),
    (102, "Bob"),
    (104, "Dave"),
    (105, "Eve"),
    (106, "Finn"),
    (199, "Zed"),
)


def _group() -> TelegramExport:
    chat = TelegramExport(777, GROUP)
    chat.service(1, at(1), ALICE, "create_group", title=GROUP, members=["Alice"])
    chat.post(2, at(1, 13), ALICE, "welcome")
    chat.post(3, at(2), BOB, "hello")
    chat.messages[-1]["reactions"] = [
        {
            "type": "emoji",
            "count": 2,
            "emoji": "👍",
            "recent": [
                {"from": "Zed", "from_id": "user199", "date": "2025-03-02T12:01:00"},
                {"from": "Alice", "from_id": "user101", "date": "2025-03-02T12:02:00"},
            ],
        }
    ]
    # joins by the group's link: tdesktop names the group itself as the inviter
    chat.service(4, at(3), DAVE, "join_group_by_link", inviter=GROUP)
    chat.service(5, at(4), EVE, "join_group_by_link", inviter=GROUP)
    chat.service(6, at(5), FINN, "join_group_by_link", inviter="Alice")  # a person's link
    return chat


def test_the_group_and_people_who_only_reacted_are_not_accounts(
    store: Store, tmp_path: Path
) -> None:
    ingest(store, "telegram", _group().write(tmp_path / "export"), workers=0)

    keys = {a.key for a in list_accounts(store)}
    assert keys == {"user101", "user102", "user104", "user105", "user106"}
    suspects = rank_suspects(store)
    assert all(s.key != f"name:{GROUP}" and s.name != GROUP for s in suspects)
    inviters = {s.key: r.text for s in suspects for r in s.reasons if r.indicator == "inviter"}
    assert list(inviters) == ["user101"] and "invited 1 person" in inviters["user101"]
    with store.engine.connect() as conn:
        events = conn.execute(
            select(membership_events.c.name, membership_events.c.by_name, accounts.c.key)
            .outerjoin(accounts, accounts.c.id == membership_events.c.by_account_id)
            .where(membership_events.c.event == "join")
            .order_by(membership_events.c.id)
        ).all()
        joined = conn.execute(
            select(messages.c.extra).where(messages.c.action == "join_group_by_link")
        ).scalars()
        reacted = conn.execute(
            select(reactions.c.account_key, reactions.c.account_name, accounts.c.key)
            .outerjoin(accounts, accounts.c.id == reactions.c.account_id)
            .order_by(reactions.c.id)
        ).all()
    assert [tuple(e) for e in events] == [
        ("Dave", None, None),
        ("Eve", None, None),
        ("Finn", "Alice", "user101"),  # linked by name to the one account showing it
    ]
    kept_raw = [json.loads(extra or "{}").get("inviter") for extra in joined]
    assert kept_raw == [GROUP, GROUP, None]  # the group's name stays in extra, as written
    assert [tuple(r) for r in reacted] == [
        ("user199", "Zed", None),  # kept as the export names them, no account
        ("user101", "Alice", "user101"),
    ]


def test_a_reaction_is_linked_once_its_account_is_known(store: Store, tmp_path: Path) -> None:
    chat = _group()
    ingest(store, "telegram", chat.write(tmp_path / "a"), workers=0)
    chat.post(7, at(6), ZED, "now I write")
    ingest(store, "telegram", chat.write(tmp_path / "b"), workers=0)
    with store.engine.connect() as conn:
        linked = conn.execute(
            select(accounts.c.key)
            .join(reactions, reactions.c.account_id == accounts.c.id)
            .where(reactions.c.account_key == "user199")
        ).scalars()
        assert list(linked) == ["user199"]


def test_ios_non_contact_marker_is_one_account(store: Store, tmp_path: Path) -> None:
    chat = tmp_path / "_chat.txt"
    chat.write_text(
        "[13.01.24, 10:00:00] Ann: hello\n"
        "[13.01.24, 10:01:00] ~\u202fUser 2: hi, I am not in your contacts\n"
        "[13.01.24, 10:02:00] ~ User 2: a plain space\n"
        "[13.01.24, 10:03:00] ~\u00a0User 2: a no-break space\n"
        "[13.01.24, 10:04:00] User 2: saved as a contact since\n"
        "[13.01.24, 10:05:00] Book club: \u200e~\u202fUser 2 joined using this group's "
        "invite link\n",
        encoding="utf-8",
    )
    report = ingest(store, "whatsapp", chat, workers=0)

    assert report.messages_new == 6 and not report.problems
    by_key = {a.key: a for a in list_accounts(store)}
    assert set(by_key) == {"name:Ann", "name:User 2"}
    user = by_key["name:User 2"]
    assert user.messages == 4
    assert set(user.names) == {"User 2", "~\u202fUser 2", "~ User 2", "~\u00a0User 2"}
    with store.engine.connect() as conn:
        joined = conn.execute(select(membership_events.c.name)).scalars().all()
    assert joined == ["User 2"]
