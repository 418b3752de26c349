"""The investigation as a multi-layer graph (networkx MultiDiGraph), built from the store.

Nodes: ``account:<id>`` (platform, key, name, is_bot), ``chat:<id>`` (name, type),
``media:<sha256>`` (known: the file has matches) and ``name:<text>`` (an invited person
known by name only). Every node has ``kind``; every edge has ``layer``, ``weight`` (how
many records it aggregates) and ``first``/``last`` (ISO 8601 UTC times, absent if unknown).

Aggregation: rows are grouped in SQL and streamed (``yield_per``), so memory grows with the
number of distinct edges, never with messages. One edge per (source, target, key):
``posted`` per account, file and chat; ``member`` per account and chat; ``forwarded`` per
account, chat and origin; ``replied``, ``mentioned``, ``invited`` per pair of accounts;
``same_media`` per pair (stored once, from the lower node id) with ``exact`` and ``near``
counts of shared pictures: perceptual clusters, so that a recompressed re-post is the same
picture (past ``PAIRWISE`` posters of one picture, each is linked to the first poster only;
media nodes carry their ``cluster``). Accounts with a name-only key (``name:<text>``) that
exactly one platform-id account showed are merged into that account.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import networkx as nx

from crible.analysis.same_media import link_same_media
from crible.store import Store
from crible.store.columns import as_utc
from crible.store.read.graph import GraphRows

LAYERS = ("posted", "member", "forwarded", "replied", "mentioned", "invited", "same_media")
START_EVENTS = ("create", "join", "invite")
END_EVENTS = ("leave", "remove")


def iso(value: datetime | None) -> str | None:
    """A stored time as ISO 8601 UTC text."""
    moment = as_utc(value)
    return moment.isoformat() if moment else None


class GraphBuilder:
    """Adds the store's nodes and layers to one graph, merging parallel edges."""

    def __init__(self, rows: GraphRows) -> None:
        self.rows = rows
        self.graph: Any = nx.MultiDiGraph()
        self.alias: dict[int, int] = {}
        self.by_key: dict[tuple[str, str], str] = {}
        self.by_username: dict[tuple[str, str], str] = {}
        self.by_name: dict[str, str] = {}

    def account(self, account_id: int | None) -> str | None:
        """The node of an account (merged through its alias), None if unknown."""
        if account_id is None:
            return None
        return f"account:{self.alias.get(account_id, account_id)}"

    def edge(
        self, u: str, v: str, key: str, layer: str, weight: int, first: Any, last: Any, **attrs: Any
    ) -> None:
        """Add an edge, or merge it into the one already there (weights add, span widens)."""
        first, last = iso(first), iso(last)
        graph = self.graph
        if graph.has_edge(u, v, key):
            data = graph.edges[u, v, key]
            data["weight"] += weight
            if first and (data.get("first") is None or first < data["first"]):
                data["first"] = first
            if last and (data.get("last") is None or last > data["last"]):
                data["last"] = last
            return
        spans = {k: t for k, t in (("first", first), ("last", last)) if t}
        clean = {k: a for k, a in attrs.items() if a is not None}
        graph.add_edge(u, v, key=key, layer=layer, weight=weight, **spans, **clean)

    def nodes(self) -> None:
        """Every chat and account (latest name), name-only accounts merged where unambiguous."""
        for chat_id, name, kind in self.rows.chats():
            self.graph.add_node(f"chat:{chat_id}", kind="chat", **_some(name=name, type=kind))
        names: dict[str, set[int]] = {}
        name_only: dict[int, str] = {}
        for account_id, platform, key, is_bot in self.rows.accounts():
            if key.startswith("name:"):
                name_only[account_id] = key.removeprefix("name:")
            self.by_key[(platform, key)] = f"account:{account_id}"
            self.graph.add_node(
                f"account:{account_id}",
                kind="account",
                platform=platform,
                key=key,
                is_bot=bool(is_bot),
            )
        for account_id, kind, value in self.rows.account_names():
            node = f"account:{account_id}"
            if kind == "name":
                self.graph.nodes[node]["name"] = value
                if account_id not in name_only:
                    names.setdefault(value, set()).add(account_id)
            elif kind == "username":
                platform = self.graph.nodes[node]["platform"]
                self.by_username[(platform, value.lower())] = node
        for account_id, name in name_only.items():
            self.graph.nodes[f"account:{account_id}"].setdefault("name", name)
            holders = names.get(name, set())
            if len(holders) == 1:
                self.alias[account_id] = next(iter(holders))
                self.graph.remove_node(f"account:{account_id}")
        self.by_name = {
            n: f"account:{next(iter(ids))}" for n, ids in names.items() if len(ids) == 1
        }

    def posted(self) -> None:
        """Account → file, one edge per account, file and chat."""
        for sender, sha256, chat_id, n, first, last in self.rows.posted():
            node = f"media:{sha256}"
            if node not in self.graph:
                self.graph.add_node(node, kind="media", sha256=sha256, known=False)
            u = self.account(sender)
            assert u is not None
            self.edge(
                u, node, f"posted:{chat_id}", "posted", n, first, last, chat=f"chat:{chat_id}"
            )
        for sha256 in self.rows.matched_files():
            node = f"media:{sha256}"
            if node in self.graph:
                self.graph.nodes[node]["known"] = True

    def member(self) -> None:
        """Account → chat: dates from membership events, else from first and last message."""
        spans: dict[tuple[str, str], dict[str, Any]] = {}
        for account_id, name, chat_id, event, _n, first, last in self.rows.membership_events():
            u = self.account(account_id) or self.by_name.get(name or "")
            if u is None or event not in START_EVENTS + END_EVENTS:
                continue
            span = spans.setdefault((u, f"chat:{chat_id}"), {})
            field, moment = ("joined", first) if event in START_EVENTS else ("left", last)
            value = iso(moment)
            if value and (field not in span or (value < span[field]) == (field == "joined")):
                span[field] = value
        for sender, chat_id, n, first, last in self.rows.activity():
            u = self.account(sender)
            assert u is not None
            self.edge(u, f"chat:{chat_id}", "member", "member", n, first, last)
        for (u, v), span in spans.items():
            if not self.graph.has_edge(u, v, "member"):
                self.graph.add_edge(u, v, key="member", layer="member", weight=0)
            self.graph.edges[u, v, "member"].update(span)
        for _u, _v, data in self.graph.edges(data=True):
            if data["layer"] == "member":
                data.setdefault("joined", data.get("first"))
                data.setdefault("left", data.get("last"))
                for field in ("joined", "left"):
                    if data[field] is None:
                        del data[field]

    def forwarded(self) -> None:
        """Account → chat it forwarded into, one edge per origin (name, or linked account)."""
        for sender, chat_id, name, origin, n, first, last in self.rows.forwards():
            u, source = self.account(sender), self.account(origin) or self.by_name.get(name)
            assert u is not None
            key = f"forwarded:{source or 'name:' + name}"
            self.edge(
                u,
                f"chat:{chat_id}",
                key,
                "forwarded",
                n,
                first,
                last,
                from_name=name,
                from_account=source,
            )

    def replied(self) -> None:
        """Account → account it replied to (the replied message found in the same chat)."""
        for sender, replied_to, n, first, last in self.rows.replies():
            u, v = self.account(sender), self.account(replied_to)
            if u and v and u != v:
                self.edge(u, v, "replied", "replied", n, first, last)

    def mentioned(self) -> None:
        """Account → account it mentioned: by account key (value), else by username (text)."""
        for sender, platform, value, text, n, first, last in self.rows.mentions():
            u = self.account(sender)
            v = self.by_key.get((platform, value or "")) or self.by_username.get(
                (platform, text.removeprefix("@").lower())
            )
            if u and v and u != v:
                self.edge(u, v, "mentioned", "mentioned", n, first, last)

    def invited(self) -> None:
        """Inviter → invited account (or ``name:<text>`` when no account has that name)."""
        for by, account_id, name, n, first, last in self.rows.invitations():
            u = self.account(by)
            v = self.account(account_id) or self.by_name.get(name or "")
            if v is None and name:
                v = f"name:{name}"
                self.graph.add_node(v, kind="name", name=name)
            if u and v and u != v:
                self.edge(u, v, "invited", "invited", n, first, last)

    def same_media(self, threshold: int | None = 31) -> None:
        """Account – account that posted the same picture: the same file or a copy in its
        perceptual cluster (see ``crible.analysis.same_media``)."""
        link_same_media(self.graph, self.rows.hashes(), threshold)


