"""Network and timeline pictures: real PNGs decoded with Pillow, the drawn figure inspected."""

from __future__ import annotations

import io
import random
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from matplotlib.collections import PathCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.text import Text
from PIL import Image

from crible.analysis.picture_layout import PALETTE, choose_nodes, plain_label
from crible.analysis.pictures import (
    EVENT_STYLES,
    PictureEdge,
    PictureNode,
    TimelineEvent,
    network_figure,
    network_png,
    reach_curve_png,
    timeline_figure,
    timeline_png,
)

T0 = datetime(2025, 7, 1, 12, tzinfo=UTC)
TRICKY = ("$x^2$", r"$\frac{$ broken", "a" * 200, "مرحبا بالعالم", "名前 😀🎉", "tab\tnew\nline")


def decode(data: bytes) -> Image.Image:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(data))
    image.load()
    return image.convert("RGB")


def pixels_of(image: Image.Image, colour: str) -> int:
    """How many pixels have exactly this ``#rrggbb`` colour."""
    rgb = np.asarray(image).reshape(-1, 3)
    wanted = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=np.uint8)
    return int((rgb == wanted).all(axis=1).sum())


def distinct_colours(image: Image.Image) -> int:
    return len(np.unique(np.asarray(image).reshape(-1, 3), axis=0))


def texts(figure: Figure) -> list[str]:
    """Every text drawn in the figure (titles, labels, annotations, legend entries)."""
    return [t.get_text() for t in figure.findobj(Text)]


def small_network(
    communities: tuple[int | None, ...] = (0, 1, 2),
) -> tuple[list[PictureNode], list[PictureEdge]]:
    """Per community: one chat and six accounts in it, the first highlighted."""
    nodes, edges = [], []
    for c, community in enumerate(communities):
        chat = f"chat:{c}"
        nodes.append(PictureNode(chat, f"chat {c}", "chat", community, 0.0))
        for i in range(6):
            node = f"account:{c * 10 + i}"
            nodes.append(PictureNode(node, f"person {c}-{i}", "account", community, i / 5, i == 0))
            edges.append(PictureEdge(node, chat, 1 + i, "member"))
            if i:
                edges.append(PictureEdge(node, f"account:{c * 10}", 2, "replied"))
    edges.append(PictureEdge("account:0", "chat:1", 3, "forwarded"))
    return nodes, edges


def test_network_png_has_the_asked_size_and_shows_each_community_colour() -> None:
    nodes, edges = small_network()
    image = decode(network_png(nodes, edges, title="three groups", size=(900, 700)))
    assert image.size == (900, 700)
    assert distinct_colours(image) > 50
    for community in (0, 1, 2):
        assert pixels_of(image, PALETTE[community]) > 30, community
    assert pixels_of(image, PALETTE[6]) < 5  # a community that is not there


def test_a_community_keeps_its_colour_whatever_else_is_drawn() -> None:
    nodes, edges = small_network((4, None))
    image = decode(network_png(nodes, edges))
    assert image.size == (1600, 1200)
    assert pixels_of(image, PALETTE[4]) > 30
    assert pixels_of(image, "#b0b0b0") > 30  # no community: grey
    assert pixels_of(image, PALETTE[0]) < 5


def test_network_picture_is_the_same_for_the_same_input() -> None:
    nodes, edges = small_network()
    assert network_png(nodes, edges) == network_png(nodes, edges)


def test_network_legend_names_communities_kinds_scores_and_layers() -> None:
    nodes, edges = small_network()
    legend = network_figure(nodes, edges).axes[0].get_legend()
    assert legend is not None
    labels = [t.get_text() for t in legend.get_texts()]
    assert "community 0 (7)" in labels
    assert {"account", "chat", "member", "replied", "forwarded", "score 1"} <= set(labels)


def test_highlighted_accounts_are_labelled_and_others_are_not() -> None:
    nodes, edges = small_network()
    drawn = texts(network_figure(nodes, edges))
    assert {"person 0-0", "person 1-0", "person 2-0"} <= set(drawn)
    assert "person 0-3" not in drawn


