"""Indicators said in the dossier's language. The analysis writes English sentences and keeps
what they were made from (``Indicator.params``); a French dossier says them in French."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from crible.model.suspects import Indicator, Suspect

LANGUAGES = ("en", "fr")
MONTHS: dict[str, tuple[str, ...]] = {
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    "fr": (
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ),
}
"""Month names by language (the dossier uses them too)."""
_LEAD_KINDS = {"phone": "téléphone", "email": "courriel", "handle": "identifiant", "link": "lien"}


def describe(indicator: Indicator, lang: str = "en") -> str:
    """The indicator's sentence in ``lang`` (English, the analysis' own, when unknown)."""
    say = _FRENCH.get(indicator.name) if lang == "fr" else None
    if say is None:
        return indicator.text
    try:
        return say(round(indicator.value, 4), indicator.params)
    except (KeyError, TypeError, ValueError):
        return indicator.text  # made by an older analysis, without its parameters


def reasons_in(suspect: Suspect, lang: str) -> tuple[str, ...]:
    """A suspect's reasons, largest share first, in ``lang``."""
    by_name = {i.name: i for i in suspect.indicators}
    return tuple(
        describe(by_name[r.indicator], lang) if r.indicator in by_name else r.text
        for r in suspect.reasons
    )


def _n(count: float, one: str, many: str) -> str:
    """``1 fichier``, ``3 fichiers``; French counts 0 and 1 as singular."""
    return f"{count:g} {one if count < 2 else many}"


def _day(text: str) -> str:
    moment = date.fromisoformat(text)
    return f"{moment.day} {MONTHS['fr'][moment.month - 1]} {moment.year}"


def _known(n: float, p: dict[str, Any]) -> str:
    categories = ", ".join(
        f"{'sans catégorie' if name == 'no category' else name} : {k}"
        for name, k in p["categories"].items()
    )
    text = f"a publié {_n(n, 'fichier connu', 'fichiers connus')} ({categories})"
    if p["forwarded"]:
        text += f", dont {_n(p['forwarded'], 'transféré', 'transférés')}"
    return text


def _exposure(n: float, p: dict[str, Any]) -> str:
    return (
        f"membre de {_n(p['chats'], 'discussion', 'discussions')} où d'autres ont publié "
        f"des fichiers connus {n:g} fois"
    )


def _habitual(n: float, p: dict[str, Any]) -> str:
    return (
        f"a publié des contenus connus {_n(n, 'jour distinct', 'jours distincts')} sur "
        f"{_n(p['span'], 'jour', 'jours')} (du {_day(p['first'])} au {_day(p['last'])})"
    )


def _new_media(n: float, p: dict[str, Any]) -> str:
    text = f"premier à publier {_n(n, 'fichier absent', 'fichiers absents')} des listes"
    if p["reshared"]:
        text += f", repris par {_n(p['reshared'], 'autre compte', 'autres comptes')}"
        names = p.get("names") or []
        if names:
            more = p["reshared"] - len(names)
            text += f" ({', '.join(names)}{f' et {more:g} autres' if more > 0 else ''})"
    copies = p.get("copies") or 0
    if copies:
        kinds = ("copie recompressée ou retouchée", "copies recompressées ou retouchées")
        text += f", dont {_n(copies, *kinds)}"
    if p["alongside"]:
        text += f" ; {p['alongside']} publié(s) avec des contenus connus"
    return text


def _administrator(_n_: float, p: dict[str, Any]) -> str:
    parts = []
    if p["created"]:
        parts.append("a créé " + ", ".join(p["created"]))
    if p["administered"]:
        parts.append("a administré " + ", ".join(p["administered"]))
    return " ; ".join(parts)


def _inviter(n: float, p: dict[str, Any]) -> str:
    return f"a invité {_n(n, 'personne', 'personnes')} dans " + ", ".join(p["chats"])


def _bridge(_n_: float, p: dict[str, Any]) -> str:
    links = " ; ".join(f"{a} → {b} ({_n(k, 'message', 'messages')})" for a, b, k in p["links"])
    return f"a fait passer des contenus d'une discussion à une autre : {links}"


def _keywords(n: float, p: dict[str, Any]) -> str:
    terms = ", ".join(f"{t} x{k}" for t, k in p["terms"])
    return f"{_n(n, 'message contient', 'messages contiennent')} des termes des listes ({terms})"


def _contacts(n: float, p: dict[str, Any]) -> str:
    leads = ", ".join(_lead(*lead) for lead in p["leads"])
    more = f" et {n - len(p['leads']):g} autres" if n > len(p["leads"]) else ""
    return f"{_n(n, 'piste de contact', 'pistes de contact')} : {leads}{more}"


def _lead(kind: str, value: str, also: list[str] | tuple[str, ...] = ()) -> str:
    written = f" (aussi écrit {', '.join(also)})" if also else ""
    return f"{_LEAD_KINDS.get(kind, kind)} {value}{written}"


def _decimal(value: float, digits: int = 1) -> str:
    return f"{value:.{digits}f}".replace(".", ",")


def _percent(share: float, digits: int = 0) -> str:
    return f"{_decimal(share * 100, digits)}\u202f%"


def _capital(n: float, _p: dict[str, Any]) -> str:
    return (
        f"capital réseau {_decimal(n)} (gravité des fichiers connus publiés multipliée "
        "par la taille des discussions atteintes)"
    )


def _pagerank(_n_: float, p: dict[str, Any]) -> str:
    return f"PageRank sur la couche de diffusion : {_decimal(p['times'])} fois la moyenne"


def _betweenness(n: float, _p: dict[str, Any]) -> str:
    return (
        f"sur {n:.1%} des plus courts chemins entre les discussions et les comptes qui y publient"
    ).replace(".", ",", 1)


def _key_player(_n_: float, p: dict[str, Any]) -> str:
    position = p["position"]
    removed = "le retirer" if position == 1 else f"le retirer avec les {position - 1} précédents"
    left = _percent(p["left"])
    return f"acteur clé n° {position} : {removed} laisse {left} de la portée des contenus connus"


_FRENCH: dict[str, Callable[[float, dict[str, Any]], str]] = {
    "known_material": _known,
    "exposure": _exposure,
    "habitual": _habitual,
    "new_media": _new_media,
    "administrator": _administrator,
    "inviter": _inviter,
    "bridge": _bridge,
    "keywords": _keywords,
    "contacts": _contacts,
    "network_capital": _capital,
    "pagerank": _pagerank,
    "betweenness": _betweenness,
    "key_player": _key_player,
}
