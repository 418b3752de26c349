"""The priority score: an explained, weighted sum of an account's indicators.

Each indicator gives ``weight × f(value)`` points, with f = log2(1 + value) for counts (more
always counts, but volume alone cannot swamp the other reasons) and f = value for measures
already on a 0-1 scale. The reasons of a suspect are its indicators sorted by points. Weights
come from a TOML file (``[weights]`` table, any subset of the names below); the defaults:

| indicator | weight | f | why |
|---|---|---|---|
| new_media | 20 | log | first to post files in no bank that spread: possibly a child at risk now |
| known_material | 8 | log | distinct known files posted or forwarded |
| key_player | 6 | linear | early in the greedy key-player removal (1 first, 0 after the last) |
| administrator | 4 | log | created or administered chats |
| bridge | 4 | log | carried content between chats |
| habitual | 3 | log | distinct days with known material |
| network_capital | 2 | log | severity times audience of the known files posted |
| pagerank | 2 | log | centrality on the distribution layer (times the average) |
| betweenness | 8 | linear | share of shortest paths between chats and posters through it |
| inviter | 2 | log | people invited |
| keywords | 2 | log | messages matching the operator's keyword lists |
| exposure | 0.5 | log | known files others posted while it was a member |
| contacts | 0.5 | log | contact and identity leads (for identification, not guilt) |
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from pathlib import Path

from crible.model.errors import BadInput
from crible.model.suspects import Indicator, Reason

DEFAULT_WEIGHTS: dict[str, float] = {
    "new_media": 20.0,
    "known_material": 8.0,
    "key_player": 6.0,
    "administrator": 4.0,
    "bridge": 4.0,
    "habitual": 3.0,
    "network_capital": 2.0,
    "pagerank": 2.0,
    "betweenness": 8.0,
    "inviter": 2.0,
    "keywords": 2.0,
    "exposure": 0.5,
    "contacts": 0.5,
}
LINEAR = frozenset({"key_player", "betweenness"})


def load_weights(path: Path) -> dict[str, float]:
    """The default weights overridden by a TOML file's ``[weights]`` table."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BadInput(f"cannot read the weights: {exc.strerror}", source=str(path)) from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise BadInput(f"not a TOML file: {exc}", source=str(path)) from exc
    table = data.get("weights")
    if not isinstance(table, dict):
        raise BadInput("expected a [weights] table", source=str(path))
    return merge_weights(table, source=str(path))


def merge_weights(table: Mapping[str, object], *, source: str = "weights") -> dict[str, float]:
    """The default weights with ``table``'s values; unknown names and bad values are refused."""
    weights = dict(DEFAULT_WEIGHTS)
    for name, value in table.items():
        if name not in DEFAULT_WEIGHTS:
            known = ", ".join(DEFAULT_WEIGHTS)
            raise BadInput(f"unknown indicator {name!r} (known: {known})", source=source)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise BadInput(f"weight of {name} must be a number, not {value!r}", source=source)
        if not math.isfinite(value) or value < 0:
            raise BadInput(f"weight of {name} must be finite and >= 0", source=source)
        weights[name] = float(value)
    return weights


def points(indicator: Indicator, weights: Mapping[str, float]) -> float:
    """What one indicator adds to the score."""
    weight = weights.get(indicator.name, 0.0)
    value = max(indicator.value, 0.0)
    return weight * (value if indicator.name in LINEAR else math.log2(1.0 + value))


def explain(
    indicators: list[Indicator], weights: Mapping[str, float]
) -> tuple[float, tuple[Reason, ...]]:
    """The score and the reasons (largest share first) of one account."""
    reasons = [
        Reason(i.name, round(points(i, weights), 2), i.text, i.messages)
        for i in indicators
        if points(i, weights) > 0
    ]
    reasons.sort(key=lambda r: (-r.points, r.indicator))
    return round(sum(r.points for r in reasons), 2), tuple(reasons)
