"""Evidence descriptions and provenance details said in French. ``crible.services.evidence``
writes them in English, in fixed shapes (which ``crible.exports.provenance`` also reads); a
French dossier rewrites each shape it knows and leaves anything else as written."""

from __future__ import annotations

import re
from collections.abc import Callable

_VERDICTS = {"confirm": "confirmation", "reject": "rejet", "escalate": "escalade"}

_SHAPES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (
        re.compile(r"^(?P<platform>\w+) export (?P<path>.+) \(SHA-256 (?P<sha>[0-9a-f]{64})\)$"),
        lambda m: f"export {m['platform']} {m['path']} (SHA-256 {m['sha']})",
    ),
    (re.compile(r"^found at (?P<where>.+)$"), lambda m: f"trouvé à {m['where']}"),
    (
        re.compile(r"^(?P<hashes>SHA-256 \S+, SHA-1 \S+, MD5 \S+), (?P<size>\d+) bytes$"),
        lambda m: f"{m['hashes']}, {m['size']} octets",
    ),
    (
        re.compile(r"^posted by account (?P<a>\d+) in (?P<chat>.+?)(?:, from ingest (?P<i>\d+))?$"),
        lambda m: (
            f"publié par le compte {m['a']} dans {m['chat']}"
            + (f", import {m['i']}" if m["i"] else "")
        ),
    ),
    (re.compile(r"^(?P<n>\d+) more messages$"), lambda m: f"{m['n']} autres messages"),
    (
        re.compile(r"^evidence item (?P<n>\d+) of the network case$"),
        lambda m: f"élément {m['n']} du dossier du réseau",
    ),
    (
        re.compile(
            r"^bank (?P<bank>.+) entry (?P<entry>\d+)(?P<cat> \([^)]*\))?, (?P<signal>\w+) "
            r"distance (?P<d>\d+)(?:, in scan (?P<scan>\d+))?(?P<gone>, entry later rejected "
            r"by a reviewer)?$"
        ),
        lambda m: (
            f"liste {m['bank']}, entrée {m['entry']}{m['cat'] or ''}, distance "
            f"{m['signal']} {m['d']}"
            + (f", analyse {m['scan']}" if m["scan"] else "")
            + (", entrée rejetée ensuite par un analyste" if m["gone"] else "")
        ),
    ),
    (
        re.compile(
            r"^(?P<v>confirm|reject|escalate)(?P<cat> \([^)]*\))? by (?P<who>[^:]+)"
            r"(?P<note>: .*)?$"
        ),
        lambda m: f"{_VERDICTS[m['v']]}{m['cat'] or ''} par {m['who']}{m['note'] or ''}",
    ),
)


_DESCRIPTIONS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (
        re.compile(r"^file (?P<name>.+) \((?P<cat>[^)]*)\)$"),
        lambda m: (
            f"fichier {m['name']} ("
            + ("sans catégorie" if m["cat"] == "no category" else m["cat"])
            + ")"
        ),
    ),
    (
        re.compile(r"^match of file (?P<f>\S+) with bank (?P<bank>.+) entry (?P<e>\d+)$"),
        lambda m: f"correspondance du fichier {m['f']} avec la liste {m['bank']}, entrée {m['e']}",
    ),
    (
        re.compile(r"^confirmation of file (?P<f>\S+) by (?P<who>.+)$"),
        lambda m: f"confirmation du fichier {m['f']} par {m['who']}",
    ),
    (
        re.compile(
            r"^message (?P<id>\d+) from account (?P<a>\d+) in (?P<chat>.+?)"
            r"(?: at (?P<at>[\d-]+ [\d:]+) UTC)?, carrying (?P<n>\d+) confirmed file\(s\)$"
        ),
        lambda m: (
            f"message {m['id']} du compte {m['a']} dans {m['chat']}"
            + (f" le {m['at']} UTC" if m["at"] else "")
            + f", portant {m['n']} fichier(s) confirmé(s)"
        ),
    ),
)


def description_in(description: str, lang: str) -> str:
    """An evidence item's description in ``lang`` (as written if not French or not known)."""
    return _say(_DESCRIPTIONS, description, lang)


def detail_in(detail: str, lang: str) -> str:
    """A provenance step's detail in ``lang`` (as written if not French or not known)."""
    return _say(_SHAPES, detail, lang)


def _say(
    shapes: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...],
    text: str,
    lang: str,
) -> str:
    if lang != "fr":
        return text
    for pattern, say in shapes:
        found = pattern.match(text)
        if found:
            return say(found)
    return text
