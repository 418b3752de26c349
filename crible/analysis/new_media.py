"""New media: files in no bank that an account was first to post, and that others then
re-shared or that came with known material. Confirmed new material can mean a child at risk
now, so these go to the front of the review queue."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from datetime import UTC, datetime

from crible.analysis.facts import Facts, Post, facts_of
from crible.analysis.freshness import kept
from crible.model.suspects import NewMedia
from crible.store import Store

ALONGSIDE_SECONDS = 3600.0
"""Known material by the same account in the same chat within this time counts as alongside."""


def find_new_media(facts: Facts) -> list[NewMedia]:
    """The new media of an investigation, most re-shared first."""
    first: dict[str, Post] = {}
    others: dict[str, set[int]] = {}
    known_times: dict[tuple[int, int], list[tuple[float, int]]] = {}
    for post in facts.posts:
        if post.sha256 in facts.known:
            if post.at == post.at:
                known_times.setdefault((post.account_id, post.chat_id), []).append(
                    (post.at, post.message_id)
                )
            continue
        origin = first.setdefault(post.sha256, post)
        if post.account_id != origin.account_id:
            others.setdefault(post.sha256, set()).add(post.account_id)
    for times in known_times.values():
        times.sort()
    found = []
    for sha256, post in first.items():
        alongside = _alongside(known_times.get((post.account_id, post.chat_id), []), post.at)
        reshared = tuple(sorted(others.get(sha256, ())))
        if reshared or alongside:
            found.append(
                NewMedia(
                    sha256=sha256,
                    first_account_id=post.account_id,
                    first_message_id=post.message_id,
                    first_posted_at=_moment(post.at),
                    reshared_by=reshared,
                    alongside_known=alongside,
                )
            )
    found.sort(key=lambda m: (-len(m.reshared_by), -len(m.alongside_known), m.first_message_id))
    return found


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
