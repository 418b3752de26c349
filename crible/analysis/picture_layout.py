"""Helpers of the network pictures: safe label text, stable community colours, the choice
of nodes to draw when there are too many, and a seeded igraph layout."""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Protocol, TypeVar

import igraph
import numpy as np

LABEL_MAX = 28
"""Longest label drawn, in characters; longer ones end with an ellipsis."""

PALETTE: tuple[str, ...] = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
    "#393b79",
    "#637939",
    "#843c39",
)
"""A qualitative palette (matplotlib's tab10 with grey left out, then three darker hues)."""

NO_COMMUNITY = "#b0b0b0"


class _Node(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def score(self) -> float: ...
    @property
    def highlight(self) -> bool: ...


class _Edge(Protocol):
    @property
    def source(self) -> str: ...
    @property
    def target(self) -> str: ...
    @property
    def weight(self) -> float: ...


N = TypeVar("N", bound=_Node)


def plain_label(text: str, limit: int = LABEL_MAX) -> str:
    """Untrusted text made safe to draw: control characters become spaces, runs of blanks
    one space, and text longer than ``limit`` is cut with an ellipsis. (Mathtext is turned
    off where the text is drawn, so ``$`` stays a dollar sign.)"""
    cleaned = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in text
    )
    cleaned = " ".join(cleaned.split())
    if len(cleaned) > limit:
        return cleaned[: limit - 1].rstrip() + "…"
    return cleaned


def community_colour(community: int | None) -> str:
    """The colour of a community: the same id always gets the same colour."""
    if community is None:
        return NO_COMMUNITY
    return PALETTE[community % len(PALETTE)]


def choose_nodes(nodes: Sequence[N], edges: Iterable[_Edge], max_nodes: int) -> tuple[list[N], int]:
    """At most ``max_nodes`` nodes: the highlighted then highest-scored accounts (three
    quarters of the room), then the chats that connect most of them, then more accounts.
    Returns the nodes kept (in their given order) and how many were left out."""
    if len(nodes) <= max_nodes:
        return list(nodes), 0
    accounts = [n for n in nodes if n.kind != "chat"]
    accounts.sort(key=lambda n: (not n.highlight, -n.score, n.id))
    kept = {n.id for n in accounts[: max(1, max_nodes * 3 // 4)]}
    chat_ids = {n.id for n in nodes if n.kind == "chat"}
    links: dict[str, set[str]] = {}
    for edge in edges:
        for chat, other in ((edge.source, edge.target), (edge.target, edge.source)):
            if chat in chat_ids and other in kept:
                links.setdefault(chat, set()).add(other)
    connecting = sorted(
        (chat for chat, members in links.items() if len(members) >= 2),
        key=lambda chat: (-len(links[chat]), chat),
    )
    for chat in connecting[: max_nodes - len(kept)]:
        kept.add(chat)
    for node in accounts:
        if len(kept) >= max_nodes:
            break
        kept.add(node.id)
    chosen = [n for n in nodes if n.id in kept]
    return chosen, len(nodes) - len(chosen)


def layout(ids: Sequence[str], edges: Iterable[_Edge], *, seed: int = 7) -> np.ndarray:
    """Positions (n x 2, within [0, 1]) from igraph's Fruchterman-Reingold layout (DrL
    above 2000 nodes), the same for the same input: igraph draws from a seeded generator,
    restored afterwards."""
    count = len(ids)
    if count == 0:
        return np.zeros((0, 2))
    if count == 1:
        return np.array([[0.5, 0.5]])
    index = {node: i for i, node in enumerate(ids)}
    weights: dict[tuple[int, int], float] = {}
    for edge in edges:
        a, b = index.get(edge.source), index.get(edge.target)
        if a is None or b is None or a == b:
            continue
        pair = (min(a, b), max(a, b))
        weights[pair] = weights.get(pair, 0.0) + max(float(edge.weight), 0.0)
    graph = igraph.Graph(n=count, edges=list(weights))
    strength = [1.0 + float(np.log1p(w)) for w in weights.values()]
    start = np.random.default_rng(seed).uniform(-1, 1, size=(count, 2)).tolist()
    igraph.set_random_number_generator(random.Random(seed))
    try:
        if count > 2000:
            coords = graph.layout_drl(weights=strength, seed=start)
        else:
            coords = graph.layout_fruchterman_reingold(weights=strength, seed=start, niter=300)
    finally:
        igraph.set_random_number_generator(random)
    points = np.asarray(coords.coords, dtype=float)
    low, high = points.min(axis=0), points.max(axis=0)
    span = np.where(high - low > 0, high - low, 1.0)
    scaled: np.ndarray = (points - low) / span
    return scaled
