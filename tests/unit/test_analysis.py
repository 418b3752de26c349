"""Indicators, measures and the score on small hand-made investigations (no store)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crible.analysis import indicators
from crible.analysis.facts import NO_TIME, Facts, Post, ServiceEvent
from crible.analysis.measures import measure, remove_key_players
from crible.analysis.priority import DEFAULT_WEIGHTS, explain, load_weights
from crible.analysis.same_media import PAIRWISE, _pairs
from crible.analysis.text import (
    KeywordList,
    KeywordMatcher,
    compact,
    leads_in,
    load_keywords,
    normalise,
)
from crible.model.categories import Category
from crible.model.errors import BadInput

DAY = 86400.0
KNOWN = "k" * 64


def _facts() -> Facts:
    """Chat 1: account 1 posts a known file on days 1 and 3; account 2 joins on day 2 and
    leaves on day 5; account 3 was there from the start; account 4 joins on day 4."""
    facts = Facts()
    facts.chat_names = {1: "one", 2: "two"}
    facts.account_keys = {a: ("telegram", f"user{a}") for a in (1, 2, 3, 4)}
    facts.known = {KNOWN: (Category("VIC-US", "1"),), "k2" * 32: (None,)}
    facts.posts = [
        Post(10, 1, 1, 1 * DAY, KNOWN, False),
        Post(11, 1, 1, 3 * DAY, "k2" * 32, False),
        Post(12, 1, 1, 6 * DAY, "k2" * 32, False),
        Post(13, 3, 2, 7 * DAY, KNOWN, True),
    ]
    facts.membership = {
        (1, 1): [0.0, NO_TIME],
        (2, 1): [2 * DAY, 5 * DAY],
        (3, 1): [NO_TIME, NO_TIME],
        (4, 1): [4 * DAY, NO_TIME],
        (3, 2): [6 * DAY, NO_TIME],
    }
    facts.events = [
        ServiceEvent(1, 1, 0.0, 1, "create_group", "create", 1),
        ServiceEvent(2, 1, 0.0, 1, "invite_members", "invite", None, "someone"),
        ServiceEvent(3, 1, 2 * DAY, 1, "invite_members", "invite", 2),
    ]
    return facts


def test_exposure_counts_known_posts_by_others_during_membership() -> None:
    found = indicators.exposure(_facts())
    assert found[2].messages == (11,)  # joined day 2, left day 5: only the day-3 post
    assert found[3].messages == (10, 11, 12)  # unknown start: all of them
    assert found[4].messages == (12,)
    assert 1 not in found  # its own posts do not count


def test_known_material_habitual_and_roles() -> None:
    facts = _facts()
    known = indicators.known_material(facts)
    assert known[1].value == 2 and "VIC-US 1: 1" in known[1].text
    assert known[1].messages == (10, 11)  # first post of each file
    assert "1 of them forwarded" in known[3].text
    habit = indicators.habitual(facts)
    assert habit[1].value == 3 and "over 6 days" in habit[1].text
    assert indicators.administrator(facts)[1].messages == (1,)
    invited = indicators.inviter(facts)[1]
    assert invited.value == 2 and invited.messages == (2, 3)
    bridge = indicators.bridge(facts)
    assert bridge[3].messages == (13,) and "one → two" in bridge[3].text


def test_key_players_greedy_curve() -> None:
    facts = _facts()
    reach, curve = remove_key_players(facts, facts.audience(), 5)
    # chat 1 has 4 members, chat 2 one: (1, KNOWN) + (1, k2) + (2, KNOWN)
    assert reach == 4 + 4 + 1
    assert curve == [(1, 1.0), (3, 0.0)]


def test_measures_find_communities_and_centrality() -> None:
    measured = measure(_facts())
    assert set(measured.community) == {1, 2, 3, 4}
    assert measured.pagerank[1] > measured.pagerank.get(2, 0.0)
    assert measured.capital[1] > measured.capital[3] > 0
    assert measure(Facts()).reach == 0.0


def test_score_explains_itself() -> None:
    found = [i for d in (indicators.known_material(_facts()),) for i in d.values()]
    score, reasons = explain([found[0]], DEFAULT_WEIGHTS)
    assert reasons[0].indicator == "known_material" and reasons[0].points == score == 12.68


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello W.0 r-d", "hellowordx"[:9]),
        ("ÉCOLE", "ecole"),
        ("L1GHT h0use", "lighthouse"),
        ("a $1gn", "asign"),
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text)[0] == expected == compact(text)


@given(st.text(max_size=200))
def test_compact_matches_normalise(text: str) -> None:
    folded, where = normalise(text)
    assert folded == compact(text)
    assert len(where) == len(folded) and where == sorted(where)


PIECES = st.sampled_from(
    [
        "light",
        "h0use",
        "L1GHT",
        "lighthouse",
        "blue",
        "b1rd",
        " ",
        "-",
        ".",
        "é",
        "x",
        "9",
        "_",
        "$",
        "@",
    ]
)


@given(st.lists(PIECES, max_size=12).map("".join))
def test_raw_ascii_matching_agrees_with_normalising(text: str) -> None:
    """Hits found on raw ASCII text are those found on the normalised text."""
    words = KeywordMatcher(
        [KeywordList("l", (("lighthouse", "lighthouse"), ("blue bird", "bluebird")))]
    )
    fast = [(h.term, h.context) for h in words.hits(1, 1, text)]
    folded, where = normalise(text)
    slow = []
    assert words.pattern is not None
    for found in words.pattern.finditer(folded):
        start, end = where[found.start()], where[found.end() - 1] + 1
        slow.append((found.group(), start, end))
    assert len(fast) == len(slow)
    for (term, context), (folded_term, start, end) in zip(fast, slow, strict=True):
        assert normalise(term)[0] == folded_term and f"[{text[start:end]}]" in context


def test_keyword_hits_show_the_original_text(tmp_path: Path) -> None:
    words = tmp_path / "placeholders.txt"
    words.write_text("# neutral words\nlighthouse\nblue bird  # spacing in the term too\n")
    matcher = KeywordMatcher([load_keywords(words)])
    hits = list(matcher.hits(1, 2, "the L1GHT-h0use and a Blue.B1rd"))
    assert [(h.term, h.context) for h in hits] == [
        ("lighthouse", "the [L1GHT-h0use] and a Blue.B1rd"),
        ("blue bird", "the L1GHT-h0use and a [Blue.B1rd]"),
    ]
    assert not list(matcher.hits(1, 2, "nothing here"))


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"ok\nx\n", ":2: term 'x' has fewer than two letters"),
        (b"# only a comment\n", "has no terms"),
        (b"\xff\xfe bad", "must be UTF-8"),
    ],
)
def test_bad_keyword_lists_are_named(tmp_path: Path, content: bytes, problem: str) -> None:
    path = tmp_path / "list.txt"
    path.write_bytes(content)
    with pytest.raises(BadInput) as caught:
        load_keywords(path)
    assert str(path) in str(caught.value) and problem in str(caught.value)


def test_leads() -> None:
    text = "mail a.b@example.org or +33 6 12 34 56 78, https://t.me/x, @someone1, snap: b.x"
    assert list(leads_in(text)) == [
        ("email", "a.b@example.org"),
        ("phone", "+33 6 12 34 56 78"),
        ("link", "https://t.me/x"),
        ("handle", "@someone1"),
        ("handle", "b.x"),
    ]
    assert list(leads_in("on 2025-03-01 at 12:00, 3 items")) == []


@pytest.mark.parametrize(
    ("toml", "problem"),
    [
        ("[weights]\nnew_media = 'high'\n", "must be a number"),
        ("[weights]\nunheard_of = 1\n", "unknown indicator 'unheard_of'"),
        ("[weights]\nbridge = -1\n", "finite and >= 0"),
        ("weights = 3\n", "expected a [weights] table"),
        ("[weights\n", "not a TOML file"),
    ],
)
def test_bad_weights_are_named(tmp_path: Path, toml: str, problem: str) -> None:
    path = tmp_path / "weights.toml"
    path.write_text(toml)
    with pytest.raises(BadInput) as caught:
        load_weights(path)
    assert str(path) in str(caught.value) and problem in str(caught.value)


def test_weights_override_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "weights.toml"
    path.write_text("[weights]\nnew_media = 1\nbridge = 0\n")
    weights = load_weights(path)
    assert weights["new_media"] == 1.0 and weights["bridge"] == 0.0
    assert weights["known_material"] == DEFAULT_WEIGHTS["known_material"]


def test_many_posters_of_one_file_form_a_star() -> None:
    few = sorted(f"account:{i}" for i in range(4))
    assert len(list(_pairs(few, ("t", "account:2")))) == 6  # every pair
    many = sorted(f"account:{i}" for i in range(PAIRWISE + 10))
    star = list(_pairs(many, ("t", "account:7")))
    assert len(star) == len(many) - 1 and all("account:7" in pair for pair in star)


def test_every_indicator_can_be_said_in_french() -> None:
    from crible.analysis.wording import _FRENCH, describe

    assert set(_FRENCH) == set(DEFAULT_WEIGHTS)
    facts = _facts()
    known, habit = indicators.known_material(facts), indicators.habitual(facts)
    assert (
        describe(known[1], "fr") == "a publié 2 fichiers connus (VIC-US 1 : 1, sans catégorie : 1)"
    )
    assert describe(known[3], "fr").endswith(", dont 1 transféré")
    assert describe(habit[1], "fr").endswith("sur 6 jours (du 2 janvier 1970 au 7 janvier 1970)")
    bridge = indicators.bridge(facts)[3]
    assert describe(bridge, "fr") == (
        "a fait passer des contenus d'une discussion à une autre : one → two (1 message)"
    )
    bare = indicators.known_material(facts)[1]
    assert describe(replace(bare, params={}), "fr") == bare.text  # no parameters: English
    assert describe(bare, "en") == bare.text
