"""Dossiers of a generated network case in French and English, as HTML and PDF."""

from __future__ import annotations

import io
import re
from dataclasses import replace

import pytest
from PIL import Image

from crible.exports.dossier import render_html, render_pdf
from crible.model.cases import CaseFile
from crible.model.errors import NotFound, UserError
from tests.casefiles import TJ_LYON, network_case_file

MANIFEST = "5e" * 32


def network_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 80), (30, 90, 160)).save(out, "PNG")
    return out.getvalue()


def routed_case_file() -> CaseFile:
    case_file = network_case_file()
    return replace(case_file, case=replace(case_file.case, authority=TJ_LYON))


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "fr",
            ["Synthèse", "Chronologie", "Traçabilité", "4 juin 1988", "21 mars 2026 à 09 h 00 UTC"],
        ),
        ("en", ["Summary", "Timeline", "Custody", "4 June 1988", "21 March 2026, 09:00 UTC"]),
    ],
)
def test_dossier_holds_every_section_in_its_language(lang: str, words: list[str]) -> None:
    case_file = routed_case_file()
    html = render_html(case_file, lang=lang, network_png=network_png(), manifest_sha256=MANIFEST)
    assert f'<html lang="{lang}">' in html
    for word in words:
        assert word in html, word
    for expected in (
        "CRB-2026-0007",
        "Tribunal judiciaire de Lyon",
        "Jean Martin",
        "12 rue des Lilas, 69003 Lyon",
        "69383",
        "Réquisition judiciaire n° 2026/118",
        "posted 2 confirmed files",
        "Groupe Tulipe",
        "Salon Annexe",
        "VIC-US 1",
        "CAID B",
        "CRB-2026-0008",
        "no identification result for this account",
        case_file.custody[-1].hash,
        MANIFEST,
    ):
        assert expected in html, expected
    for item in case_file.media:
        assert item.sha256 in html and item.md5 in html and item.sha1 in html
    # Untrusted names are escaped, and the only picture is the network's.
    assert "Marin &lt;Blue&gt;" in html and "<Blue>" not in html
    assert re.findall(r"<img [^>]*src=\"([^\"]{0,22})", html) == ["data:image/png;base64,"]
    for event in case_file.custody:
        assert f"<td>{event.action}</td>" in html


def test_french_and_english_dossiers_differ_only_in_words() -> None:
    case_file = routed_case_file()
    french, english = render_html(case_file, lang="fr"), render_html(case_file, lang="en")
    assert "Timeline" not in french and "Chronologie" not in english
    assert "Chaîne des entrées intacte" in french and "Chain of entries unbroken" in english
    assert "Aucun scellé numérique" in french and "<img" not in french


def test_suspect_dossier_holds_only_that_account() -> None:
    case_file = network_case_file()
    html = render_html(case_file, lang="en", suspect=102)
    shared, own_of_101, own_of_103 = case_file.media[1], case_file.media[0], case_file.media[2]
    assert shared.sha256 in html
    assert own_of_101.sha256 not in html and own_of_103.sha256 not in html
    assert "Paul Robert" in html and "Jean Martin" not in html
    assert "Tribunal judiciaire de Nantes" in html
    with pytest.raises(NotFound, match="account 999"):
        render_html(case_file, suspect=999)


def test_a_broken_custody_chain_is_shown() -> None:
    case_file = network_case_file()
    custody = list(case_file.custody)
    custody[2] = replace(custody[2], prev_hash="0" * 64)
    html = render_html(replace(case_file, custody=tuple(custody)), lang="en")
    assert "Chain broken at entry 3" in html

    edited = list(case_file.custody)  # links intact, but an entry's detail rewritten
    edited[1] = replace(edited[1], detail="5 items")
    html = render_html(replace(case_file, custody=tuple(edited)), lang="en")
    assert "Chain broken at entry 2" in html


def test_bad_options_are_refused() -> None:
    case_file = network_case_file()
    with pytest.raises(UserError, match="language 'de'"):
        render_html(case_file, lang="de")
    with pytest.raises(UserError, match="PNG"):
        render_html(case_file, network_png=b"GIF89a...")
    unconfirmed = replace(case_file.media[0], confirmed_by=())
    with pytest.raises(UserError, match="not confirmed"):
        render_html(replace(case_file, media=(unconfirmed,)))


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_pdf_is_laid_out(lang: str) -> None:
    pdf = render_pdf(
        routed_case_file(), lang=lang, network_png=network_png(), manifest_sha256=MANIFEST
    )
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert len(pdf) > 10_000
