"""New media: pictures and videos in no bank that an account was first to post, and that
others then re-shared or that came with known material. Confirmed new material can mean a child
at risk now, so these go to the front of the review queue.

A picture is its perceptual cluster (``crible.analysis.clusters``): Telegram and WhatsApp
recompress what is re-posted, so a re-share is often a file with other bytes. A cluster is new
when none of its files is known; its first poster is whoever posted any of its files first, and
every other account that posted one of them re-shared it.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from datetime import UTC, datetime

from crible.analysis.facts import Facts, Post, facts_of
from crible.analysis.freshness import kept
from crible.model.suspects import ClusterMember, NewMedia
from crible.store import Store

ALONGSIDE_SECONDS = 3600.0
"""Known material by the same account in the same chat within this time counts as alongside."""


def find_new_media(facts: Facts) -> list[NewMedia]:
    """The new media of an investigation, most re-shared first."""
    picture = facts.picture
    known = {picture(sha256) for sha256 in facts.known}
    first: dict[str, Post] = {}
    reshares: dict[str, dict[int, int]] = {}
    known_times: dict[tuple[int, int], list[tuple[float, int]]] = {}
    for post in facts.posts:
        if post.sha256 in facts.known:
            if post.at == post.at:
                known_times.setdefault((post.account_id, post.chat_id), []).append(
                    (post.at, post.message_id)
                )
            continue
        cluster = picture(post.sha256)
        if cluster in known:
            continue
        origin = first.setdefault(cluster, post)
        if post.account_id != origin.account_id:
            reshares.setdefault(cluster, {}).setdefault(post.account_id, post.message_id)
    for times in known_times.values():
        times.sort()
    chosen: dict[str, tuple[Post, dict[int, int], tuple[int, ...]]] = {}
    for cluster, post in first.items():
        alongside = _alongside(known_times.get((post.account_id, post.chat_id), []), post.at)
        others = reshares.get(cluster, {})
        if others or alongside:
            chosen[cluster] = (post, others, alongside)
    members = cluster_members(facts, set(chosen))
    found = [
        NewMedia(
            sha256=post.sha256,
            first_account_id=post.account_id,
            first_message_id=post.message_id,
            first_posted_at=_moment(post.at),
            reshared_by=tuple(sorted(others)),
            alongside_known=alongside,
            cluster=members[cluster],
            reshare_messages=tuple(sorted(others.values())),
        )
        for cluster, (post, others, alongside) in chosen.items()
    ]
    found.sort(key=lambda m: (-len(m.reshared_by), -len(m.alongside_known), m.first_message_id))
    return found


def cluster_members(facts: Facts, clusters: set[str]) -> dict[str, tuple[ClusterMember, ...]]:
    """The files of each of ``clusters`` (named by their first file), first posted first, each
    with its distance to the first file and the accounts that posted it."""
    firsts: dict[str, dict[str, Post]] = {}
    posters: dict[str, dict[int, None]] = {}
    for post in facts.posts:
        cluster = facts.picture(post.sha256)
        if cluster in clusters:
            firsts.setdefault(cluster, {}).setdefault(post.sha256, post)
            posters.setdefault(post.sha256, {})[post.account_id] = None
    grouped = facts.clusters
    return {
        cluster: tuple(
            ClusterMember(
                sha256=sha256,
                distance=grouped.distance.get(sha256, 0),
                signal=grouped.signal.get(sha256),
                posted_by=tuple(posters[sha256]),
                first_message_id=post.message_id,
                first_posted_at=_moment(post.at),
                shares=grouped.shares.get(sha256),
            )
            for sha256, post in files.items()
        )
        for cluster, files in firsts.items()
    }


def new_media(store: Store) -> Iterator[NewMedia]:
    """The new media of the investigation in ``store``, most re-shared first (reused while
    the store has not changed)."""
    yield from kept(store, "new_media", lambda: find_new_media(facts_of(store)))


def _alongside(times: list[tuple[float, int]], at: float) -> tuple[int, ...]:
    if at != at or not times:
        return ()
    lo = bisect_left(times, (at - ALONGSIDE_SECONDS, -1))
    hi = bisect_right(times, (at + ALONGSIDE_SECONDS, 2**62))
    return tuple(message_id for _, message_id in times[lo:hi])


def _moment(at: float) -> datetime | None:
    return datetime.fromtimestamp(at, UTC) if at == at else None
