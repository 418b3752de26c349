"""Investigation pages in a real headless Chromium, on the generated Telegram investigation:
suspects with reasons, the network picture, an account profile with its timeline, chats."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from crible.edge.settings import ServeSettings
from crible.model.users import Role
from crible.services import auth
from crible.services.demo_investigation import write_exports
from crible.services.ingest import ingest
from crible.store import Store
from tests.e2e.server import Served, running_server
from tests.e2e.test_web_review import ARGS, ARTIFACTS, CHROMIUM, PASSWORD, loaded, sign_in

pytestmark = pytest.mark.skipif(
    not __import__("pathlib").Path(CHROMIUM).exists(),
    reason="Debian's chromium is not installed (make installs it)",
)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("investigation")
    store = Store.open(f"sqlite:///{folder / 'crible.db'}")
    for export in write_exports(folder / "exports", listed=4):
        ingest(store, "telegram", export, workers=1)
    auth.add_user(store, "analyst", Role.INVESTIGATOR, PASSWORD, actor="test")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with running_server(store, ServeSettings(secure_cookies=False)) as server:
        yield server
    store.close()


def test_suspects_profile_and_chats_in_chromium(served: Served) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        sign_in(page, served.url, "analyst")
        page.goto(f"{served.url}/suspects")
        rows = page.locator("#suspects tbody tr")
        expect(rows.first).to_be_visible()
        assert rows.count() >= 3
        expect(rows.first.locator("li").first).not_to_be_empty()  # the reasons are shown
        assert loaded(page, "#network") > 100
        page.screenshot(path=str(ARTIFACTS / "8-suspects.png"), full_page=True)

        rows.first.locator("a").click()
        expect(page.locator("#reasons li").first).to_be_visible()
        assert loaded(page, "#timeline") > 100
        page.screenshot(path=str(ARTIFACTS / "9-account.png"), full_page=True)

        page.goto(f"{served.url}/chats")
        page.locator("#chats a").first.click()
        expect(page.locator("#messages tbody tr").first).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / "10-messages.png"))
        page.goto(f"{served.url}/ingests")
        expect(page.locator("#ingests tbody tr")).to_have_count(4)
        browser.close()
