"""The multi-layer graph of an ingested Telegram export, and its GEXF, GraphML and JSON files."""

from __future__ import annotations

import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from crible.analysis.export import write_graph
from crible.analysis.graph import LAYERS, build_graph
from crible.services.banks import import_list
from crible.services.demo_media import TRANSFORMS, picture
from crible.services.demo_telegram import TelegramExport, at
from crible.services.ingest import ingest
from crible.signals.crypto import hash_file
from crible.store import Store
from tests.e2e.cli import crible

ADMIN, BOB, CAROL, DAVE = (1001, "Admin"), (1002, "Bob"), (1003, "Carol"), (1004, "Dave")


def _export() -> TelegramExport:
    chat = TelegramExport(9100, "Group A")
    shared = picture(1)
    chat.service(1, at(1, 9), ADMIN, "create_group", title="Group A", members=["Admin"])
    chat.service(2, at(1, 10), ADMIN, "invite_members", members=["Bob", "Carol", "Ghost"])
    chat.post(3, at(2), BOB, "", photo=shared, photo_name="shared.jpg")
    chat.post(4, at(3), CAROL, "", photo=shared, photo_name="shared-again.jpg")
    chat.post(5, at(4), CAROL, "seen", reply_to=3)
    mention = {"type": "mention_name", "text": "Carol", "user_id": CAROL[0]}
    chat.post(6, at(5), BOB, ["hello ", mention])
    chat.service(7, at(5, 9), DAVE, "join_group_by_link", inviter="Admin")
    chat.post(8, at(6), DAVE, "", photo=picture(2), photo_name="other.jpg", forwarded_from="Bob")
    edited = TRANSFORMS["resized"](shared)
    chat.post(9, at(7), ADMIN, "", photo=edited, photo_name="edited.jpg")
    return chat


@pytest.fixture
def ingested(store: Store, tmp_path: Path) -> Store:
    """The export ingested, with the file ``other.jpg`` listed in a bank."""
    result = _export().write(tmp_path / "export")
    listed = hash_file(result.parent / "photos" / "other.jpg").sha256
    path = tmp_path / "bank.csv"
    path.write_text(f"signal_type,signal_value\nsha256,{listed}\n")
    import_list(store, path, bank="listed", scheme="DEMO", category="DEMO")
    ingest(store, "telegram", result, workers=0)
    return store


def _node(graph: Any, key: str) -> str:
    found = [n for n, k in graph.nodes(data="key") if k == key]
    assert len(found) == 1, (key, found)
    return str(found[0])


def _layer(graph: Any, layer: str) -> dict[tuple[str, str], dict[str, Any]]:
    return {(u, v): d for u, v, d in graph.edges(data=True) if d["layer"] == layer}


