"""Every template, rendered with real data, shows values and never Python's insides.

The data is the demo's store (a bank, a scan, three ingested Telegram groups, the analysis,
reviewers' decisions, a network case routed to three authorities). The web templates are
rendered by a real server: each role signs in and follows the links of its pages; the
dossier template by the dossier export of every case file, in French and English, whole
and per suspect. The template files are listed from their folders, so a template that no
page renders fails here.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from collections.abc import Iterator
from contextlib import contextmanager
from html import unescape
from pathlib import Path
from typing import Any

import httpx
import jinja2
import pytest

import crible
from crible.exports.dossier import _environment
from crible.exports.registry import ExportOptions
from crible.model.users import Role
from crible.services import auth
from crible.services.cases import case_file, list_cases
from crible.services.demo import run_demo
from crible.services.exports import write_dossiers
from crible.store import Store
from crible.web.app import templates
from tests.e2e.server import running_server

PACKAGE = Path(crible.__file__).resolve().parent
EXPORT_TEMPLATES = PACKAGE / "exports" / "templates"
WEB_TEMPLATES = PACKAGE / "web" / "templates"
PASSWORD = "a long enough password"
LEAKS = re.compile(
    r"<built-in|<bound method|object at 0x|Undefined|\{\{|\{%"
    r"|(?:>|=\")\s*None\s*(?:<|\")"  # None where a value belongs: <td>None</td>, value="None"
)
SKIPPED_LINKS = re.compile(r"^/(static|review/media)/|\.png$|^/logout")
PER_SHAPE = 3
"""Pages visited per shape of URL (numbers and hashes make one shape)."""


class Leaky(jinja2.Undefined):
    """A missing value, printed where the page shows it (the app's default prints nothing)."""

    def __str__(self) -> str:
        return f"Undefined({self._undefined_hint or self._undefined_name})"


class Recording(jinja2.BaseLoader):
    """A loader that notes the name of every template it loads."""

    def __init__(self, inner: jinja2.BaseLoader) -> None:
        self.inner = inner
        self.loaded: set[str] = set()

    def get_source(self, environment: jinja2.Environment, template: str) -> Any:
        self.loaded.add(template)
        return self.inner.get_source(environment, template)


@contextmanager
def recording(environment: jinja2.Environment, *, leaky: bool) -> Iterator[Recording]:
    """Load every template afresh through a Recording loader (and show missing values)."""
    saved = (environment.loader, environment.cache, environment.undefined)
    assert saved[0] is not None
    loader = Recording(saved[0])
    environment.loader, environment.cache = loader, None
    if leaky:
        environment.undefined = Leaky
    try:
        yield loader
    finally:
        environment.loader, environment.cache, environment.undefined = saved


def template_names(folder: Path) -> set[str]:
    names = {path.relative_to(folder).as_posix() for path in folder.rglob("*.html")}
    assert names, f"no template found in {folder}"
    return names


def leaks(pages: dict[str, str]) -> list[str]:
    """Where a page shows something that is not a value, with the text around it."""
    found = []
    for where, html in pages.items():
        text = unescape(html)
        for hit in LEAKS.finditer(text):
            found.append(f"{where}: ...{text[max(0, hit.start() - 80) : hit.end() + 40]}...")
    return found


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    folder = tmp_path_factory.mktemp("templates")
    store = Store.open(f"sqlite:///{folder / 'crible.db'}")
    run_demo(store, folder / "demo", pictures=14, listed=12, workers=1, say=str)
    for name, role in (
        ("admin-1", Role.ADMIN),
        ("analyst-1", Role.INVESTIGATOR),
        ("reviewer-1", Role.REVIEWER),
    ):
        auth.add_user(store, name, role, PASSWORD, actor="test")
    yield store
    store.close()


def sign_in(client: httpx.Client, name: str) -> str:
    form = client.get("/login")
    token = re.search(r'name="login_csrf" value="([^"]+)"', form.text)
    assert token is not None, form.text
    answer = client.post(
        "/login", data={"username": name, "password": PASSWORD, "login_csrf": token[1]}
    )
    assert answer.status_code == 200 and "sign out" in answer.text, answer.text[:500]
    return answer.text


def crawl(client: httpx.Client, start: list[str]) -> dict[str, str]:
    """The HTML of the pages reachable from ``start`` by links (a few of each shape)."""
    pages: dict[str, str] = {}
    shapes: Counter[str] = Counter()
    waiting = deque(start)
    while waiting:
        url = waiting.popleft()
        shape = re.sub(r"[0-9a-f]{16,}|\d+", "N", url)
        if url in pages or shapes[shape] >= PER_SHAPE:
            continue
        shapes[shape] += 1
        answer = client.get(url)
        assert answer.status_code == 200, f"{url}: {answer.status_code} {answer.text[:300]}"
        if not answer.headers["content-type"].startswith("text/html"):
            continue
        pages[url] = answer.text
        for href in re.findall(r'href="([^"#]+)"', answer.text):
            link = unescape(href)
            if link.startswith("/") and not SKIPPED_LINKS.search(link):
                waiting.append(link)
    return pages


def test_every_web_template_renders_real_values(demo: Store) -> None:
    pages: dict[str, str] = {}
    with recording(templates.env, leaky=True) as loader, running_server(demo) as served:
        with httpx.Client(base_url=served.url, timeout=60, follow_redirects=True) as anonymous:
            pages["/login (anonymous)"] = anonymous.get("/login").text
        for name, extra in (
            ("admin-1", []),
            ("analyst-1", []),
            ("reviewer-1", ["/review?status=all", "/review?status=confirmed"]),
        ):
            with httpx.Client(base_url=served.url, timeout=60, follow_redirects=True) as client:
                sign_in(client, name)
                for url, html in crawl(client, ["/", *extra]).items():
                    pages[f"{url} ({name})"] = html
                if name == "analyst-1":
                    missing = client.get("/accounts/987654321")
                    assert missing.status_code == 404
                    pages["/accounts/987654321 (404)"] = missing.text
    assert len(pages) > 15
    assert leaks(pages) == []
    never = template_names(WEB_TEMPLATES) - loader.loaded
    assert not never, f"templates no page rendered (add a page that shows them here): {never}"


def test_every_dossier_template_renders_real_values(demo: Store, tmp_path: Path) -> None:
    pages: dict[str, str] = {}
    with recording(_environment(), leaky=False) as loader:
        for case in list_cases(demo):
            suspects = [s.key for s in case_file(demo, case.id).suspects]
            for lang in ("fr", "en"):
                options = ExportOptions(lang=lang)
                for who in (None, suspects[:2] or None):
                    for written in write_dossiers(
                        demo,
                        case.reference,
                        tmp_path / case.reference,
                        options=options,
                        actor="test",
                        suspects=who,
                        pdf=False,
                    ):
                        pages[written.path.name] = written.path.read_text(encoding="utf-8")
    assert len(pages) >= 4 * 3
    assert leaks(pages) == []
    never = template_names(EXPORT_TEMPLATES) - loader.loaded
    assert not never, f"templates no export rendered (add the export that uses them): {never}"
