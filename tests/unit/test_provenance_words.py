"""The shapes of evidence descriptions that a French dossier rewrites (the demo's cases hold
only files; these are the other kinds of item, in the evidence service's words)."""

from __future__ import annotations

import pytest

from crible.exports.provenance_words import description_in, detail_in


@pytest.mark.parametrize(
    ("english", "french"),
    [
        (
            "match of file 0123456789abcdef... with bank demo entry 12",
            "correspondance du fichier 0123456789abcdef... avec la liste demo, entrée 12",
        ),
        (
            "confirmation of file 0123456789abcdef... by alice",
            "confirmation du fichier 0123456789abcdef... par alice",
        ),
        (
            "message 7 from account 3 in Group A at 2025-03-02 12:00 UTC, "
            "carrying 2 confirmed file(s)",
            "message 7 du compte 3 dans Group A le 2025-03-02 12:00 UTC, "
            "portant 2 fichier(s) confirmé(s)",
        ),
        ("file a.jpg (no category)", "fichier a.jpg (sans catégorie)"),
    ],
)
def test_descriptions(english: str, french: str) -> None:
    assert description_in(english, "fr") == french
    assert description_in(english, "en") == english


def test_unknown_shapes_stay_as_written() -> None:
    assert detail_in("something new", "fr") == "something new"
    assert detail_in("reject by bob: wrong line", "fr") == "rejet par bob: wrong line"
