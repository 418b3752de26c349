"""Network measures: communities, centrality on the distribution layer, network capital and
key players.

- **Communities**: Leiden (leidenalg, modularity) on the undirected account–chat graph
  (membership, weighted by activity) with invitations between accounts.
- **Distribution layer**: who brings media to whom. PageRank runs on member → chat → poster
  edges (weighted by files posted, known ones counting ``KNOWN_WEIGHT`` times), so the score
  flows to the accounts that feed chats many people read. Betweenness runs on the undirected
  poster–chat graph: accounts that connect otherwise separate chats. Above ``EXACT_LIMIT``
  vertices it is estimated from a seeded sample of source vertices (scaled up).
- **Network capital** (after Westlake and Bouchard): content severity times connectivity;
  for each known file an account posted, the severity of its category (4 for rank 1 down to 1)
  times log2(1 + members of the chat).
- **Key players**: reach is the number of (member, known file) exposures, i.e. for every chat
  and known file posted in it, the chat's members. Greedy removal takes out, one at a time, the
  account whose removal lowers reach most (its posts go with it); the curve of reach against
  accounts removed is kept.
"""

from __future__ import annotations

import heapq
import math
import random
from dataclasses import dataclass, field

import igraph as ig
import leidenalg

from crible.analysis.facts import Facts

KNOWN_WEIGHT = 5.0
EXACT_LIMIT = 5_000
SAMPLE_SOURCES = 500
KEY_PLAYERS = 25
SEED = 1


@dataclass
class Measures:
    """The network measures of every account that takes part."""

    community: dict[int, int] = field(default_factory=dict)
    community_sizes: dict[int, int] = field(default_factory=dict)
    pagerank: dict[int, float] = field(default_factory=dict)
    """Relative to the average vertex (1.0 = average)."""
    betweenness: dict[int, float] = field(default_factory=dict)
    """Normalised to 0-1 (share of the pairs of vertices whose shortest paths pass through)."""
    capital: dict[int, float] = field(default_factory=dict)
    key_players: list[tuple[int, float]] = field(default_factory=list)
    """(account, reach left after removing it and those before it), in removal order."""
    reach: float = 0.0
    """Reach with nobody removed."""
    chat_community: dict[int, int] = field(default_factory=dict)


def severity(facts: Facts, sha256: str) -> int:
    """4 for the most severe rank of a scheme down to 1 (also for unranked categories)."""
    ranks = [c.rank for c in facts.known.get(sha256, ()) if c is not None and c.rank]
    return max(1, 5 - min(ranks)) if ranks else 1


def measure(facts: Facts, *, key_players: int = KEY_PLAYERS) -> Measures:
    """Compute every measure on the investigation's facts."""
    found = Measures()
    audience = facts.audience()
    _communities(facts, found)
    _distribution(facts, found)
    for post in facts.posts:
        if post.sha256 in facts.known:
            gain = severity(facts, post.sha256) * math.log2(1 + audience.get(post.chat_id, 0))
            found.capital[post.account_id] = found.capital.get(post.account_id, 0.0) + gain
    found.reach, found.key_players = remove_key_players(facts, audience, key_players)
    return found


def _communities(facts: Facts, found: Measures) -> None:
    names: dict[str, int] = {}
    edges: dict[tuple[int, int], float] = {}

    def vertex(name: str) -> int:
        return names.setdefault(name, len(names))

    for (account, chat), _span in facts.membership.items():
        n = facts.activity.get((account, chat), (0, 0.0, 0.0))[0]
        pair = (vertex(f"a{account}"), vertex(f"c{chat}"))
        edges[pair] = edges.get(pair, 0.0) + 1.0 + math.log1p(n)
    for event in facts.events:
        actor, subject = event.actor, event.subject
        if event.event == "invite" and actor is not None and subject not in (None, actor):
            u, v = vertex(f"a{actor}"), vertex(f"a{subject}")
            pair = (min(u, v), max(u, v))
            edges[pair] = edges.get(pair, 0.0) + 1.0
    if not edges:
        return
    graph = ig.Graph(n=len(names), edges=list(edges), directed=False)
    graph.es["weight"] = list(edges.values())
    partition = leidenalg.find_partition(
        graph, leidenalg.ModularityVertexPartition, weights="weight", seed=SEED
    )
    membership = list(partition.membership)
    for name, index in names.items():
        community = int(membership[index])
        kind, number = name[0], int(name[1:])
        if kind == "a":
            found.community[number] = community
            found.community_sizes[community] = found.community_sizes.get(community, 0) + 1
        else:
            found.chat_community[number] = community


