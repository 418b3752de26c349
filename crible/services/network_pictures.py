"""Pictures of an analysis: the network (communities coloured, suspects sized by score) and an
account's activity timeline, as PNG bytes for the CLI and the web app."""

from __future__ import annotations

from crible.analysis.pictures import (
    PictureEdge,
    PictureNode,
    network_png,
    reach_curve_png,
    timeline_png,
)
from crible.services.profile import AccountProfile
from crible.services.suspects import Analysis


def network_picture(analysis: Analysis, *, top: int = 10, max_nodes: int = 300) -> bytes:
    """The network of accounts and chats; the ``top`` suspects are labelled."""
    facts, measures = analysis.facts, analysis.measures
    scores = {s.account_id: s for s in analysis.suspects}
    nodes = [
        PictureNode(
            id=f"account:{s.account_id}",
            label=s.name or s.key,
            kind="account",
            community=s.community,
            score=s.score,
            highlight=s.rank <= top,
        )
        for s in analysis.suspects
    ]
    chats = {chat for _account, chat in facts.membership}
    nodes += [
        PictureNode(
            id=f"chat:{chat}",
            label=facts.chat_names.get(chat, f"chat {chat}"),
            kind="chat",
            community=measures.chat_community.get(chat),
            score=0.0,
            highlight=True,
        )
        for chat in sorted(chats)
    ]
    edges: dict[tuple[str, str, str], float] = {}
    for account, chat in facts.membership:
        if account in scores:
            edges[(f"account:{account}", f"chat:{chat}", "member")] = 1.0
    for post in facts.posts:
        if post.sha256 in facts.known and post.account_id in scores:
            key = (f"account:{post.account_id}", f"chat:{post.chat_id}", "posted")
            edges[key] = edges.get(key, 0.0) + 1.0
    for event in facts.events:
        if event.event == "invite" and event.actor in scores and event.subject in scores:
            key = (f"account:{event.actor}", f"account:{event.subject}", "invited")
            edges[key] = edges.get(key, 0.0) + 1.0
    links = [PictureEdge(u, v, weight, layer) for (u, v, layer), weight in edges.items()]
    title = f"{len(analysis.suspects)} accounts, {len(chats)} chats"
    return network_png(nodes, links, title=title, max_nodes=max_nodes)


def timeline_picture(profile: AccountProfile) -> bytes:
    """The account's activity over time, one row per chat."""
    view = profile.account
    name = view.names[-1] if view.names else view.key
    return timeline_png(list(profile.timeline), title=f"activity of {name} ({view.key})")


def key_player_picture(analysis: Analysis) -> bytes:
    """The curve of reach against key players removed, the first ten named."""
    facts, measures = analysis.facts, analysis.measures
    removed = [(facts.label(account), left) for account, left in measures.key_players]
    return reach_curve_png(measures.reach, removed)
