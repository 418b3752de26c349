"""The dossier's words in French and English, and dates written the way each language does."""

from __future__ import annotations

from datetime import UTC, date, datetime

from crible.analysis.wording import MONTHS

LANGUAGES = ("fr", "en")

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Case file",
        "for_authority": "For",
        "for_suspect": "Account",
        "confirmed_only": (
            "This file lists only findings that a trained reviewer confirmed. It holds no "
            "picture: each item is named by its hashes."
        ),
        "generated": "Prepared on",
        "summary": "Summary",
        "reference": "Reference",
        "case_title": "Title",
        "opened": "Opened on",
        "opened_by": "by",
        "authority": "Competent authority",
        "not_routed": "not routed",
        "suspects": "Persons and accounts",
        "suspect_count": "Accounts",
        "media_count": "Confirmed files",
        "evidence_count": "Evidence items",
        "custody_count": "Custody log entries",
        "period": "Period of the facts",
        "period_basis": "from the first to the last message of the evidence in this file",
        "period_basis_suspect": (
            "from the first to the last message this account sent in the evidence of this file"
        ),
        "no_dated": (
            "No dated evidence: no message of the evidence in this file carries a time "
            "(a file found by scanning a folder has no time of sending)."
        ),
        "no_dated_suspect": (
            "No dated evidence: this account sent no dated message in the evidence of this file."
        ),
        "network": "Part of a network",
        "network_text": "Other files of the same network, sent to other authorities:",
        "unrouted": "Accounts not routed",
        "identity": "Identity",
        "name": "Name",
        "birth_date": "Date of birth",
        "address": "Address",
        "commune": "INSEE commune code",
        "identified_from": "Identified from",
        "not_identified": "Not identified",
        "account": "Account",
        "platform": "Platform",
        "names": "Names used",
        "score": "Priority score",
        "indicators": "Indicators",
        "evidence": "Evidence",
        "chats": "Chats",
        "chat": "Chat",
        "messages": "Items",
        "accounts": "Accounts",
        "timeline": "Timeline",
        "date": "Date",
        "event": "Event",
        "detail": "Detail",
        "network_picture": "Network",
        "confirmed_items": "Confirmed items",
        "category": "Category",
        "none": "none",
        "first_posted": "First message",
        "no_message": "no dated message",
        "confirmed": "Confirmed",
        "confirmed_by": "Confirmed by",
        "custody": "Custody",
        "custody_text": "Each entry carries the hash of the one before it.",
        "chain_ok": "Chain of entries unbroken",
        "chain_broken": "Chain broken at entry",
        "last_hash": "Hash of the last entry",
        "actor": "By",
        "action": "Action",
        "bundle": "Evidence bundle",
        "manifest": "SHA-256 of the bundle's manifest",
        "no_bundle": "No bundle given with this file.",
        "page": "Page",
        "colon": ":",
    },
    "fr": {
        "title": "Dossier",
        "for_authority": "Destinataire",
        "for_suspect": "Compte",
        "confirmed_only": (
            "Ce dossier ne contient que des constatations confirmées par un analyste formé. "
            "Il ne contient aucune image : chaque élément est désigné par ses empreintes."
        ),
        "generated": "Établi le",
        "summary": "Synthèse",
        "reference": "Référence",
        "case_title": "Intitulé",
        "opened": "Ouvert le",
        "opened_by": "par",
        "authority": "Autorité compétente",
        "not_routed": "non attribué",
        "suspects": "Personnes et comptes",
        "suspect_count": "Comptes",
        "media_count": "Fichiers confirmés",
        "evidence_count": "Éléments de preuve",
        "custody_count": "Entrées du registre de traçabilité",
        "period": "Période des faits",
        "period_basis": "du premier au dernier message des éléments de ce dossier",
        "period_basis_suspect": (
            "du premier au dernier message envoyé par ce compte parmi les éléments de ce dossier"
        ),
        "no_dated": (
            "Aucun élément daté : aucun message des éléments de ce dossier ne porte d'heure "
            "(un fichier trouvé par l'analyse d'un dossier n'a pas d'heure d'envoi)."
        ),
        "no_dated_suspect": (
            "Aucun élément daté : ce compte n'a envoyé aucun message daté parmi les éléments "
            "de ce dossier."
        ),
        "network": "Partie d'un réseau",
        "network_text": "Autres dossiers du même réseau, transmis à d'autres autorités :",
        "unrouted": "Comptes non attribués",
        "identity": "Identité",
        "name": "Nom",
        "birth_date": "Date de naissance",
        "address": "Adresse",
        "commune": "Code commune INSEE",
        "identified_from": "Identification",
        "not_identified": "Non identifié",
        "account": "Compte",
        "platform": "Plateforme",
        "names": "Noms utilisés",
        "score": "Score de priorité",
        "indicators": "Indicateurs",
        "evidence": "Éléments",
        "chats": "Discussions",
        "chat": "Discussion",
        "messages": "Éléments",
        "accounts": "Comptes",
        "timeline": "Chronologie",
        "date": "Date",
        "event": "Événement",
        "detail": "Détail",
        "network_picture": "Réseau",
        "confirmed_items": "Éléments confirmés",
        "category": "Catégorie",
        "none": "aucune",
        "first_posted": "Premier message",
        "no_message": "aucun message daté",
        "confirmed": "Confirmé le",
        "confirmed_by": "Confirmé par",
        "custody": "Traçabilité",
        "custody_text": "Chaque entrée porte l'empreinte de la précédente.",
        "chain_ok": "Chaîne des entrées intacte",
        "chain_broken": "Chaîne rompue à l'entrée",
        "last_hash": "Empreinte de la dernière entrée",
        "actor": "Par",
        "action": "Action",
        "bundle": "Scellé numérique",
        "manifest": "SHA-256 du manifeste du scellé",
        "no_bundle": "Aucun scellé numérique fourni avec ce dossier.",
        "page": "Page",
        "colon": "\u00a0:",
    },
}

