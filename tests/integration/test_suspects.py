"""Ground truth: the demo investigation plants roles; the ranking must find them, and every
reason must point to the messages that support it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from crible.services import demo_investigation as planted
from crible.services.demo import run_demo
from crible.services.profile import account_profile
from crible.services.suspects import Analysis
from crible.services.views import MessageView, messages_by_id
from crible.store import Store
from crible.store.tables import message_media


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def demo_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Store, Analysis]]:
    """The demo investigation, generated once per backend for this module."""
    folder = tmp_path_factory.mktemp("demo")
    url = f"sqlite:///{folder / 'crible.db'}"
    if request.param == "postgres":
        url = request.getfixturevalue("postgres").create_database()
    store = Store.open(url)
    try:
        result = run_demo(store, folder / "demo", pictures=14, listed=12, workers=1, say=str)
        assert result.analysis is not None
        yield store, result.analysis
    finally:
        store.close()


@pytest.fixture
def store(demo_store: tuple[Store, Analysis]) -> Store:
    return demo_store[0]


@pytest.fixture
def demo(demo_store: tuple[Store, Analysis]) -> Analysis:
    return demo_store[1]


def _by_member(analysis: Analysis) -> dict[int, int]:
    """Member number → rank."""
    ranks = {s.key: s.rank for s in analysis.suspects}
    return {
        n: ranks[f"user{planted.member(n)[0]}"]
        for n in range(planted.MEMBERS)
        if f"user{planted.member(n)[0]}" in ranks
    }


def _reason(analysis: Analysis, n: int, indicator: str) -> tuple[int, ...]:
    key = f"user{planted.member(n)[0]}"
    suspect = next(s for s in analysis.suspects if s.key == key)
    reason = next(r for r in suspect.reasons if r.indicator == indicator)
    assert reason.messages, f"{indicator} of member {n} has no supporting message"
    return reason.messages


def _media_of(store: Store, ids: tuple[int, ...]) -> dict[int, set[str]]:
    with store.engine.connect() as conn:
        rows = conn.execute(
            message_media.select().where(message_media.c.message_id.in_(ids))
        ).mappings()
        found: dict[int, set[str]] = {}
        for row in rows:
            found.setdefault(row["message_id"], set()).add(row["sha256"])
    return found


def _senders(views: list[MessageView]) -> set[str | None]:
    return {v.sender for v in views}


def test_ranking_puts_planted_roles_where_they_belong(store: Store, demo: Analysis) -> None:
    rank = _by_member(demo)
    source, (first, second) = planted.SOURCE, planted.DISTRIBUTORS
    assert rank[source] == 1, "the new-media source comes first"
    assert {rank[first], rank[second]} == {2, 3}
    passive = [rank[n] for n in planted.PASSIVE if n in rank]
    assert len(passive) >= 20
    for role in (planted.ADMIN, planted.BRIDGE):
        assert rank[role] < min(passive), f"member {role} ranks below a passive member"
    scores = {s.rank: s.score for s in demo.suspects}
    assert max(scores[r] for r in passive) < min(
        scores[rank[n]] for n in (source, first, second, planted.ADMIN, planted.BRIDGE)
    )
    for s in demo.suspects:
        if s.rank in passive:
            assert {r.indicator for r in s.reasons} <= {"exposure", "keywords", "contacts"}


def test_each_reason_points_to_the_right_messages(store: Store, demo: Analysis) -> None:
    new_files = {m.sha256 for m in demo.new_media}
    source_name = planted.member(planted.SOURCE)[1]
    ids = _reason(demo, planted.SOURCE, "new_media")
    views = messages_by_id(store, ids)
    assert len(views) == planted.NEW_MEDIA
    assert _senders(views) == {source_name} and {v.chat for v in views} == {"Group North"}
    assert all(files <= new_files for files in _media_of(store, ids).values())
    source_key = f"user{planted.member(planted.SOURCE)[0]}"
    source_id = next(s.account_id for s in demo.suspects if s.key == source_key)
    assert {m.first_account_id for m in demo.new_media} == {source_id}

    for n, posted in zip(planted.DISTRIBUTORS, (6, 5), strict=True):
        ids = _reason(demo, n, "known_material")
        assert len(ids) == posted
        assert _senders(messages_by_id(store, ids)) == {planted.member(n)[1]}
        assert all(files <= set(demo.facts.known) for files in _media_of(store, ids).values())

    admin = messages_by_id(store, _reason(demo, planted.ADMIN, "administrator"))
    assert {(v.chat, v.action) for v in admin} == {
        ("Group North", "create_group"),
        ("Group South", "create_group"),
    }
    invites = messages_by_id(store, _reason(demo, planted.ADMIN, "inviter"))
    assert {v.action for v in invites} == {"invite_members"}

    carried = messages_by_id(store, _reason(demo, planted.BRIDGE, "bridge"))
    assert {(v.chat, v.forwarded_from, v.sender) for v in carried} == {
        ("Group East", "Group North", planted.member(planted.BRIDGE)[1])
    }


def test_text_indicators_and_profile(store: Store, demo: Analysis) -> None:
    (hit,) = [h for h in demo.keyword_hits if h.term == planted.KEYWORDS[0]]
    assert "[lighthouse]" in hit.context
    key = f"user{planted.member(planted.PASSIVE[-1])[0]}"
    contact = next(s for s in demo.suspects if s.key == key)
    leads = next(i for i in contact.indicators if i.name == "contacts")
    assert "email demo.contact@example.org" in leads.text

    top = demo.suspects[0]
    profile = account_profile(store, top.account_id, analysis=demo)
    assert [c.name for c in profile.chats] == ["Group North"]
    assert len(profile.known) == 1
    assert {e.kind for e in profile.timeline} >= {"new_media", "known", "join"}
    assert all(m in profile.messages for r in top.reasons for m in r.messages)

    reach = [left for _account, left in demo.measures.key_players]
    assert reach == sorted(reach, reverse=True) and reach[-1] < demo.measures.reach
    first_removed = demo.measures.key_players[0][0]
    assert first_removed in {s.account_id for s in demo.suspects if s.rank <= 5}, (
        "the first key player is among the top suspects"
    )


def test_every_description_and_provenance_step_of_the_demo_cases_is_said_in_french(
    store: Store,
) -> None:
    from crible.exports.provenance_words import description_in, detail_in
    from crible.services.cases import case_file, list_cases

    items = [item for case in list_cases(store) for item in case_file(store, case.id).evidence]
    assert all(description_in(i.description, "fr") != i.description for i in items)
    steps = [step for item in items for step in item.provenance]
    assert {s.kind for s in steps} >= {"ingest", "scan", "file", "message", "match", "decision"}
    untranslated = {s.detail for s in steps if detail_in(s.detail, "fr") == s.detail}
    assert untranslated == set()
