"""The review app in a real headless Chromium: sign in, review the queue, reveal, decide
(four-eyes: two reviewers), with a screenshot of each page in tests/artifacts/."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from PIL import Image

from crible.edge.settings import ServeSettings
from crible.model.banks import Bank, HashEntry
from crible.model.categories import Category
from crible.model.decisions import ReviewStatus, Verdict
from crible.model.signals import SignalType
from crible.model.users import Role
from crible.services import auth
from crible.services import review as reviews
from crible.services.demo_media import picture
from crible.services.scan import scan
from crible.signals.media import hash_media
from crible.store import Store
from crible.web.media import media_bytes, render
from tests.e2e.server import Served, running_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "web"
PASSWORD = "a long enough password"

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make installs it)"
)


@contextmanager
def review_server(folder: Path) -> Iterator[tuple[Served, str]]:
    """Two generated pictures scanned, one of them in a bank; two reviewers; an investigator."""
    media = folder / "media"
    media.mkdir()
    for seed in (21, 22):
        picture(seed).save(media / f"picture{seed}.jpg", quality=90)
    store = Store.open(f"sqlite:///{folder / 'crible.db'}")
    known = hash_media((media / "picture21.jpg").open("rb"))
    assert known.pdq is not None
    store.banks.import_list(
        Bank(name="KNOWN", scheme="DEMO"),
        iter([HashEntry(SignalType.PDQ, known.pdq.value, category=Category("DEMO", "DEMO"))]),
        source="test",
        source_sha256=None,
        fmt="test",
        strict=True,
    )
    scan(store, [str(media)], workers=1)
    for name in ("first", "second"):
        auth.add_user(store, name, Role.REVIEWER, PASSWORD, actor="test")
    auth.add_user(store, "analyst", Role.INVESTIGATOR, PASSWORD, actor="test")
    settings = ServeSettings(secure_cookies=False, token_cache_seconds=0.0, break_after_reveals=1)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        with running_server(store, settings) as server:
            yield server, known.sha256
    finally:
        store.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, str]]:
    """The review server the tests that leave its item pending (or only confirm it) share."""
    with review_server(tmp_path_factory.mktemp("web")) as made:
        yield made


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield launched
        finally:
            launched.close()


def sign_in(page: object, url: str, name: str) -> None:
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    page.goto(f"{url}/login")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def loaded(page: object, selector: str) -> int:
    """The natural width of an image once loaded (0 if it failed)."""
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    page.wait_for_function("s => document.querySelector(s).complete", arg=selector)
    width = page.eval_on_selector(selector, "img => img.naturalWidth")
    assert isinstance(width, int)
    return width


def test_review_flow_in_chromium(served: tuple[Served, str], browser: object) -> None:
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    server, sha = served
    context = browser.new_context()
    page = context.new_page()

    answer = page.goto(f"{server.url}/review")
    assert answer is not None and answer.status == 401
    expect(page.locator("h1")).to_have_text("Sign in")
    page.screenshot(path=str(ARTIFACTS / "1-login.png"))

    sign_in(page, server.url, "first")
    expect(page).to_have_url(f"{server.url}/review")
    expect(page.locator(f"li.item[data-sha256='{sha}']")).to_be_visible()
    assert loaded(page, f"li.item[data-sha256='{sha}'] img.thumb") > 0
    page.screenshot(path=str(ARTIFACTS / "2-queue.png"))

    with page.expect_navigation():
        page.keyboard.press("Enter")  # opens the current (first) item
    expect(page).to_have_url(f"{server.url}/review/item/{sha}")
    assert "/thumb" in (page.get_attribute("#media", "src") or "")
    page.screenshot(path=str(ARTIFACTS / "3-item-blurred.png"))
    clear = page.request.get(f"{server.url}/review/media/{sha}/clear")
    assert clear.status == 403  # nothing clear before a reveal

    with page.expect_navigation():
        page.keyboard.press("r")
    expect(page.locator("#media.clear")).to_be_visible()
    assert loaded(page, "#media") > 320
    expect(page.locator("#reveal-count")).to_have_text("1")
    expect(page.locator("#break-reminder")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "4-item-revealed.png"))

    page.select_option("#category", "DEMO:DEMO")
    with page.expect_navigation():
        page.keyboard.press("c")
    page.screenshot(path=str(ARTIFACTS / "5-after-decision.png"))
    item = reviews.review_item(server.store, sha)
    assert item.status is ReviewStatus.AWAITING_SECOND
    assert [(d.reviewer, d.verdict) for d in item.decisions] == [("first", Verdict.CONFIRM)]
    assert page.request.get(f"{server.url}/review/media/{sha}/clear").status == 403
    context.close()

    second = browser.new_context()
    page = second.new_page()
    sign_in(page, server.url, "second")
    page.goto(f"{server.url}/review?status=awaiting_second")
    page.click(f"li.item[data-sha256='{sha}'] a")
    expect(page.locator("#four-eyes")).to_contain_text("a second, different reviewer")
    page.screenshot(path=str(ARTIFACTS / "6-four-eyes.png"))
    with page.expect_navigation():
        page.click("#confirm")
    assert reviews.review_item(server.store, sha).status is ReviewStatus.CONFIRMED
    second.close()
    from crible.services import audit

    done = {(e.actor, e.action) for e in audit.entries(server.store)}
    for action in ("login", "media_view", "media_reveal", "decision"):
        assert ("first", action) in done, action
    assert audit.verify(server.store).ok


def test_investigator_sees_banks_but_no_media(served: tuple[Served, str], browser: object) -> None:
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    server, sha = served
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, server.url, "analyst")
    page.goto(f"{server.url}/banks")
    expect(page.locator("tr[data-bank='KNOWN'] .state")).to_have_text("enabled")
    page.screenshot(path=str(ARTIFACTS / "7-banks.png"))
    assert page.request.get(f"{server.url}/review/media/{sha}/thumb").status == 403
    answer = page.goto(f"{server.url}/review")
    assert answer is not None and answer.status == 403
    context.close()


def test_thumbnails_are_blurred_and_grey(served: tuple[Served, str]) -> None:
    server, sha = served
    data = media_bytes(server.store, sha)
    thumb = Image.open(io.BytesIO(render(data, clear=False, grey=True)))
    colour = Image.open(io.BytesIO(render(data, clear=True, grey=False)))
    assert thumb.mode == "L"
    assert max(thumb.size) <= 320
    assert colour.mode == "RGB"
    sharp = colour.convert("L").resize(thumb.size)
    assert _edges(thumb) < _edges(sharp) / 3  # far fewer edges: strongly blurred


def _edges(img: Image.Image) -> float:
    """Fine detail: how far the picture is from a lightly blurred copy of itself."""
    from PIL import ImageChops, ImageFilter, ImageStat

    grey = img.convert("L")
    softened = grey.filter(ImageFilter.GaussianBlur(2))
    return float(ImageStat.Stat(ImageChops.difference(grey, softened)).mean[0])


def test_a_video_is_shown_as_a_still_storyboard_blurred_until_revealed(tmp_path: Path) -> None:
    from crible.services.demo_media import write_slideshow

    video = write_slideshow(tmp_path / "v.mp4", [picture(s) for s in (31, 32, 33, 34)])
    data = video.read_bytes()
    board = Image.open(io.BytesIO(render(data, clear=False, grey=False)))
    clear = Image.open(io.BytesIO(render(data, clear=True, grey=False)))
    assert board.format == clear.format == "JPEG"  # a still picture, never the video
    assert board.mode == "L"  # greyscale even when colour is asked, until revealed
    assert board.size == (320, 240)  # 2 x 2 frames
    assert clear.mode == "RGB"
    assert _edges(board) < _edges(clear.convert("L").resize(board.size)) / 3


@pytest.mark.parametrize("ref", ["0" * 64, "F" * 64, "not-a-hash", "..%2F..%2Fcrible.db"])
def test_media_the_store_does_not_hold_is_not_found(served: tuple[Served, str], ref: str) -> None:
    import httpx

    server, _ = served
    token = auth.new_token(server.store, "second", actor="test")
    with httpx.Client(base_url=server.url, timeout=30) as http:
        answer = http.get(
            f"/review/media/{ref}/thumb", headers={"Authorization": f"Bearer {token}"}
        )
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")


def test_bytes_that_are_no_picture_or_video_are_refused() -> None:
    from crible.model.errors import MediaError

    for data in (b"plain text, not a picture", b"\x89PNG\r\n\x1a\n" + b"\0" * 64):
        with pytest.raises(MediaError):
            render(data, clear=False, grey=True)


def test_a_rejection_stops_the_entry_matching_lookups(tmp_path: Path) -> None:
    """On a server of its own: rejecting the item must not change what the other tests see."""
    with review_server(tmp_path) as served:
        rejection_stops_matching(*served)


def rejection_stops_matching(server: Served, sha: str) -> None:
    import time

    import httpx

    auth.add_user(server.store, "uploads", Role.PLATFORM, None, actor="test")
    token = auth.new_token(server.store, "uploads", actor="test")
    reviewer = auth.new_token(server.store, "first", actor="test")
    known = hash_media(io.BytesIO(media_bytes(server.store, sha)))
    assert known.pdq is not None
    params = {"signal_type": "pdq", "value": known.pdq.value}
    with httpx.Client(base_url=server.url, timeout=30) as http:
        platform = {"Authorization": f"Bearer {token}"}
        assert http.get("/api/v1/lookup", params=params, headers=platform).json()["matches"]
        rejected = http.post(
            f"/review/item/{sha}/decide",
            data={"verdict": "reject", "note": "a different picture"},
            headers={"Authorization": f"Bearer {reviewer}"},
        )
        assert rejected.status_code == 303
        deadline = time.monotonic() + 20
        while http.get("/api/v1/lookup", params=params, headers=platform).json()["matches"]:
            assert time.monotonic() < deadline, "the rejected entry still matches"
            time.sleep(0.1)
    assert reviews.review_item(server.store, sha).status is ReviewStatus.REJECTED
    from crible.services import audit

    done = {(e.actor, e.action) for e in audit.entries(server.store)}
    assert ("first", "decision") in done
    assert audit.verify(server.store).ok