def _some(**attrs: Any) -> dict[str, Any]:
    return {k: v for k, v in attrs.items() if v is not None}


def annotate(graph: Any, analysis: Any) -> None:
    """Give account and chat nodes the analysis' score, rank and community (an
    ``crible.services.suspects.Analysis``; typed loosely to keep this module below services)."""
    for suspect in analysis.suspects:
        node = f"account:{suspect.account_id}"
        if node in graph:
            graph.nodes[node].update(score=suspect.score, rank=suspect.rank)
            if suspect.community is not None:
                graph.nodes[node]["community"] = suspect.community
    for chat, community in analysis.measures.chat_community.items():
        if f"chat:{chat}" in graph:
            graph.nodes[f"chat:{chat}"]["community"] = community


def build_graph(store: Store, layers: Iterable[str] = LAYERS, *, near: int | None = 31) -> Any:
    """The investigation's graph with the chosen ``layers`` (all by default)."""
    chosen = set(layers)
    unknown = chosen - set(LAYERS)
    if unknown:
        raise ValueError(f"unknown layers: {', '.join(sorted(unknown))}")
    with GraphRows.of(store) as rows:
        builder = GraphBuilder(rows)
        builder.nodes()
        if chosen & {"posted", "same_media"}:
            builder.posted()
        for layer in ("member", "forwarded", "replied", "mentioned", "invited"):
            if layer in chosen:
                getattr(builder, layer)()
        if "same_media" in chosen:
            builder.same_media(near)
    graph = builder.graph
    if "posted" not in chosen:
        graph.remove_nodes_from([n for n, kind in graph.nodes(data="kind") if kind == "media"])
    return graph
