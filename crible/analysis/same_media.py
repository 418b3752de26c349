"""Same-media links: accounts that posted the same picture, one ``same_media`` edge per pair
of accounts, stored once from the lower node id. A picture is a perceptual cluster
(``crible.analysis.clusters``: PDQ or vPDQ matches of its first-posted file within a
threshold), since chat apps recompress what is re-posted. Each shared picture counts once per
pair: ``exact`` when the two posted a file with the same bytes, ``near`` when only copies in
the same cluster. A picture with more than ``PAIRWISE`` posters links each of them to its first
poster only (a star, not every pair: a picture shared by thousands would make millions of
edges)."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import combinations
from typing import Any

from crible.analysis.clusters import Clusters, read_clusters
from crible.store.read.perceptual import PerceptualHashes

PAIRWISE = 30
"""Posters of one picture beyond which same-media links form a star around the first poster."""


def link_same_media(graph: Any, hashes: PerceptualHashes, threshold: int | None = 31) -> None:
    """Account – account that posted the same picture: the same file (``exact``) or a file of
    its perceptual cluster within ``threshold`` (``near``; None: byte-identical files only).
    Media nodes get ``cluster``, the file that names their cluster (its first-posted file)."""
    posters, first = _posters(graph)
    order = sorted(posters, key=lambda sha256: (first[sha256], sha256))
    clusters = (
        Clusters() if threshold is None else read_clusters(hashes, order, threshold=threshold)
    )
    groups: dict[str, list[str]] = {}
    for sha256 in order:
        groups.setdefault(clusters.key(sha256), []).append(sha256)
        graph.nodes[f"media:{sha256}"]["cluster"] = clusters.key(sha256)
    for files in groups.values():
        files_of: dict[str, set[str]] = {}
        for sha256 in files:
            for account in posters[sha256]:
                files_of.setdefault(account, set()).add(sha256)
        earliest = min(first[sha256] for sha256 in files)
        for u, v in _pairs(sorted(files_of), earliest):
            _link(graph, u, v, "near" if files_of[u].isdisjoint(files_of[v]) else "exact")


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
