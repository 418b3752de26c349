"""The benchmark's generated investigation: counts, referential integrity, structure, the
planted roles, and the graph builder running on it (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, and_, func, select
from sqlalchemy.orm import aliased

from benchmarks.network_data import generate
from crible.analysis.graph import LAYERS, build_graph
from crible.model.errors import Conflict
from crible.store import Store
from crible.store.columns import as_utc
from crible.store.tables import (
    account_names,
    accounts,
    bank_entries,
    chats,
    matches,
    media,
    media_signals,
    membership_events,
    message_entities,
    message_media,
    message_sources,
    messages,
)

SMALL = {"messages": 5000, "accounts": 500, "chats": 40, "media": 300}


def count(conn: Connection, query: Any) -> int:
    return int(conn.execute(select(func.count()).select_from(query.subquery())).scalar_one())


def orphans(conn: Connection, child: Any, column: Any, parent: Any, key: Any) -> int:
    """Rows of ``child`` whose (non-null) ``column`` names no row of ``parent``."""
    query = (
        select(child.c.id if "id" in child.c else column)
        .select_from(child.outerjoin(parent, column == key))
        .where(column.is_not(None), key.is_(None))
    )
    return count(conn, query)


@pytest.fixture
def generated(store_url: str) -> Iterator[tuple[Store, dict[str, int]]]:
    """A small generated investigation and the store it is in."""
    result = generate(store_url, progress=False, **SMALL)
    store = Store.open(store_url)
    try:
        yield store, result
    finally:
        store.close()


def test_counts_match_what_was_written(generated: tuple[Store, dict[str, int]]) -> None:
    store, result = generated
    assert result["messages"] == 5000
    assert result["accounts"] == 500 and result["chats"] == 40 and result["media"] == 300
    tables = {
        t.name: t
        for t in (
            accounts,
            account_names,
            chats,
            messages,
            message_sources,
            message_media,
            message_entities,
            membership_events,
            media,
            bank_entries,
            matches,
        )
    }
    with store.engine.connect() as conn:
        for name, table in tables.items():
            assert count(conn, select(table)) == result[name], name
        assert result["matches"] == result["bank_entries"] == round(295 * 0.1)
        assert (
            count(conn, select(messages).where(messages.c.kind == "service"))
            == result["membership_events"]
        )
        assert result["message_entities"] > 0 and result["message_media"] > 300


def test_every_reference_points_to_a_row(generated: tuple[Store, dict[str, int]]) -> None:
    store, _ = generated
    target = aliased(messages)
    with store.engine.connect() as conn:
        assert orphans(conn, messages, messages.c.chat_id, chats, chats.c.id) == 0
        assert orphans(conn, messages, messages.c.sender_id, accounts, accounts.c.id) == 0
        assert orphans(conn, messages, messages.c.inviter_id, accounts, accounts.c.id) == 0
        fwd = messages.c.forwarded_account_id
        assert orphans(conn, messages, fwd, accounts, accounts.c.id) == 0
        mm = message_media
        assert orphans(conn, mm, mm.c.message_id, messages, messages.c.id) == 0
        assert orphans(conn, mm, mm.c.sha256, media, media.c.sha256) == 0
        assert orphans(conn, matches, matches.c.sha256, media, media.c.sha256) == 0
        assert orphans(conn, matches, matches.c.entry_id, bank_entries, bank_entries.c.id) == 0
        me = membership_events
        assert orphans(conn, me, me.c.message_id, messages, messages.c.id) == 0
        assert orphans(conn, me, me.c.account_id, accounts, accounts.c.id) == 0
        ent = message_entities
        assert orphans(conn, ent, ent.c.message_id, messages, messages.c.id) == 0
        # every reply names an earlier message of the same chat
        replies = select(messages.c.id).where(messages.c.reply_to.is_not(None))
        answered = replies.join(
            target,
            and_(
                target.c.chat_id == messages.c.chat_id,
                target.c.key == messages.c.reply_to,
                target.c.sent_at <= messages.c.sent_at,
            ),
        )
        assert count(conn, replies) > 100
        assert count(conn, answered) == count(conn, replies)
        # every posted file has its hashes, every file was posted, first seen at its first post
        never_posted = select(media.c.sha256).where(
            media.c.sha256.not_in(select(message_media.c.sha256))
        )
        assert count(conn, never_posted) == 0
        first_post = (
            select(message_media.c.sha256, func.min(messages.c.sent_at).label("at"))
            .join(messages, messages.c.id == message_media.c.message_id)
            .group_by(message_media.c.sha256)
            .subquery()
        )
        for sha256, seen, first in conn.execute(
            select(media.c.sha256, media.c.first_seen_at, first_post.c.at).join(
                first_post, first_post.c.sha256 == media.c.sha256
            )
        ):
            assert as_utc(seen) == as_utc(first), sha256
        bad = select(media.c.sha256).where(
            (func.length(media.c.sha256) != 64)
            | (func.length(media.c.sha1) != 40)
            | (func.length(media.c.md5) != 32)
        )
        short_pdq = select(media_signals.c.sha256).where(
            media_signals.c.kind == "pdq", func.length(media_signals.c.value) != 64
        )
        assert count(conn, short_pdq) == 0
        whole_pdq = select(media_signals.c.sha256).where(
            media_signals.c.kind == "pdq", media_signals.c.locator == ""
        )
        assert count(conn, whole_pdq) == count(conn, select(media.c.sha256)) > 0  # every file
        assert count(conn, bad) == 0


def test_times_span_ten_months_and_activity_is_heavy_tailed(
    generated: tuple[Store, dict[str, int]],
) -> None:
    store, _ = generated
    with store.engine.connect() as conn:
        low, high = conn.execute(
            select(func.min(messages.c.sent_at), func.max(messages.c.sent_at))
        ).one()
        low, high = as_utc(low), as_utc(high)
        assert low is not None and high is not None
        assert datetime(2025, 7, 1, tzinfo=UTC) <= low < high
        assert high - low > timedelta(days=200) and high <= datetime(2026, 5, 2, tzinfo=UTC)
        per_poster = sorted(
            conn.execute(
                select(func.count())
                .select_from(
                    message_media.join(messages, messages.c.id == message_media.c.message_id)
                )
                .group_by(messages.c.sender_id)
            ).scalars(),
            reverse=True,
        )
        total = sum(per_poster)
        assert sum(per_poster[:25]) > total / 2  # 5% of the accounts post most of the files
        assert len(per_poster) < 500 / 2  # most accounts post no file at all
        posters_per_chat = sorted(
            conn.execute(
                select(func.count(messages.c.sender_id.distinct())).group_by(messages.c.chat_id)
            ).scalars()
        )
        assert posters_per_chat[-1] > 4 * posters_per_chat[len(posters_per_chat) // 2]


def test_graph_builds_with_every_layer_and_the_planted_roles(
    generated: tuple[Store, dict[str, int]],
) -> None:
    store, result = generated
    graph = build_graph(store)
    kinds = [kind for _, kind in graph.nodes(data="kind")]
    assert kinds.count("account") == 500 and kinds.count("chat") == 40
    assert kinds.count("media") == 300
    assert set(LAYERS) == {layer for _, _, layer in graph.edges(data="layer")}

    def out(role: str, layer: str) -> list[tuple[str, dict[str, Any]]]:
        node = f"account:{result['role:' + role]}"
        return [(v, d) for _, v, d in graph.out_edges(node, data=True) if d["layer"] == layer]

    known = {n for n, k in graph.nodes(data="known") if k}
    distributed = {v for v, _ in out("distributor", "posted") if v in known}
    assert len(distributed) >= 15
    assert len({d["chat"] for _, d in out("distributor", "posted")}) >= 2
    assert len(out("inviter", "invited")) >= 15
    assert out("passive", "posted") == [] and len(out("passive", "member")) >= 5
    bridged = out("bridge", "forwarded")
    assert len(bridged) == 1
    away, data = bridged[0]
    assert data["weight"] >= 15
    home = next(n for n, name in graph.nodes(data="name") if name == data["from_name"])
    assert home != away and graph.nodes[home]["kind"] == "chat"
    posted_in: dict[str, set[str]] = {}
    for file, edge in out("bridge", "posted"):
        posted_in.setdefault(edge["chat"], set()).add(file)
    assert len(posted_in[away]) >= 10 and posted_in[away] == posted_in[home]

    with store.engine.connect() as conn:
        source = result["role:source"]
        first_posters = (
            select(message_media.c.sha256, messages.c.sender_id, messages.c.sent_at)
            .join(messages, messages.c.id == message_media.c.message_id)
            .order_by(message_media.c.sha256, messages.c.sent_at, messages.c.id)
        )
        firsts: dict[str, int] = {}
        sharers: dict[str, set[int]] = {}
        for sha256, sender, _ in conn.execute(first_posters):
            firsts.setdefault(sha256, sender)
            sharers.setdefault(sha256, set()).add(sender)
        matched = set(conn.execute(select(matches.c.sha256)).scalars())
        new = [s for s, who in firsts.items() if who == source and s not in matched]
        assert len(new) >= 5
        assert all(len(sharers[s]) >= 4 for s in new)
        passive_posts = select(messages).where(
            messages.c.sender_id == result["role:passive"], messages.c.kind == "message"
        )
        assert count(conn, passive_posts) == 0


def test_same_seed_gives_the_same_investigation(tmp_path: Path) -> None:
    first = generate(f"sqlite:///{tmp_path / 'a.db'}", progress=False, seed=5, **SMALL)
    second = generate(f"sqlite:///{tmp_path / 'b.db'}", progress=False, seed=5, **SMALL)
    other = generate(f"sqlite:///{tmp_path / 'c.db'}", progress=False, seed=6, **SMALL)
    assert first == second
    assert first != other


def test_a_store_with_chat_data_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'crible.db'}"
    generate(url, progress=False, **SMALL)
    with pytest.raises(Conflict, match="already holds accounts"):
        generate(url, progress=False, **SMALL)


def test_too_few_messages_for_the_other_counts_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="too few messages"):
        generate(
            f"sqlite:///{tmp_path / 'x.db'}",
            progress=False,
            messages=1000,
            accounts=5000,
            chats=40,
            media=300,
        )
