"""Times and zones of ingested messages, on both backends (issue 12, point 1): WhatsApp local
times read in --zone and stored in UTC; the same file read again in another zone corrects
the stored times (noted in the ingest) and never duplicates; Discord offsets applied; a
store written before migration 0009 re-keyed and its WhatsApp times made UTC."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, insert, select

from crible.ingest import whatsapp
from crible.services.ingest import IngestOptions, ingest
from crible.services.views import list_messages
from crible.store import Store
from crible.store.migrate import upgrade
from crible.store.tables import (
    account_names,
    accounts,
    chats,
    ingest_problems,
    ingests,
    membership_events,
    message_sources,
    messages,
)
from tests.conftest import DATA
from tests.rows import count_rows

POKEMON = DATA / "samples" / "whatsapp" / "whatstk__pokemon.txt"


def _times(store: Store) -> dict[str, datetime | None]:
    """The stored time of each message by its line in the export."""
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(message_sources.c.position, messages.c.sent_at)
            .join(messages, messages.c.id == message_sources.c.message_id)
            .order_by(message_sources.c.id)
        ).all()
    return {str(pos): (t if t is None or t.tzinfo else t.replace(tzinfo=UTC)) for pos, t in rows}


def test_whatsapp_times_apply_the_zone_and_are_stored_in_utc(store: Store) -> None:
    report = ingest(store, "whatsapp", POKEMON, IngestOptions(zone="Europe/Berlin"), workers=0)

    assert report.messages_new == 20 and not report.problems
    ash = next(m for m in list_messages(store) if m.text == "Hey guys!")
    # "06.08.2016, 13:23 - Ash Ketchum: Hey guys!" in Berlin (summer time, UTC+2)
    assert ash.sent_at == datetime(2016, 8, 6, 11, 23, tzinfo=UTC)
    assert ash.assumed_zone == "Europe/Berlin"
    # the first line, in April: also summer time
    assert _times(store)["line 1"] == datetime(2016, 4, 15, 13, 4, tzinfo=UTC)


def test_another_zone_corrects_the_stored_times_and_never_duplicates(store: Store) -> None:
    first = ingest(store, "whatsapp", POKEMON, IngestOptions(zone="Europe/Berlin"), workers=0)
    again = ingest(store, "whatsapp", POKEMON, workers=0)  # no zone: UTC

    assert (again.messages_new, again.messages_merged) == (0, 20)
    assert count_rows(store, messages) == 20
    assert _times(store)["line 3"] == datetime(2016, 8, 6, 13, 23, tzinfo=UTC)
    assert {m.assumed_zone for m in list_messages(store)} == {"UTC"}
    assert again.times_corrected == {"Europe/Berlin": 20} and not again.problems
    (note,) = again.notes
    assert "20 stored message times corrected" in note.text and "Europe/Berlin" in note.text
    with store.engine.connect() as conn:
        recorded = dict(
            conn.execute(select(ingests.c.id, ingests.c.counts).order_by(ingests.c.id)).all()
        )
        notes = conn.execute(
            select(ingest_problems.c.ingest_id, ingest_problems.c.note, ingest_problems.c.reason)
        ).all()
    assert json.loads(recorded[again.ingest_id])["times_corrected"] == {"Europe/Berlin": 20}
    assert json.loads(recorded[first.ingest_id])["times_corrected"] == {}
    assert [(i, n) for i, n, _ in notes] == [(again.ingest_id, True)]

    third = ingest(store, "whatsapp", POKEMON, IngestOptions(zone="America/New_York"), workers=0)
    assert third.times_corrected == {"UTC": 20} and count_rows(store, messages) == 20
    assert _times(store)["line 3"] == datetime(2016, 8, 6, 17, 23, tzinfo=UTC)
    same = ingest(store, "whatsapp", POKEMON, IngestOptions(zone="America/New_York"), workers=0)
    assert same.times_corrected == {} and same.notes == []


def test_membership_times_follow_the_correction(store: Store, tmp_path: Path) -> None:
    chat = tmp_path / "WhatsApp Chat with Club.txt"
    chat.write_text(
        "20.01.23, 10:00 - Ann created group \u201cClub\u201d\n"
        "20.01.23, 10:01 - Ann added Ben\n"
        "20.01.23, 10:02 - Ben: hi\n",
        encoding="utf-8",
    )
    ingest(store, "whatsapp", chat, IngestOptions(zone="Asia/Tokyo"), workers=0)
    ingest(store, "whatsapp", chat, IngestOptions(zone="Europe/Paris"), workers=0)
    with store.engine.connect() as conn:
        at = conn.execute(select(membership_events.c.at).order_by(membership_events.c.id)).all()
    assert [a.replace(tzinfo=UTC) if a.tzinfo is None else a for (a,) in at] == [
        datetime(2023, 1, 20, 9, 0, tzinfo=UTC),
        datetime(2023, 1, 20, 9, 1, tzinfo=UTC),
    ]


def test_local_times_in_a_daylight_saving_change_are_noted(tmp_path: Path) -> None:
    chat = tmp_path / "_chat.txt"
    chat.write_text(
        "29.10.23, 01:59 - Ann: before\n"
        "29.10.23, 02:30 - Ann: twice\n"  # 02:00-03:00 happens twice in Berlin that night
        "26.03.23, 02:30 - Ann: never\n"  # and is skipped in March
        "29.10.23, 03:30 - Ann: after\n",
        encoding="utf-8",
    )
    records = list(whatsapp.parse(chat, zone="Europe/Berlin"))
    notes = [r for r in records if type(r).__name__ == "ExportNote"]
    (note,) = notes
    assert note.text.startswith("2 local times fall in a daylight-saving change of Europe/Berlin")
    assert "line 2, line 3" in note.text


def test_discord_offsets_are_applied_before_storing(store: Store, tmp_path: Path) -> None:
    export = json.loads(
        (DATA / "samples" / "discord" / "chat-analytics__DM_2A_2M.json").read_text()
    )
    original = export["messages"][0]["timestamp"]
    export["messages"][0]["timestamp"] = "2019-01-04T19:52:39.762+02:00"  # the same instant
    path = tmp_path / "dm.json"
    path.write_text(json.dumps(export))

    ingest(store, "discord", path, workers=0)

    assert original == "2019-01-04T17:52:39.762+00:00"
    first = list_messages(store)[0]
    assert first.sent_at == datetime(2019, 1, 4, 17, 52, 39, 762000, tzinfo=UTC)


def test_migration_0009_rekeys_whatsapp_messages_stored_before(store_url: str) -> None:
    """A store at 0007 holding the pokemon export twice (read without a zone, then in Berlin:
    the old keys held the offset) and, on SQLite, Berlin wall-clock times: after the upgrade
    one copy is left with the latest reading in UTC, and ingesting again merges into it."""
    engine = create_engine(store_url)
    upgrade(engine, "0007")
    sqlite = engine.dialect.name == "sqlite"
    with engine.begin() as conn:
        chat_id = conn.execute(
            insert(chats).values(platform="whatsapp", key="name:Pokemon Chat", name="Pokemon Chat")
        ).inserted_primary_key[0]
        ash = conn.execute(
            insert(accounts).values(platform="whatsapp", key="name:Ash Ketchum", is_bot=False)
        ).inserted_primary_key[0]
        ingest_ids = []
        for number, zone in ((1, None), (2, "Europe/Berlin")):
            ingest_id = conn.execute(
                insert(ingests).values(
                    platform="whatsapp",
                    format="whatsapp-export",
                    path="x",
                    main_file="x",
                    main_sha256="0" * 64,
                    size=1,
                    importer_version="old",
                    zone=zone,
                    status="complete",
                    started_at=datetime(2024, 1, number, tzinfo=UTC),
                    counts="{}",
                )
            ).inserted_primary_key[0]
            ingest_ids.append(ingest_id)
            if zone is None:  # read in UTC: right on both backends
                sent = datetime(2016, 8, 6, 13, 23, tzinfo=UTC)
            elif sqlite:  # SQLite kept the Berlin wall-clock digits
                sent = datetime(2016, 8, 6, 13, 23)
            else:
                sent = datetime(2016, 8, 6, 11, 23, tzinfo=UTC)
            message_id = conn.execute(
                insert(messages).values(
                    chat_id=chat_id,
                    key=f"old-{number}",
                    sender_id=ash,
                    kind="message",
                    sent_at=sent,
                    assumed_zone=zone or "UTC",
                    text="Hey guys!",
                    first_ingest_id=ingest_id,
                )
            ).inserted_primary_key[0]
            conn.execute(
                insert(message_sources).values(
                    message_id=message_id, ingest_id=ingest_id, position="line 3"
                )
            )
    engine.dispose()

    store = Store.open(store_url)
    try:
        with store.engine.connect() as conn:
            (row,) = conn.execute(
                select(messages.c.key, messages.c.sent_at, messages.c.assumed_zone)
            ).all()
            sources = conn.execute(select(message_sources.c.ingest_id)).scalars().all()
        parsed = [
            m
            for m in whatsapp.parse(POKEMON, zone="Europe/Berlin")
            if getattr(m, "text", None) == "Hey guys!"
        ]
        assert row.key == parsed[0].key  # type: ignore[union-attr]
        stored = row.sent_at if row.sent_at.tzinfo else row.sent_at.replace(tzinfo=UTC)
        assert (stored, row.assumed_zone) == (
            datetime(2016, 8, 6, 11, 23, tzinfo=UTC),
            "Europe/Berlin",
        )
        assert sorted(sources) == ingest_ids
        report = ingest(store, "whatsapp", POKEMON, IngestOptions(zone="Europe/Berlin"), workers=0)
        assert (report.messages_new, report.messages_merged) == (19, 1)
    finally:
        store.close()


def test_migration_0009_gives_ios_non_contacts_their_plain_key(
    store_url: str, tmp_path: Path
) -> None:
    """``name:~ User 2`` (iOS's non-contact marker, stored before 0009) becomes ``name:User 2``
    and its messages take the keys a new reading gives, so ingesting again merges."""
    chat_file = tmp_path / "WhatsApp Chat - Club" / "_chat.txt"
    chat_file.parent.mkdir()
    chat_file.write_text("[13.01.24, 10:00:00] ~\u202fUser 2: hello\n", encoding="utf-8")
    engine = create_engine(store_url)
    upgrade(engine, "0007")
    with engine.begin() as conn:
        chat_id = conn.execute(
            insert(chats).values(platform="whatsapp", key="name:Club", name="Club")
        ).inserted_primary_key[0]
        user = conn.execute(
            insert(accounts).values(platform="whatsapp", key="name:~ User 2", is_bot=False)
        ).inserted_primary_key[0]
        conn.execute(insert(account_names).values(account_id=user, kind="name", value="~ User 2"))
        conn.execute(
            insert(messages).values(
                chat_id=chat_id,
                key="old",
                sender_id=user,
                kind="message",
                sent_at=datetime(2024, 1, 13, 10, tzinfo=UTC),
                assumed_zone="UTC",
                text="hello",
            )
        )
    engine.dispose()

    store = Store.open(store_url)
    try:
        with store.engine.connect() as conn:
            key = conn.execute(select(accounts.c.key)).scalar_one()
            names = set(conn.execute(select(account_names.c.value)).scalars())
        assert key == "name:User 2" and names == {"~ User 2", "User 2"}
        report = ingest(store, "whatsapp", chat_file, workers=0)
        assert (report.messages_new, report.messages_merged) == (0, 1)
        assert count_rows(store, accounts) == 1
    finally:
        store.close()
