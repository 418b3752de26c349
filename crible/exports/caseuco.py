"""CASE/UCO JSON-LD of a case file (CASE 1.5 / UCO 1.4 vocabulary, checked by case_validate).

The graph holds the investigation (``case-investigation:Investigation``) and everything it
refers to: the confirmed files (``uco-observable:File`` with their SHA-256, MD5 and SHA-1
hashes; the category and the PDQ hash, which UCO's hash vocabulary lacks, in an
annotation), the accounts (``ApplicationAccount``) and the people they were identified as,
the messages and their threads (``Message``, ``MessageThread`` built from
``uco-types:Thread`` items in time order), one ``case-investigation:ProvenanceRecord`` per
evidence item, and the investigative actions that produced them: export or scan, match,
review, adding to the case and each custody event (its hash chain in the description).
Relationships attach files to their messages and to the accounts that sent them, accounts
to the people they were identified as, and the case to the other files of its network.

Node IRIs are ``kb:<kind>-<UUID>`` with UUIDs derived from the case reference and the
node's key, so the same case file always gives the same graph.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from crible.exports.caseuco_graph import CONTEXT, Graph, actor_node, refs, relation, time_literal
from crible.exports.caseuco_observables import account_node, file_node, message_nodes
from crible.exports.provenance import SOURCE_KINDS, messages_of
from crible.model.cases import CaseFile, ConfirmedMedia, CustodyEvent, EvidenceItem, ProvenanceStep

_TOOL_STEPS = (*SOURCE_KINDS, "match")


def case_uco(case_file: CaseFile) -> dict[str, Any]:
    """The JSON-LD document (a dict ready for ``json.dumps``)."""
    case = case_file.case
    graph = Graph(case.reference)
    tool = graph.add("tool", "crible", "uco-tool:AnalyticTool", uco_core__name="crible")
    accounts = {
        s.account_id: account_node(graph, s.account_id, s.platform, s.key, s.names)
        for s in case_file.suspects
    }
    for suspect in case_file.suspects:
        if suspect.identity is not None:
            identified = graph.add(
                "person",
                suspect.account_id,
                "uco-identity:Person",
                uco_core__name=suspect.identity.full_name,
                uco_core__description=f"identified from: {suspect.identity.source}",
            )
            relation(graph, accounts[suspect.account_id], identified, "Related_To", "identified as")
    files = {item.sha256: file_node(graph, item) for item in case_file.media}
    messages = message_nodes(graph, case_file.evidence, accounts)
    actions = [
        *_tool_actions(graph, case_file.evidence, files, tool),
        *(_review(graph, item, files[item.sha256]) for item in case_file.media),
    ]
    records = [
        _evidence(graph, case.reference, item, files, messages, actions)
        for item in case_file.evidence
    ]
    actions += [
        _custody(graph, event.seq, event.actor, event.action, event.at, _chain(event))
        for event in case_file.custody
    ]
    for item in case_file.media:
        for account_id in item.posted_by:
            if account_id in accounts:
                relation(
                    graph,
                    files[item.sha256],
                    accounts[account_id],
                    "Sent_By",
                    None,
                    observable=True,
                )
    investigation = graph.add(
        "investigation",
        case.id,
        "case-investigation:Investigation",
        uco_core__name=case.reference,
        uco_core__description=case.title,
        uco_core__object=refs(
            [*accounts.values(), *files.values(), *messages.values(), *records, *actions]
        ),
        uco_action__startTime=time_literal(case.created_at),
    )
    for related in case_file.related:
        other = graph.add(
            "investigation",
            related.id,
            "case-investigation:Investigation",
            uco_core__name=related.reference,
            uco_core__description=related.title,
        )
        relation(graph, investigation, other, "Related_To", "another file of the same network")
    return {"@context": CONTEXT, "@graph": list(graph.nodes.values())}


def case_uco_json(case_file: CaseFile) -> bytes:
    """The JSON-LD document as UTF-8 bytes."""
    return json.dumps(case_uco(case_file), indent=1, ensure_ascii=False).encode("utf-8") + b"\n"


def _tool_actions(
    graph: Graph, evidence: Iterable[EvidenceItem], files: dict[str, str], tool: str
) -> list[str]:
    """One action per distinct export, scan or match step, with the files it led to."""
    results: dict[tuple[str, str], tuple[ProvenanceStep, list[str]]] = {}
    for item in evidence:
        for step in item.provenance:
            if step.kind in _TOOL_STEPS:
                _, found = results.setdefault((step.kind, step.ref), (step, []))
                if item.sha256 in files and files[item.sha256] not in found:
                    found.append(files[item.sha256])
    return [
        graph.add(
            "action",
            f"{kind}|{ref}",
            "case-investigation:InvestigativeAction",
            uco_core__name=kind,
            uco_core__description=f"{step.detail} ({ref})",
            uco_action__instrument={"@id": tool},
            uco_action__startTime=time_literal(step.at) if step.at else None,
            uco_action__result=refs(found) or None,
        )
        for (kind, ref), (step, found) in results.items()
    ]


def _review(graph: Graph, item: ConfirmedMedia, file_iri: str) -> str:
    reviewers = [actor_node(graph, name) for name in item.confirmed_by]
    return graph.add(
        "action",
        f"review|{item.sha256}",
        "case-investigation:InvestigativeAction",
        uco_core__name="review",
        uco_core__description=f"confirmed by {', '.join(item.confirmed_by)}",
        uco_action__performer={"@id": reviewers[0]},
        uco_action__participant=refs(reviewers[1:]) or None,
        uco_action__startTime=time_literal(item.confirmed_at),
        uco_action__object=[{"@id": file_iri}],
    )


def _evidence(
    graph: Graph,
    reference: str,
    item: EvidenceItem,
    files: dict[str, str],
    messages: dict[str, str],
    actions: list[str],
) -> str:
    """The item's provenance record, and the action that added it to the case."""
    objects = [files[item.sha256]] if item.sha256 in files else []
    objects += [messages[m.ref] for m in messages_of(item) if m.ref in messages]
    if item.sha256 in files:
        for message in objects[1:]:
            relation(graph, objects[0], message, "Attachment_Of", None, observable=True)
    chain = "; ".join(f"{s.kind} {s.ref}: {s.detail}" for s in item.provenance)
    record = graph.add(
        "provenance-record",
        item.id,
        "case-investigation:ProvenanceRecord",
        case_investigation__exhibitNumber=f"{reference}-{item.id}",
        uco_core__description=f"{item.kind} {item.ref}: {item.description}"
        + (f" [{chain}]" if chain else ""),
        uco_core__object=refs(objects) or None,
    )
    actions.append(
        graph.add(
            "action",
            f"evidence|{item.id}",
            "case-investigation:InvestigativeAction",
            uco_core__name="evidence added",
            uco_action__performer={"@id": actor_node(graph, item.added_by)},
            uco_action__startTime=time_literal(item.added_at),
            uco_action__object=refs(objects) or None,
            uco_action__result=[{"@id": record}],
        )
    )
    return record


def _custody(graph: Graph, seq: int, actor: str, action: str, at: datetime, detail: str) -> str:
    return graph.add(
        "action",
        f"custody|{seq}",
        "case-investigation:InvestigativeAction",
        uco_core__name=action,
        uco_core__description=detail,
        uco_action__performer={"@id": actor_node(graph, actor)},
        uco_action__startTime=time_literal(at),
    )


def _chain(event: CustodyEvent) -> str:
    return (
        f"custody entry {event.seq}: {event.detail} (hash {event.hash}, previous {event.prev_hash})"
    )
