"""The analysis is reused while the store is unchanged, and recomputed as soon as it is not."""

from __future__ import annotations

from pathlib import Path

from crible.model.decisions import Verdict
from crible.services.banks import import_list
from crible.services.demo_media import picture
from crible.services.demo_telegram import TelegramExport, at
from crible.services.ingest import ingest
from crible.services.review import decide
from crible.services.suspects import latest_analysis
from crible.signals.crypto import hash_file
from crible.store import Store

ANNE, BRUNO = (501, "Anne"), (502, "Bruno")


def _export(folder: Path, chat_id: int, day: int) -> Path:
    chat = TelegramExport(chat_id, f"Group {chat_id}")
    chat.post(1, at(day), ANNE, "", photo=picture(1), photo_name="one.jpg")
    chat.post(2, at(day, 13), BRUNO, "", photo=picture(1), photo_name="again.jpg")
    return chat.write(folder)


def _posting_known(store: Store) -> set[str | None]:
    return {
        s.name
        for s in latest_analysis(store).suspects
        if any(r.indicator == "known_material" for r in s.reasons)
    }


def test_reused_until_the_store_changes(store: Store, tmp_path: Path) -> None:
    first = _export(tmp_path / "a", 9301, 2)
    listed = hash_file(first.parent / "photos" / "one.jpg").sha256
    bank = tmp_path / "bank.csv"
    bank.write_text(f"signal_type,signal_value\nsha256,{listed}\n")
    import_list(store, bank, bank="listed", scheme="DEMO", category="DEMO")
    ingest(store, "telegram", first, workers=0)

    before = latest_analysis(store)
    assert latest_analysis(store) is before  # nothing changed: the same result
    assert _posting_known(store) == {"Anne", "Bruno"}

    ingest(store, "telegram", _export(tmp_path / "b", 9302, 5), workers=0)
    after_ingest = latest_analysis(store)
    assert after_ingest is not before and len(after_ingest.facts.posts) == 4

    decide(store, listed, Verdict.REJECT, "reviewer", note="not what the list says")
    after_rejection = latest_analysis(store)
    assert after_rejection is not after_ingest
    assert not after_rejection.facts.known  # the rejected entry no longer makes it known
    assert _posting_known(store) == set()
