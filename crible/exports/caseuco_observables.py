"""CASE/UCO observables of a case file: accounts, files with hashes, messages and threads."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from crible.exports.caseuco_graph import Graph, Node, refs, time_literal
from crible.exports.provenance import messages_of
from crible.model.cases import ConfirmedMedia, EvidenceItem
from crible.model.errors import UserError


def account_node(
    graph: Graph, account_id: int, platform: str, key: str, names: Iterable[str]
) -> str:
    app = graph.add("application", platform, "uco-observable:Application", uco_core__name=platform)
    facets: list[Node] = [
        {
            "@id": graph.iri("account-facet", account_id),
            "@type": "uco-observable:AccountFacet",
            "uco-observable:accountIdentifier": key,
        },
        {
            "@id": graph.iri("application-account-facet", account_id),
            "@type": "uco-observable:ApplicationAccountFacet",
            "uco-observable:application": {"@id": app},
        },
    ]
    shown = list(names)
    if shown:
        facets.append(
            {
                "@id": graph.iri("digital-account-facet", account_id),
                "@type": "uco-observable:DigitalAccountFacet",
                "uco-observable:displayName": shown[0],
            }
        )
    return graph.add(
        "account",
        account_id,
        "uco-observable:ApplicationAccount",
        uco_core__description=f"{platform} account {key}"
        + (f" ({', '.join(shown)})" if shown else ""),
        uco_core__hasFacet=facets,
    )


def file_node(graph: Graph, item: ConfirmedMedia) -> str:
    """A ``File`` with its size, name and hashes; its category and PDQ in an annotation."""
    if not item.confirmed_by:
        raise UserError(
            f"file {item.sha256} was not confirmed by a reviewer: it cannot be exported"
        )
    hashes = [("SHA256", item.sha256), ("MD5", item.md5), ("SHA1", item.sha1)]
    methods: list[Node] = [
        {
            "@id": graph.iri("hash", f"{item.sha256}|{name}"),
            "@type": "uco-types:Hash",
            "uco-types:hashMethod": name,
            "uco-types:hashValue": {"@type": "xsd:hexBinary", "@value": value.lower()},
        }
        for name, value in hashes
    ]
    size = {"@type": "xsd:integer", "@value": str(item.size)}
    file_facet: Node = {
        "@id": graph.iri("file-facet", item.sha256),
        "@type": "uco-observable:FileFacet",
        "uco-observable:sizeInBytes": size,
    }
    if item.file_name:
        file_facet["uco-observable:fileName"] = item.file_name
    content: Node = {
        "@id": graph.iri("content-data-facet", item.sha256),
        "@type": "uco-observable:ContentDataFacet",
        "uco-observable:hash": methods,
        "uco-observable:sizeInBytes": size,
    }
    iri = graph.add(
        "file", item.sha256, "uco-observable:File", uco_core__hasFacet=[file_facet, content]
    )
    notes = [f"category {item.category}"] if item.category is not None else []
    if item.pdq:
        notes.append(f"PDQ {item.pdq.lower()}")
    if notes:
        graph.add(
            "annotation",
            item.sha256,
            "uco-core:Annotation",
            uco_core__description="; ".join(notes),
            uco_core__tag=[str(item.category)] if item.category is not None else None,
            uco_core__object=[{"@id": iri}],
        )
    return iri


def message_nodes(
    graph: Graph, evidence: Iterable[EvidenceItem], accounts: dict[int, str]
) -> dict[str, str]:
    """Message nodes by message ref, and their threads (chats) in time order."""
    found: dict[str, str] = {}
    threads: dict[str, tuple[str, list[tuple[datetime | None, str]], set[str]]] = {}
    for item in evidence:
        for message in messages_of(item):
            if message.ref in found:
                continue
            facet: Node = {
                "@id": graph.iri("message-facet", message.ref),
                "@type": "uco-observable:MessageFacet",
                "uco-observable:messageID": message.ref,
            }
            sender = accounts.get(message.sender) if message.sender is not None else None
            if sender is not None:
                facet["uco-observable:from"] = {"@id": sender}
            if message.at is not None:
                facet["uco-observable:sentTime"] = time_literal(message.at)
            found[message.ref] = graph.add(
                "message",
                message.ref,
                "uco-observable:Message",
                uco_core__description=message.detail,
                uco_core__hasFacet=[facet],
            )
            if message.chat_ref is not None:
                _, members, people = threads.setdefault(
                    message.chat_ref, (message.chat_name or message.chat_ref, [], set())
                )
                members.append((message.at, found[message.ref]))
                if sender is not None:
                    people.add(sender)
    for ref, (name, members, people) in threads.items():
        thread(graph, ref, name, members, people)
    return found


def thread(
    graph: Graph, ref: str, name: str, members: list[tuple[datetime | None, str]], people: set[str]
) -> None:
    """A ``MessageThread`` of messages in time order, with its participants."""
    ordered = [
        iri
        for _, iri in sorted(
            members, key=lambda m: (m[0] is None, m[0] or datetime.min.replace(tzinfo=UTC))
        )
    ]
    items: list[Node] = []
    for index, message in enumerate(ordered, start=1):
        item: Node = {
            "@id": graph.iri("thread-item", f"{ref}|{index}"),
            "@type": "uco-types:ThreadItem",
            "co:index": {"@type": "xsd:positiveInteger", "@value": str(index)},
            "co:itemContent": {"@id": message},
        }
        if index < len(ordered):
            item["uco-types:threadNextItem"] = {
                "@id": graph.iri("thread-item", f"{ref}|{index + 1}")
            }
        items.append(item)
    thread: Node = {
        "@id": graph.iri("thread", ref),
        "@type": "uco-types:Thread",
        "co:size": {"@type": "xsd:nonNegativeInteger", "@value": str(len(ordered))},
        "co:element": refs(ordered),
        "co:item": items,
    }
    facet: Node = {
        "@id": graph.iri("message-thread-facet", ref),
        "@type": "uco-observable:MessageThreadFacet",
        "uco-observable:messageThread": thread,
    }
    if people:
        facet["uco-observable:participant"] = refs(sorted(people))
    graph.add(
        "message-thread",
        ref,
        "uco-observable:MessageThread",
        uco_core__name=name,
        uco_core__hasFacet=[facet],
    )