EVENTS: dict[str, dict[str, str]] = {
    "en": {
        "export": "Export read",
        "ingest": "Export read",
        "scan": "Scan",
        "message": "Message",
        "file": "File hashed",
        "match": "Match",
        "decision": "Review decision",
        "first_seen": "File first hashed by crible",
        "review": "Confirmed by a reviewer",
        "added": "Added to the case",
        "custody": "Custody",
        "media": "File",
        "chat": "Chat",
        "account": "Account",
    },
    "fr": {
        "export": "Lecture de l'export",
        "ingest": "Lecture de l'export",
        "scan": "Analyse",
        "message": "Message",
        "file": "Fichier haché",
        "match": "Correspondance",
        "decision": "Décision de revue",
        "first_seen": "Fichier haché pour la première fois par crible",
        "review": "Confirmé par un analyste",
        "added": "Versé au dossier",
        "custody": "Traçabilité",
        "media": "Fichier",
        "chat": "Discussion",
        "account": "Compte",
    },
}


def format_date(day: date, lang: str) -> str:
    """``4 June 1988`` / ``4 juin 1988``."""
    return f"{day.day} {MONTHS[lang][day.month - 1]} {day.year}"


def format_moment(moment: datetime, lang: str) -> str:
    """``21 March 2026, 10:05 UTC`` / ``21 mars 2026 à 10 h 05 UTC``."""
    utc = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    utc = utc.astimezone(UTC)
    day = format_date(utc.date(), lang)
    if lang == "fr":
        return f"{day} à {utc.hour:02} h {utc.minute:02} UTC"
    return f"{day}, {utc.hour:02}:{utc.minute:02} UTC"


def event_label(kind: str, lang: str) -> str:
    """The words for a kind of event or evidence; the kind itself when it has none."""
    return EVENTS[lang].get(kind, kind)
