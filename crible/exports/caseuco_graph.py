"""The JSON-LD graph a CASE/UCO export is built in: deterministic IRIs, shared node shapes."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

Node = dict[str, Any]
CONTEXT = {
    "kb": "urn:crible:kb:",
    "co": "http://purl.org/co/",
    "case-investigation": "https://ontology.caseontology.org/case/investigation/",
    "uco-action": "https://ontology.unifiedcyberontology.org/uco/action/",
    "uco-core": "https://ontology.unifiedcyberontology.org/uco/core/",
    "uco-identity": "https://ontology.unifiedcyberontology.org/uco/identity/",
    "uco-location": "https://ontology.unifiedcyberontology.org/uco/location/",
    "uco-observable": "https://ontology.unifiedcyberontology.org/uco/observable/",
    "uco-tool": "https://ontology.unifiedcyberontology.org/uco/tool/",
    "uco-types": "https://ontology.unifiedcyberontology.org/uco/types/",
    "uco-vocabulary": "https://ontology.unifiedcyberontology.org/uco/vocabulary/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
NAMESPACE = uuid.UUID("6f1d3c1e-6c0b-4d55-9a57-637269626c65")


class Graph:
    """Nodes keyed by IRI; each IRI derived from the case and a node key."""

    def __init__(self, reference: str) -> None:
        self.reference = reference
        self.nodes: dict[str, Node] = {}

    def iri(self, kind: str, key: object) -> str:
        """The IRI of the node of this kind and key (the same every time)."""
        return f"kb:{kind}-{uuid.uuid5(NAMESPACE, f'{self.reference}|{kind}|{key}')}"

    def add(self, kind: str, key: object, node_type: str | list[str], **props: Any) -> str:
        """Add (or complete) a node; keyword arguments are its terms, None ones left out."""
        iri = self.iri(kind, key)
        if iri not in self.nodes:
            self.nodes[iri] = {"@id": iri, "@type": node_type}
        self.nodes[iri].update({term(k): v for k, v in props.items() if v is not None})
        return iri


def term(keyword: str) -> str:
    """``uco_core__name`` -> ``uco-core:name``: keyword arguments name the JSON-LD terms."""
    prefix, _, local = keyword.partition("__")
    return f"{prefix.replace('_', '-')}:{local}"


def actor_node(graph: Graph, name: str) -> str:
    """A person who acted (reviewer, investigator), by the name crible knows them by."""
    return graph.add("actor", name, "uco-identity:Person", uco_core__name=name)


def relation(
    graph: Graph,
    source: str,
    target: str,
    kind: str,
    description: str | None,
    *,
    observable: bool = False,
) -> None:
    """A directed relationship between two nodes (observables: ObservableRelationship)."""
    graph.add(
        "relationship",
        f"{source}|{kind}|{target}",
        "uco-observable:ObservableRelationship" if observable else "uco-core:Relationship",
        uco_core__source=[{"@id": source}],
        uco_core__target={"@id": target},
        uco_core__kindOfRelationship=kind,
        uco_core__isDirectional=True,
        uco_core__description=description,
    )


def refs(iris: Iterable[str]) -> list[Node]:
    """References to nodes."""
    return [{"@id": iri} for iri in iris]


def time_literal(moment: datetime) -> Node:
    """An ``xsd:dateTime`` literal in UTC."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return {
        "@type": "xsd:dateTime",
        "@value": aware.astimezone(UTC).isoformat().replace("+00:00", "Z"),
    }
