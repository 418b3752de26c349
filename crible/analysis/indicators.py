"""Indicators per account, each with the messages that support it.

Each indicator is a function of the investigation's facts; it returns, for the accounts it
applies to, one ``Indicator`` with a value (what the priority weights multiply), a sentence
and the supporting messages (the first ``EVIDENCE`` of them, oldest first).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

import numpy as np

from crible.analysis.facts import Facts, Post
from crible.analysis.text import KeywordHit, Lead, Leads
from crible.model.suspects import Indicator, NewMedia

EVIDENCE = 50
"""Supporting messages kept per indicator (the count in the sentence is always complete)."""

Indicators = dict[int, Indicator]
"""Account id → its indicator of one kind."""


def _evidence(ids: Iterable[int]) -> tuple[int, ...]:
    return tuple(sorted(set(ids)))[:EVIDENCE]


def _plural(n: int | float, word: str) -> str:
    if n != 1 and word == "person":
        return f"{n:g} people"
    return f"{n:g} {word}" + ("" if n == 1 else "s")


def known_material(facts: Facts) -> Indicators:
    """Distinct known files an account posted or forwarded, by category and scheme."""
    first: dict[int, dict[str, Post]] = {}
    for post in facts.posts:
        if post.sha256 in facts.known:
            first.setdefault(post.account_id, {}).setdefault(post.sha256, post)
    found = {}
    for account, files in first.items():
        by_category: Counter[str] = Counter()
        for sha256 in files:
            for category in facts.known[sha256]:
                by_category[str(category) if category else "no category"] += 1
        forwarded = sum(post.forwarded for post in files.values())
        parts = ", ".join(f"{name}: {n}" for name, n in sorted(by_category.items()))
        text = f"posted {_plural(len(files), 'known file')} ({parts})"
        if forwarded:
            text += f", {forwarded} of them forwarded"
        found[account] = Indicator(
            "known_material",
            len(files),
            text,
            _evidence(post.message_id for post in files.values()),
            {"categories": dict(sorted(by_category.items())), "forwarded": forwarded},
        )
    return found


def exposure(facts: Facts) -> Indicators:
    """Known material others posted in chats while the account was a member (posts counted;
    the first ``EVIDENCE`` kept as evidence)."""
    per_chat: dict[int, list[Post]] = {}
    own: dict[tuple[int, int], list[float]] = {}
    for post in facts.posts:
        if post.sha256 in facts.known and post.at == post.at:
            per_chat.setdefault(post.chat_id, []).append(post)
            own.setdefault((post.account_id, post.chat_id), []).append(post.at)
    times = {c: np.array([p.at for p in posts]) for c, posts in per_chat.items()}
    seen: dict[int, int] = {}
    evidence: dict[int, list[int]] = {}
    chats_of: dict[int, int] = {}
    for (account, chat), (start, end) in facts.membership.items():
        posts = per_chat.get(chat)
        if not posts:
            continue
        low = -np.inf if start != start else start
        high = np.inf if end != end else end
        lo = int(np.searchsorted(times[chat], low, "left"))
        hi = int(np.searchsorted(times[chat], high, "right"))
        mine = own.get((account, chat), [])
        count = hi - lo - sum(1 for t in mine if low <= t <= high)
        if count <= 0:
            continue
        seen[account] = seen.get(account, 0) + count
        chats_of[account] = chats_of.get(account, 0) + 1
        kept = evidence.setdefault(account, [])
        index = lo
        while index < hi and len(kept) < EVIDENCE:
            if posts[index].account_id != account:
                kept.append(posts[index].message_id)
            index += 1
    return {
        account: Indicator(
            "exposure",
            count,
            f"was a member of {_plural(chats_of[account], 'chat')} while others posted "
            f"known files there {_plural(count, 'time')}",
            _evidence(evidence[account]),
            {"chats": chats_of[account]},
        )
        for account, count in seen.items()
    }


def habitual(facts: Facts) -> Indicators:
    """Distinct days with known material posted, and the span they cover."""
    days: dict[int, dict[str, int]] = {}
    for post in facts.posts:
        if post.sha256 in facts.known and post.at == post.at:
            day = datetime.fromtimestamp(post.at, UTC).date().isoformat()
            days.setdefault(post.account_id, {}).setdefault(day, post.message_id)
    found = {}
    for account, by_day in days.items():
        ordered = sorted(by_day)
        span = (datetime.fromisoformat(ordered[-1]) - datetime.fromisoformat(ordered[0])).days + 1
        found[account] = Indicator(
            "habitual",
            len(ordered),
            f"posted known material on {_plural(len(ordered), 'distinct day')} over "
            f"{_plural(span, 'day')} ({ordered[0]} to {ordered[-1]})",
            _evidence(by_day.values()),
            {"span": span, "first": ordered[0], "last": ordered[-1]},
        )
    return found


NAMED = 5
"""Re-sharing accounts named in the new-media sentence (the count is always complete)."""


def new_media_sources(facts: Facts, items: list[NewMedia]) -> Indicators:
    """Pictures and videos in no bank the account was first to post (any file of their
    perceptual cluster), re-shared by others or posted with known ones; the re-sharers named."""
    mine: dict[int, list[NewMedia]] = {}
    for item in items:
        mine.setdefault(item.first_account_id, []).append(item)
    found = {}
    for account, files in mine.items():
        reshared = sorted({a for item in files for a in item.reshared_by})
        names = [facts.label(a) for a in reshared[:NAMED]]
        alongside = sum(bool(item.alongside_known) for item in files)
        copies = sum(len(item.cluster) - 1 for item in files if item.cluster)
        text = f"first to post {_plural(len(files), 'file')} in no bank"
        if reshared:
            more = f" and {len(reshared) - NAMED} more" if len(reshared) > NAMED else ""
            text += (
                f", re-shared by {_plural(len(reshared), 'other account')} "
                f"({', '.join(names)}{more})"
            )
        if copies:
            word = "copy" if copies == 1 else "copies"
            text += f", {copies} recompressed or edited {word} among them"
        if alongside:
            text += f"; {alongside} posted alongside known material"
        found[account] = Indicator(
            "new_media",
            len(files),
            text,
            _evidence(item.first_message_id for item in files),
            {
                "reshared": len(reshared),
                "alongside": alongside,
                "names": names,
                "copies": copies,
            },
        )
    return found


def administrator(facts: Facts) -> Indicators:
    """Chats the account created, or administered (actions only administrators can take)."""
    created: dict[int, dict[int, int]] = {}
    managed: dict[int, dict[int, int]] = {}
    for event in facts.events:
        if event.actor is None:
            continue
        if event.event == "create":
            created.setdefault(event.actor, {}).setdefault(event.chat_id, event.message_id)
        elif event.event in (None, "remove") or event.action == "invite_members":
            managed.setdefault(event.actor, {}).setdefault(event.chat_id, event.message_id)
    found = {}
    for account in created.keys() | managed.keys():
        made = created.get(account, {})
        ran = {c: m for c, m in managed.get(account, {}).items() if c not in made}
        parts = []
        if made:
            parts.append("created " + ", ".join(facts.chat_names[c] for c in sorted(made)))
        if ran:
            parts.append("administered " + ", ".join(facts.chat_names[c] for c in sorted(ran)))
        found[account] = Indicator(
            "administrator",
            len(made) + len(ran),
            "; ".join(parts),
            _evidence([*made.values(), *ran.values()]),
            {
                "created": [facts.chat_names[c] for c in sorted(made)],
                "administered": [facts.chat_names[c] for c in sorted(ran)],
            },
        )
    return found


def inviter(facts: Facts) -> Indicators:
    """People the account invited, or let in by its invitation link."""
    invited: dict[int, set[str]] = {}
    where: dict[int, set[int]] = {}
    evidence: dict[int, list[int]] = {}
    for event in facts.events:
        if event.event not in ("invite", "join") or event.actor is None:
            continue
        who = str(event.subject) if event.subject is not None else f"name:{event.subject_name}"
        if event.subject == event.actor:
            continue
        invited.setdefault(event.actor, set()).add(who)
        where.setdefault(event.actor, set()).add(event.chat_id)
        evidence.setdefault(event.actor, []).append(event.message_id)
    return {
        account: Indicator(
            "inviter",
            len(people),
            f"invited {_plural(len(people), 'person')} into "
            + ", ".join(facts.chat_names[c] for c in sorted(where[account])),
            _evidence(evidence[account]),
            {"chats": [facts.chat_names[c] for c in sorted(where[account])]},
        )
        for account, people in invited.items()
    }


def bridge(facts: Facts) -> Indicators:
    """Content the account carried from one chat into another: pictures (perceptual clusters)
    first seen in a chat it was a member of and posted by it in another, and forwards from
    another chat of the investigation (by the chat's name)."""
    first_chat: dict[str, int] = {}
    picture = facts.picture
    for post in facts.posts:
        first_chat.setdefault(picture(post.sha256), post.chat_id)
    pairs: dict[int, dict[tuple[int, int], list[int]]] = {}
    for post in facts.posts:
        origin = first_chat[picture(post.sha256)]
        if origin != post.chat_id and (post.account_id, origin) in facts.membership:
            pairs.setdefault(post.account_id, {}).setdefault((origin, post.chat_id), []).append(
                post.message_id
            )
    chat_by_name = {name: c for c, name in facts.chat_names.items()}
    for message_id, sender, chat, origin_name, _origin_account in facts.forwards:
        source = chat_by_name.get(origin_name)
        if source is not None and source != chat:
            pairs.setdefault(sender, {}).setdefault((source, chat), []).append(message_id)
    found = {}
    for account, links in pairs.items():
        described = "; ".join(
            f"{facts.chat_names[a]} → {facts.chat_names[b]} ({_plural(len(ids), 'message')})"
            for (a, b), ids in sorted(links.items())
        )
        found[account] = Indicator(
            "bridge",
            len(links),
            f"carried content between chats: {described}",
            _evidence(m for ids in links.values() for m in ids),
            {
                "links": [
                    (facts.chat_names[a], facts.chat_names[b], len(ids))
                    for (a, b), ids in sorted(links.items())
                ]
            },
        )
    return found


def keywords(hits: list[KeywordHit]) -> Indicators:
    """Messages in which terms of the operator's keyword lists were found."""
    terms: dict[int, Counter[str]] = {}
    ids: dict[int, list[int]] = {}
    for hit in hits:
        terms.setdefault(hit.account_id, Counter())[f"{hit.list_name}: {hit.term!r}"] += 1
        ids.setdefault(hit.account_id, []).append(hit.message_id)
    return {
        account: Indicator(
            "keywords",
            len(set(ids[account])),
            f"{_plural(len(set(ids[account])), 'message')} matched keyword lists ("
            + ", ".join(f"{t} x{n}" for t, n in counted.most_common(5))
            + ")",
            _evidence(ids[account]),
            {"terms": counted.most_common(5)},
        )
        for account, counted in terms.items()
    }


def contacts(leads: Leads) -> Indicators:
    """Contact and identity leads: phones, e-mail addresses, handles, links, each counted once
    however it was written (``crible.analysis.text.lead_key``), shown as first written."""
    found = {}
    for account, by_key in leads.items():
        shown = list(by_key.values())
        listed = ", ".join(_lead_text(lead) for lead in shown[:6])
        more = f" and {len(shown) - 6} more" if len(shown) > 6 else ""
        found[account] = Indicator(
            "contacts",
            len(shown),
            f"{_plural(len(shown), 'contact lead')}: {listed}{more}",
            _evidence(m for lead in shown for m in lead.seen.values() if m is not None),
            {"leads": [(lead.kind, lead.shown, lead.also) for lead in shown[:6]]},
        )
    return found


def _lead_text(lead: Lead) -> str:
    also = f" (also written {', '.join(lead.also)})" if lead.also else ""
    return f"{lead.kind} {lead.shown}{also}"


FACT_INDICATORS: dict[str, Callable[[Facts], Indicators]] = {
    "known_material": known_material,
    "exposure": exposure,
    "habitual": habitual,
    "administrator": administrator,
    "inviter": inviter,
    "bridge": bridge,
}
"""The indicators computed from the facts alone (new media, text and leads need more)."""
