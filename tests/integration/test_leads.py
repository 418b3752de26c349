"""Contact leads are counted once however they were written: a phone number with or without
spaces, an e-mail address in another case, a handle with or without its ``@``."""

from __future__ import annotations

from pathlib import Path

import pytest

from crible.analysis.text import lead_key
from crible.analysis.wording import describe
from crible.model.suspects import Indicator
from crible.services.demo_telegram import TelegramExport, at
from crible.services.ingest import ingest
from crible.services.suspects import analyse
from crible.store import Store

WHATSAPP = """\
06/20/2020, 00:08 a. m. - +12 345 578 created group "Groupname"
06/30/2020, 09:10 a. m. - You were added
07/01/2020, 10:15 a. m. - John Doe: who made this group?
07/01/2020, 10:16 a. m. - +12 345 578: me, call +12 345 578 if needed
"""
ROBIN = (4242, "Robin")


def _contacts(store: Store, key: str) -> Indicator:
    analysis = analyse(store)
    suspect = next(s for s in analysis.suspects if s.key == key)
    return next(i for i in suspect.indicators if i.name == "contacts")


def test_a_whatsapp_number_written_with_spaces_is_its_profile_number(
    store: Store, tmp_path: Path
) -> None:
    chat = tmp_path / "WhatsApp Chat with Groupname.txt"
    chat.write_text(WHATSAPP, encoding="utf-8")
    ingest(store, "whatsapp", chat, workers=0)

    leads = _contacts(store, "+12345578")

    assert leads.value == 1, leads.text
    assert leads.text == "1 contact lead: phone +12 345 578 (also written +12345578)"
    assert describe(leads, "fr") == (
        "1 piste de contact : téléphone +12 345 578 (aussi écrit +12345578)"
    )
    assert len(leads.messages) == 1  # the first message that wrote it (the other: the profile)


def test_telegram_leads_in_several_spellings_are_one_each(store: Store, tmp_path: Path) -> None:
    export = TelegramExport(9300, "Group Leads")
    export.post(1, at(1), ROBIN, "write to Robin.Doe@Example.ORG")
    export.post(2, at(2), ROBIN, "or robin.doe@example.org, or @Robin_D on the app")
    export.post(3, at(3), ROBIN, "the number is +33 6 12 34 56 78 (evenings)")
    export.post(4, at(4), ROBIN, "again: 0033 6 12 34 56 78 or +33612345678; @robin_d")
    export.post(5, at(5), ROBIN, "see https://www.Example.org/page/ and http://example.org/page")
    export.write(tmp_path / "export")
    ingest(store, "telegram", tmp_path / "export", workers=0)

    leads = _contacts(store, f"user{ROBIN[0]}")

    assert leads.value == 4, leads.text
    assert [(kind, shown) for kind, shown, _also in leads.params["leads"]] == [
        ("email", "Robin.Doe@Example.ORG"),
        ("handle", "@Robin_D"),
        ("phone", "+33 6 12 34 56 78"),
        ("link", "https://www.Example.org/page/"),
    ]
    assert "email Robin.Doe@Example.ORG (also written robin.doe@example.org)" in leads.text
    assert "phone +33 6 12 34 56 78 (also written 0033 6 12 34 56 78, +33612345678)" in (leads.text)
    assert len(leads.messages) == 5  # each message wrote a spelling first


@pytest.mark.parametrize(
    ("kind", "one", "other"),
    [
        ("phone", "+12 345 578", "+12345578"),
        ("phone", "+1 (555) 010-0199", "+1.555.010.0199"),
        ("phone", "0033 6 12 34 56 78", "+33612345678"),
        ("email", "A.B@Example.Org", "a.b@example.org"),
        ("handle", "@SomeOne1", "someone1"),
        ("link", "https://T.me/somechannel/", "t.me/somechannel"),
    ],
)
def test_lead_keys(kind: str, one: str, other: str) -> None:
    assert lead_key(kind, one) == lead_key(kind, other)


def test_national_and_international_numbers_stay_apart() -> None:
    assert lead_key("phone", "06 12 34 56 78") == "0612345678"
    assert lead_key("phone", "+33 6 12 34 56 78") == "+33612345678"