def test_graph_has_every_layer_with_exact_edges(ingested: Store) -> None:
    graph = build_graph(ingested)
    admin, bob, carol, dave = (_node(graph, f"user{a[0]}") for a in (ADMIN, BOB, CAROL, DAVE))
    chat = next(n for n, kind in graph.nodes(data="kind") if kind == "chat")
    kinds = Counter(kind for _n, kind in graph.nodes(data="kind"))
    assert kinds == {"account": 4, "chat": 1, "media": 3, "name": 1}
    assert graph.nodes[admin]["name"] == "Admin" and graph.nodes[chat]["name"] == "Group A"
    counts = Counter(layer for _u, _v, layer in graph.edges(data="layer"))
    assert counts == {
        "posted": 4, "member": 4, "forwarded": 1, "replied": 1,
        "mentioned": 1, "invited": 4, "same_media": 3,
    }  # fmt: skip

    posted = _layer(graph, "posted")
    assert {u for u, _v in posted} == {admin, bob, carol, dave}
    (shared,) = {v for (u, v) in posted if u == bob}
    assert (carol, shared) in posted and not graph.nodes[shared]["known"]
    (other,) = {v for (u, v) in posted if u == dave}
    assert graph.nodes[other]["known"] is True
    assert posted[bob, shared] == {
        "layer": "posted", "weight": 1, "chat": chat,
        "first": "2025-03-02T12:00:00+00:00", "last": "2025-03-02T12:00:00+00:00",
    }  # fmt: skip

    member = _layer(graph, "member")
    assert set(member) == {(a, chat) for a in (admin, bob, carol, dave)}
    assert member[dave, chat]["joined"] == "2025-03-05T09:00:00+00:00"
    assert member[bob, chat]["joined"] == "2025-03-01T10:00:00+00:00"
    assert member[admin, chat]["joined"] == "2025-03-01T09:00:00+00:00"
    assert member[carol, chat]["left"] == "2025-03-04T12:00:00+00:00"  # last message
    assert member[carol, chat]["weight"] == 2

    forwarded = _layer(graph, "forwarded")
    assert forwarded[dave, chat]["from_name"] == "Bob"
    assert forwarded[dave, chat]["from_account"] == bob
    assert set(_layer(graph, "replied")) == {(carol, bob)}
    assert set(_layer(graph, "mentioned")) == {(bob, carol)}
    invited = _layer(graph, "invited")
    assert set(invited) == {(admin, bob), (admin, carol), (admin, "name:Ghost"), (admin, dave)}
    assert invited[admin, dave]["first"] == "2025-03-05T09:00:00+00:00"

    same = _layer(graph, "same_media")
    pairs = {tuple(sorted(p)): (d["exact"], d["near"]) for p, d in same.items()}
    assert pairs == {
        tuple(sorted((bob, carol))): (1, 0),
        tuple(sorted((admin, bob))): (0, 1),
        tuple(sorted((admin, carol))): (0, 1),
    }


def test_layers_can_be_chosen(ingested: Store) -> None:
    graph = build_graph(ingested, ["invited", "same_media"], near=None)
    counts = Counter(layer for _u, _v, layer in graph.edges(data="layer"))
    assert counts == {"invited": 4, "same_media": 1}
    assert all(kind != "media" for _n, kind in graph.nodes(data="kind"))
    with pytest.raises(ValueError, match="unknown layers"):
        build_graph(ingested, ["posted", "liked"])


@pytest.mark.parametrize("fmt", ["gexf", "graphml", "json"])
def test_exports_read_back(ingested: Store, tmp_path: Path, fmt: str) -> None:
    graph = build_graph(ingested)
    target = tmp_path / f"graph.{fmt}"
    with target.open("wb") as stream:
        write_graph(graph, stream, fmt)
    if fmt == "json":
        data = json.loads(target.read_text(encoding="utf-8"))
        nodes, edges = len(data["nodes"]), len(data["edges"])
        assert {e["layer"] for e in data["edges"]} == set(LAYERS)
    else:
        read = nx.read_gexf(target) if fmt == "gexf" else nx.read_graphml(target)
        nodes, edges = read.number_of_nodes(), read.number_of_edges()
        layers = {d["layer"] for _u, _v, d in read.edges(data=True)}
        assert layers == set(LAYERS)
    assert (nodes, edges) == (graph.number_of_nodes(), graph.number_of_edges()) == (9, 18)


def test_unknown_format_is_refused(ingested: Store) -> None:
    with pytest.raises(ValueError, match="unknown graph format"):
        write_graph(build_graph(ingested), io.BytesIO(), "dot")


def test_cli_writes_graphml(ingested: Store, tmp_path: Path) -> None:
    url = ingested.url
    target = tmp_path / "net.graphml"
    done = crible(
        "graph", "--format", "graphml", "--layers", "invited,member", "-o", str(target), db=str(url)
    )
    assert done.returncode == 0, done.stderr
    read = nx.read_graphml(target)
    assert read.number_of_edges() == 8
    ranked = [d for _n, d in read.nodes(data=True) if "rank" in d]
    assert ranked and all("score" in d and "community" in d for d in ranked)
    printed = crible("graph", "--format", "json", db=str(url))
    assert printed.returncode == 0, printed.stderr
    assert len(json.loads(printed.stdout)["edges"]) == 18
    bad = crible("graph", "--layers", "liked", db=str(url))
    assert bad.returncode == 2 and "choose among" in bad.stderr
