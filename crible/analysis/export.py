"""Writers of the graph for Gephi and other link-analysis tools: GEXF, GraphML, JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import IO, Any

import networkx as nx

FORMATS = ("gexf", "graphml", "json")


def scalar_copy(graph: Any) -> Any:
    """A copy whose attributes are all scalars (None dropped, other values as text)."""
    out = nx.MultiDiGraph()
    for node, data in graph.nodes(data=True):
        out.add_node(node, **_scalars(data))
    for u, v, key, data in graph.edges(keys=True, data=True):
        out.add_edge(u, v, key=key, **_scalars(data))
    return out


def _scalars(data: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v if isinstance(v, bool | int | float | str) else str(v)
        for k, v in data.items()
        if v is not None
    }


def _gexf(graph: Any, stream: IO[bytes]) -> None:
    nx.write_gexf(graph, stream)


def _graphml(graph: Any, stream: IO[bytes]) -> None:
    nx.write_graphml(graph, stream)


def _json(graph: Any, stream: IO[bytes]) -> None:
    data = nx.node_link_data(graph, edges="edges")
    stream.write(json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"))


WRITERS: dict[str, Callable[[Any, IO[bytes]], None]] = {
    "gexf": _gexf,
    "graphml": _graphml,
    "json": _json,
}


def write_graph(graph: Any, stream: IO[bytes], format: str) -> None:
    """Write ``graph`` to a binary stream in ``format`` (gexf, graphml or json)."""
    try:
        writer = WRITERS[format]
    except KeyError:
        raise ValueError(f"unknown graph format {format!r}") from None
    writer(scalar_copy(graph), stream)
