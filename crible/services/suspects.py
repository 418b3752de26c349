"""Rank the accounts of an investigation: indicators, network measures and an explained score."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from crible.analysis import indicators as ind
from crible.analysis.facts import Facts, facts_of
from crible.analysis.freshness import kept
from crible.analysis.measures import Measures, measure
from crible.analysis.new_media import find_new_media
from crible.analysis.priority import DEFAULT_WEIGHTS, explain, load_weights
from crible.analysis.text import KeywordHit, KeywordList, KeywordMatcher, load_keywords, scan_texts
from crible.model.suspects import Indicator, NewMedia, Suspect
from crible.store import Store

STEPS = ("reading the store", "indicators", "text", "network measures", "scores")


@dataclass(frozen=True)
class AnalysisSettings:
    """The operator's choices: weights and keyword lists."""

    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    keyword_lists: tuple[KeywordList, ...] = ()
    key_players: int = 25

    @classmethod
    def from_files(
        cls, weights: Path | None = None, keywords: tuple[Path, ...] = ()
    ) -> AnalysisSettings:
        """Settings read from a weights TOML file and keyword list files."""
        return cls(
            weights=load_weights(weights) if weights else dict(DEFAULT_WEIGHTS),
            keyword_lists=tuple(load_keywords(path) for path in keywords),
        )


@dataclass
class Analysis:
    """The result: suspects in rank order, with what was computed on the way."""

    suspects: list[Suspect]
    facts: Facts
    measures: Measures
    new_media: list[NewMedia]
    keyword_hits: list[KeywordHit]

    def suspect(self, account_id: int) -> Suspect | None:
        """The ranking's entry for one account, None if it has no indicator."""
        for found in self.suspects:
            if found.account_id == account_id:
                return found
        return None


def analyse(
    store: Store,
    settings: AnalysisSettings | None = None,
    step: Callable[[str], None] | None = None,
) -> Analysis:
    """Read the investigation, compute every indicator and measure, and rank the accounts.
    ``step`` is called with the name of each step as it starts (for progress bars)."""
    settings = settings or AnalysisSettings()
    report = step or (lambda _name: None)
    report(STEPS[0])
    facts = facts_of(store)
    report(STEPS[1])
    found: dict[int, list[Indicator]] = {}
    for compute in ind.FACT_INDICATORS.values():
        _gather(found, compute(facts))
    new_media = find_new_media(facts)
    _gather(found, ind.new_media_sources(facts, new_media))
    report(STEPS[2])
    matcher = KeywordMatcher(settings.keyword_lists) if settings.keyword_lists else None
    hits, leads = scan_texts(store, matcher)
    _gather(found, ind.keywords(hits))
    _gather(found, ind.contacts(leads))
    report(STEPS[3])
    measures = measure(facts, key_players=settings.key_players)
    for account, more in measure_indicators(facts, measures, settings.key_players).items():
        found.setdefault(account, []).extend(more)
    report(STEPS[4])
    suspects = rank(facts, measures, found, settings.weights)
    return Analysis(suspects, facts, measures, new_media, hits)


def latest_analysis(store: Store, settings: AnalysisSettings | None = None) -> Analysis:
    """``analyse``, reused while the store has not changed (for pages asked for often)."""
    settings = settings or AnalysisSettings()
    return kept(store, ("analysis", repr(settings)), lambda: analyse(store, settings))


def rank_suspects(store: Store, settings: AnalysisSettings | None = None) -> list[Suspect]:
    """The accounts of the investigation, highest priority first, each with its reasons."""
    return latest_analysis(store, settings).suspects


def _gather(found: dict[int, list[Indicator]], computed: dict[int, Indicator]) -> None:
    for account, indicator in computed.items():
        found.setdefault(account, []).append(indicator)


def measure_indicators(
    facts: Facts, measures: Measures, key_players: int
) -> dict[int, list[Indicator]]:
    """The network measures as indicators (one per account and measure); capital and key
    players point to the account's posts of known files."""
    out: dict[int, list[Indicator]] = {}
    known_posts: dict[int, list[int]] = {}
    for post in facts.posts:
        if post.sha256 in facts.known:
            known_posts.setdefault(post.account_id, []).append(post.message_id)
    evidence = {a: tuple(sorted(ids))[: ind.EVIDENCE] for a, ids in known_posts.items()}
    for account, capital in measures.capital.items():
        out.setdefault(account, []).append(
            Indicator(
                "network_capital",
                round(capital, 2),
                f"network capital {capital:.1f} (severity of the known files it posted times "
                "the size of the chats they reached)",
                evidence.get(account, ()),
            )
        )
    for account, rank in measures.pagerank.items():
        if rank > 1.0:
            out.setdefault(account, []).append(
                Indicator(
                    "pagerank",
                    round(rank - 1.0, 3),
                    f"PageRank on the distribution layer {rank:.1f} times the average",
                    params={"times": round(rank, 1)},
                )
            )
    for account, share in measures.betweenness.items():
        out.setdefault(account, []).append(
            Indicator(
                "betweenness",
                round(share, 4),
                f"on {share:.1%} of the shortest paths between the chats and the accounts "
                "posting in them",
            )
        )
    reach = measures.reach or 1.0
    for position, (account, left) in enumerate(measures.key_players, start=1):
        out.setdefault(account, []).append(
            Indicator(
                "key_player",
                round((key_players - position + 1) / key_players, 3),
                f"key player #{position}: removing it"
                + (f" and the {position - 1} before it" if position > 1 else "")
                + f" leaves {left / reach:.0%} of the reach of known material",
                evidence.get(account, ()),
                {"position": position, "left": left / reach},
            )
        )
    return out


def rank(
    facts: Facts,
    measures: Measures,
    found: dict[int, list[Indicator]],
    weights: dict[str, float],
) -> list[Suspect]:
    """Score every account that has an indicator, highest first (ties by account id)."""
    scored = []
    for account, indicators in found.items():
        score, reasons = explain(indicators, weights)
        platform, key = facts.account_keys.get(account, ("", f"#{account}"))
        values = {
            "pagerank": measures.pagerank.get(account, 0.0),
            "betweenness": measures.betweenness.get(account, 0.0),
            "network_capital": measures.capital.get(account, 0.0),
        }
        scored.append(
            Suspect(
                account_id=account,
                platform=platform,
                key=key,
                name=facts.account_names.get(account),
                score=score,
                rank=0,
                reasons=reasons,
                indicators=tuple(sorted(indicators, key=lambda i: i.name)),
                community=measures.community.get(account),
                measures=values,
            )
        )
    scored.sort(key=lambda s: (-s.score, s.account_id))
    return [replace(s, rank=position) for position, s in enumerate(scored, start=1)]
