"""The perceptual cluster of new media, as people see it: ``crible account`` and ``crible review``
(text and JSON, through the console script) and the web profile and review pages (a real
server), on the investigation whose re-shares were recompressed."""

from __future__ import annotations

import html
from collections.abc import Iterator

import httpx
import pytest

from crible.model.users import Role
from crible.services import auth
from crible.store import Store
from tests.e2e.cli import crible, crible_json
from tests.e2e.server import running_server
from tests.reshares import NEW, RESHARERS, SOURCE, load_investigation


@pytest.fixture(scope="module")
def investigation(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, str]]:
    folder = tmp_path_factory.mktemp("reshares")
    url = f"sqlite:///{folder / 'crible.db'}"
    store = Store.open(url)
    load_investigation(store, folder / "investigation")
    try:
        yield store, url
    finally:
        store.close()


def _source_id(url: str) -> int:
    ranked = crible_json("suspects", db=url)
    top = ranked[0]
    assert top["key"] == f"user{SOURCE[0]}"
    return int(top["account_id"])


def test_account_and_review_commands_show_the_cluster(investigation: tuple[Store, str]) -> None:
    _store, url = investigation
    source = _source_id(url)

    profile = crible_json("account", str(source), db=url)
    assert len(profile["new_media"]) == NEW and profile["reshared"] == []
    for item in profile["new_media"]:
        first, *copies = item["cluster"]
        assert (first["sha256"], first["distance"]) == (item["sha256"], 0)
        assert copies and all(0 < c["distance"] <= 31 and c["signal"] == "pdq" for c in copies)
    shown = crible("account", str(source), db=url)
    assert shown.returncode == 0, shown.stderr
    assert "new media first posted by this account" in shown.stdout
    for user_id, name in RESHARERS:
        assert f"{name} (user{user_id})" in " ".join(shown.stdout.split())

    queue = crible_json("review", "list", "--limit", str(NEW), db=url)
    assert {item["sha256"] for item in queue} == {m["sha256"] for m in profile["new_media"]}
    assert all(len(item["cluster"]) >= 2 for item in queue)
    item = queue[0]
    text = crible("review", "show", item["sha256"], db=url)
    assert text.returncode == 0, text.stderr
    assert "perceptual cluster" in text.stdout and "0 (first)" in text.stdout
    for member in item["cluster"][1:]:
        assert member["sha256"][:16] in text.stdout


def test_web_profile_and_review_pages_show_the_cluster(investigation: tuple[Store, str]) -> None:
    store, url = investigation
    source = _source_id(url)
    tokens = {}
    for name, role in (("analyst", Role.INVESTIGATOR), ("reviewer", Role.REVIEWER)):
        auth.add_user(store, name, role, "a long enough password", actor="test")
        tokens[name] = {"Authorization": f"Bearer {auth.new_token(store, name, actor='test')}"}
    queue = crible_json("review", "list", "--limit", str(NEW), db=url)
    with running_server(store) as server, httpx.Client(base_url=server.url) as web:
        page = web.get(f"/accounts/{source}", headers=tokens["analyst"])
        assert page.status_code == 200, page.text
        body = html.unescape(page.text)
        assert 'id="new-media"' in body and body.count('class="cluster"') == NEW
        for user_id, name in RESHARERS:
            assert f"{name} (user{user_id})" in body
        item = queue[0]
        page = web.get(f"/review/item/{item['sha256']}", headers=tokens["reviewer"])
        assert page.status_code == 200, page.text
        section = page.text.split('id="cluster"', 1)[1]
        for member in item["cluster"]:
            assert f'href="/review/item/{member["sha256"]}"' in section
        assert "0 (first)" in section