@pytest.mark.parametrize("name", TRICKY)
def test_untrusted_names_are_drawn_as_plain_text(name: str) -> None:
    nodes = [
        PictureNode("account:1", name, "account", 0, 1.0, highlight=True),
        PictureNode("chat:1", "c", "chat", 0, 0.0),
    ]
    edges = [PictureEdge("account:1", "chat:1", 1, "member")]
    figure = network_figure(nodes, edges, title=name)
    decode(network_png(nodes, edges, title=name))  # renders without a mathtext error
    drawn = texts(figure)
    assert plain_label(name) in drawn
    assert figure.axes[0].get_title() == plain_label(name, 120)


def test_plain_label_keeps_dollars_cuts_long_text_and_drops_control_characters() -> None:
    assert plain_label("$x^2$") == "$x^2$"
    long = plain_label("b" * 100)
    assert len(long) == 28 and long.endswith("…")
    assert plain_label("tab\tnew\nline\u202e") == "tab new line"
    assert plain_label("مرحبا 😀") == "مرحبا 😀"


@pytest.mark.parametrize("size", [(400, 300), (777, 555), (123, 457)])
def test_empty_pictures_say_no_data_at_any_size(size: tuple[int, int]) -> None:
    assert "no data" in texts(network_figure([], []))
    assert "no data" in texts(timeline_figure([]))
    assert decode(network_png([], [], size=size)).size == size
    assert decode(timeline_png([], size=size)).size == size


def test_one_node_and_edges_to_unknown_nodes_are_drawn() -> None:
    nodes = [PictureNode("account:1", "alone", "account", None, 0.0, highlight=True)]
    edges = [PictureEdge("account:1", "chat:404", 1, "member")]
    figure = network_figure(nodes, edges)
    assert "alone" in texts(figure)
    assert distinct_colours(decode(network_png(nodes, edges))) > 10


def big_network(count: int) -> tuple[list[PictureNode], list[PictureEdge]]:
    rng = random.Random(3)
    nodes = [
        PictureNode(f"account:{i}", f"n{i}", "account", i % 12, float(i), i == 5)
        for i in range(count)
    ]
    nodes += [PictureNode(f"chat:{c}", f"c{c}", "chat", c % 12, 0.0) for c in range(200)]
    edges = [
        PictureEdge(f"account:{i}", f"chat:{rng.randrange(200)}", 1, "member")
        for i in range(count)
        for _ in range(2)
    ]
    edges += [
        PictureEdge(
            f"account:{rng.randrange(count)}", f"account:{rng.randrange(count)}", 1, "same_media"
        )
        for _ in range(count)
    ]
    return nodes, edges


def test_ten_thousand_nodes_are_reduced_to_the_top_scored_and_their_chats() -> None:
    nodes, edges = big_network(10_000)
    figure = network_figure(nodes, edges, max_nodes=300)
    title = figure.axes[0].get_title()
    assert "300 of 10200 nodes shown, 9900 left out" in title
    drawn = texts(figure)
    assert "n5" in drawn  # highlighted although its score is low
    markers = figure.axes[0].findobj(PathCollection)
    assert sum(np.asarray(c.get_offsets()).shape[0] for c in markers) == 300
    assert decode(network_png(nodes, edges)).size == (1600, 1200)


def test_choose_nodes_keeps_highlighted_then_highest_scores_then_connecting_chats() -> None:
    nodes, edges = big_network(1000)
    kept, left_out = choose_nodes(nodes, edges, 100)
    assert len(kept) == 100 and left_out == 1100
    accounts = [n for n in kept if n.kind == "account"]
    chats = [n for n in kept if n.kind == "chat"]
    assert len(accounts) >= 75
    assert any(n.id == "account:5" for n in accounts)
    assert min(n.score for n in accounts if not n.highlight) >= 1000 - len(accounts)
    kept_ids = {n.id for n in accounts}
    for chat in chats:  # every chat kept links at least two kept accounts
        linked = {e.source for e in edges if e.target == chat.id and e.source in kept_ids}
        assert len(linked) >= 2


