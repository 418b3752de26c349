"""Same-media links: accounts that posted the same file (``exact``) or PDQ near-duplicates
within a threshold (``near``), one ``same_media`` edge per pair of accounts, stored once from
the lower node id, with the counts of shared files. A file with more than ``PAIRWISE``
posters links each of them to its first poster only (a star, not every pair: a file shared
by thousands would make millions of edges)."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import combinations
from typing import Any

import numpy as np
from sqlalchemy import Connection, select

from crible.index import MihPdqIndex, hashes_from_hex
from crible.store.sql import streamed
from crible.store.tables import media

BATCH = 5000
PAIRWISE = 30
"""Posters of one file beyond which same-media links form a star around the first poster."""


def link_same_media(graph: Any, conn: Connection, threshold: int | None = 31) -> None:
    """Account – account that posted the same file (``exact``) or a PDQ near-duplicate
    within ``threshold`` (``near``; None: exact only); stored once, lower node id first.
    A file with more than ``PAIRWISE`` posters links each of them to its first poster
    only (a star, not every pair: a file shared by thousands would make millions)."""
    posters, first = _posters(graph)
    for sha256, accounts_of in posters.items():
        for u, v in _pairs(sorted(accounts_of), first[sha256]):
            _link(graph, u, v, "exact")
    if threshold is None:
        return
    for a, b in near_pairs(conn, list(posters), threshold):
        both = posters[a] | posters[b]
        if len(posters[a]) * len(posters[b]) <= PAIRWISE * PAIRWISE:
            links = ((u, v) for u in posters[a] for v in posters[b])
        else:
            links = ((u, min(first[a], first[b])[1]) for u in both)
        for u, v in links:
            if u != v:
                _link(graph, min(u, v), max(u, v), "near")


def _link(graph: Any, u: str, v: str, how: str) -> None:
    if not graph.has_edge(u, v, "same_media"):
        graph.add_edge(u, v, key="same_media", layer="same_media", weight=0, exact=0, near=0)
    data = graph.edges[u, v, "same_media"]
    data["weight"] += 1
    data[how] += 1


def _posters(graph: Any) -> tuple[dict[str, set[str]], dict[str, tuple[str, str]]]:
    """For each posted file (sha256), the accounts that posted it, and (time, account) of
    its first post (unknown times last)."""
    found: dict[str, set[str]] = {}
    first: dict[str, tuple[str, str]] = {}
    for u, v, data in graph.edges(data=True):
        if data["layer"] == "posted":
            sha256 = v.removeprefix("media:")
            found.setdefault(sha256, set()).add(u)
            seen = (data.get("first") or "~", u)
            if sha256 not in first or seen < first[sha256]:
                first[sha256] = seen
    return found, first


def _pairs(posters: list[str], first: tuple[str, str]) -> Iterator[tuple[str, str]]:
    """Every pair of posters (lower first), or each poster with the first one if too many."""
    if len(posters) <= PAIRWISE:
        yield from combinations(posters, 2)
        return
    for u in posters:
        if u != first[1]:
            yield min(u, first[1]), max(u, first[1])


def near_pairs(conn: Connection, files: list[str], threshold: int) -> Iterator[tuple[str, str]]:
    """Pairs of different posted files whose PDQ hashes are within ``threshold`` (a < b)."""
    wanted, shas, values = set(files), list[str](), list[str]()
    query = select(media.c.sha256, media.c.pdq).where(media.c.pdq.is_not(None))
    for sha256, pdq in streamed(conn, query):
        if sha256 in wanted:
            shas.append(sha256)
            values.append(pdq)
    if len(shas) < 2:
        return
    hashes = hashes_from_hex(values)
    index = MihPdqIndex.from_arrays(np.arange(len(shas), dtype=np.int64), hashes)
    for start in range(0, len(shas), BATCH):
        found = index.search(hashes[start : start + BATCH], threshold)
        for offset, neighbours in enumerate(found):
            i = start + offset
            for neighbour in neighbours:
                if neighbour.id > i:
                    yield shas[i], shas[neighbour.id]