def _distribution(facts: Facts, found: Measures) -> None:
    names: dict[str, int] = {}

    def vertex(name: str) -> int:
        return names.setdefault(name, len(names))

    feeds: dict[tuple[int, int], float] = {}
    for post in facts.posts:
        pair = (vertex(f"c{post.chat_id}"), vertex(f"a{post.account_id}"))
        feeds[pair] = feeds.get(pair, 0.0) + (KNOWN_WEIGHT if post.sha256 in facts.known else 1.0)
    if not feeds:
        return
    fed = {chat for chat, _ in feeds}
    reads = [
        (vertex(f"a{account}"), names[f"c{chat}"])
        for account, chat in facts.membership
        if f"c{chat}" in names and names[f"c{chat}"] in fed
    ]
    directed = ig.Graph(n=len(names), edges=[*feeds, *reads], directed=True)
    directed.es["weight"] = [*feeds.values(), *([1.0] * len(reads))]
    ranks = directed.pagerank(weights="weight", directed=True)
    scale = len(names)
    posters = ig.Graph(n=len(names), edges=list(feeds), directed=False).simplify()
    between = _betweenness(posters)
    pairs = (len(names) - 1) * (len(names) - 2) / 2 or 1.0
    for name, index in names.items():
        if name[0] == "a":
            account = int(name[1:])
            found.pagerank[account] = ranks[index] * scale
            if between[index] > 0:
                found.betweenness[account] = between[index] / pairs


def _betweenness(graph: ig.Graph) -> list[float]:
    """Exact betweenness, or a seeded estimate from sampled sources on large graphs."""
    if graph.vcount() <= EXACT_LIMIT:
        return [float(b) for b in graph.betweenness(directed=False)]
    sources = random.Random(SEED).sample(range(graph.vcount()), SAMPLE_SOURCES)
    # from each source, both directions of every path count once: undirected paths are
    # counted from their two ends in the exact measure, hence the factor of 1/2 per source
    partial = graph.betweenness(directed=False, sources=sources)
    factor = graph.vcount() / SAMPLE_SOURCES / 2
    return [float(b) * factor for b in partial]


def remove_key_players(
    facts: Facts, audience: dict[int, int], count: int
) -> tuple[float, list[tuple[int, float]]]:
    """Greedy removal: reach at the start, and (account, reach left) for each removal."""
    posters: dict[tuple[int, str], set[int]] = {}
    for post in facts.posts:
        if post.sha256 in facts.known:
            posters.setdefault((post.chat_id, post.sha256), set()).add(post.account_id)
    pairs_of: dict[int, list[tuple[int, str]]] = {}
    gain: dict[int, float] = {}
    reach = 0.0
    for pair, who in posters.items():
        size = float(audience.get(pair[0], 0))
        reach += size
        for account in who:
            pairs_of.setdefault(account, []).append(pair)
        if len(who) == 1:
            only = next(iter(who))
            gain[only] = gain.get(only, 0.0) + size
    heap = [(-g, a) for a, g in gain.items()]
    heap += [(0.0, a) for a in pairs_of if a not in gain]
    heapq.heapify(heap)
    left, removed, curve = reach, set[int](), list[tuple[int, float]]()
    while heap and len(curve) < count:
        negative, account = heapq.heappop(heap)
        if account in removed or -negative != gain.get(account, 0.0):
            continue
        removed.add(account)
        left -= gain.get(account, 0.0)
        curve.append((account, left))
        for pair in pairs_of[account]:
            who = posters[pair]
            who.discard(account)
            if len(who) == 1:
                only = next(iter(who))
                gain[only] = gain.get(only, 0.0) + float(audience.get(pair[0], 0))
                heapq.heappush(heap, (-gain[only], only))
    return reach, curve