def event(minutes: float, chat: str, kind: str, label: str = "") -> TimelineEvent:
    return TimelineEvent(T0 + timedelta(minutes=minutes), chat, kind, label)


def test_timeline_png_has_the_asked_size_and_known_material_stands_out() -> None:
    events = [event(i * 600, f"chat {i % 3}", "message") for i in range(60)]
    events += [event(5000, "chat 1", "known", "file-1"), event(9000, "chat 2", "new_media")]
    image = decode(timeline_png(events, title="account 7", size=(1200, 500)))
    assert image.size == (1200, 500)
    assert pixels_of(image, EVENT_STYLES["known"][1]) > 20
    assert pixels_of(image, EVENT_STYLES["new_media"][1]) > 20
    figure = timeline_figure(events)
    assert {"chat 0", "chat 1", "chat 2", "file-1"} <= set(texts(figure))
    legend = figure.axes[0].get_legend()
    assert legend is not None
    assert "known material (1)" in [t.get_text() for t in legend.get_texts()]


def test_membership_is_a_bar_only_when_join_and_leave_are_both_known() -> None:
    joined_left = [event(0, "a", "join"), event(30, "a", "message"), event(90, "a", "leave")]
    spans = timeline_figure(joined_left).axes[0].findobj(PolyCollection)
    assert len(spans) == 1
    only_join = [event(0, "a", "join"), event(30, "a", "message")]
    assert not timeline_figure(only_join).axes[0].findobj(PolyCollection)


@pytest.mark.parametrize("span", [timedelta(0), timedelta(minutes=5), timedelta(days=3 * 365)])
def test_timeline_handles_any_time_span(span: timedelta) -> None:
    events = [TimelineEvent(T0, "a", "message"), TimelineEvent(T0 + span, "b", "known")]
    figure = timeline_figure(events)
    low, high = figure.axes[0].get_xlim()
    assert high > low
    assert decode(timeline_png(events)).size == (1600, 600)


def test_one_event() -> None:
    figure = timeline_figure([event(0, "a", "create")])
    assert "a" in texts(figure)
    assert decode(timeline_png([event(0, "a", "create")])).size == (1600, 600)


def test_naive_times_are_refused_naming_the_event() -> None:
    naive = TimelineEvent(datetime(2025, 7, 1, 12), "some chat", "join")
    with pytest.raises(ValueError, match=r"event 2 \(join in 'some chat'\).*no time zone"):
        timeline_figure([event(0, "a", "message"), naive])


def test_timeline_chat_names_are_plain_text_and_rows_are_limited() -> None:
    events = [event(i, name, "message") for i, name in enumerate(TRICKY)]
    events += [event(100 + i, f"quiet {i}", "message") for i in range(40)]
    events += [event(200, "$x^2$", "known")]
    figure = timeline_figure(events, title="$y$")
    drawn = texts(figure)
    assert "$x^2$" in drawn and plain_label("a" * 200) in drawn
    assert figure.axes[0].get_title() == "$y$ (16 quieter chats not shown)"
    decode(timeline_png(events))


def test_too_small_pictures_are_refused() -> None:
    with pytest.raises(ValueError, match="too small"):
        network_png([], [], size=(50, 50))


def test_reach_curve() -> None:
    png = reach_curve_png(100.0, [("member $x$", 60.0), ("other", 10.0)])
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.size == (1000, 600)
    pixels = np.asarray(image).reshape(-1, 3)
    assert (pixels == (214, 39, 40)).all(axis=1).sum() > 100  # the curve's red
    empty = np.asarray(Image.open(io.BytesIO(reach_curve_png(0.0, []))).convert("RGB"))
    assert not (empty.reshape(-1, 3) == (214, 39, 40)).all(axis=1).any()
