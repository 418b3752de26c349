"""The HTTP API against a real uvicorn server on loopback: auth on every route, lookups,
bad input, sign-in (cookies, CSRF, rate limit)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Mount

from crible.edge.security import Require
from crible.edge.settings import ServeSettings
from crible.model.banks import Bank, HashEntry
from crible.model.categories import Category
from crible.model.signals import SignalType
from crible.model.users import Capability, Role, roles_with
from crible.services import auth
from crible.services.demo_media import picture
from crible.signals.media import hash_media
from crible.store import Store
from tests.e2e.server import Served, running_server

PASSWORD = "correct horse battery"
PUBLIC = {("/login", "GET"), ("/login", "POST")}


def png(seed: int) -> bytes:
    out = io.BytesIO()
    picture(seed).save(out, format="PNG")
    return out.getvalue()


def add_users(store: Store) -> dict[Role, str]:
    """One account of each role, each with a password and an API token."""
    tokens = {}
    for role in Role:
        auth.add_user(store, role.value, role, PASSWORD, actor="test")
        tokens[role] = auth.new_token(store, role.value, actor="test")
    return tokens


def known_bank(store: Store, data: bytes) -> dict[str, Any]:
    """A bank holding the PDQ and MD5 of one generated picture."""
    hashes = hash_media(io.BytesIO(data))
    assert hashes.pdq is not None
    category = Category("DEMO", "DEMO")
    entries = [
        HashEntry(SignalType.PDQ, hashes.pdq.value, category=category),
        HashEntry(SignalType.MD5, hashes.crypto.md5, category=category),
    ]
    store.banks.import_list(
        Bank(name="KNOWN", scheme="DEMO"),
        iter(entries),
        source="test",
        source_sha256=None,
        fmt="test",
        strict=True,
    )
    return {"pdq": hashes.pdq.value, "md5": hashes.crypto.md5, "sha256": hashes.sha256}


SETTINGS = ServeSettings(secure_cookies=False, token_cache_seconds=0.0, max_upload_bytes=2**20)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, dict[Role, str]]]:
    folder: Path = tmp_path_factory.mktemp("api")
    store = Store.open(f"sqlite:///{folder / 'crible.db'}")
    tokens = add_users(store)
    known_bank(store, png(1))
    with running_server(store, SETTINGS) as server:
        yield server, tokens
    store.close()


def client(served: Served, token: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=served.url, headers=headers, follow_redirects=False, timeout=30)


def every_route(app: FastAPI) -> Iterator[tuple[str, set[str], BaseRoute]]:
    """(path, methods, original route) of every route, routers included, prefixes applied."""
    try:
        from fastapi.routing import iter_route_contexts  # FastAPI >= 0.16x: included routers
    except ImportError:  # pragma: no cover - older FastAPI flattens routes itself
        for route in app.routes:
            yield getattr(route, "path", ""), set(getattr(route, "methods", None) or ()), route
        return
    for context in iter_route_contexts(app.routes):
        yield context.path or "", set(context.methods or ()), context.original_route


def required_capability(route: BaseRoute) -> Capability | None:
    """The capability a route's Require dependency asks for, if it has one."""
    if not isinstance(route, APIRoute):
        return None
    pending = list(route.dependant.dependencies)
    while pending:
        dep = pending.pop()
        if isinstance(dep.call, Require):
            return dep.call.capability
        pending.extend(dep.dependencies)
    return None


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_every_route_needs_credentials_and_the_right_role(
    served: tuple[Served, dict[Role, str]],
) -> None:
    server, tokens = served
    checked = 0
    for path, methods, route in every_route(server.app):
        if isinstance(route, Mount):
            assert path == "/static", f"unexpected mount {path}"
            continue
        assert methods, f"{path}: a route without methods"
        for method in sorted(methods - {"HEAD"}):
            if (path, method) in PUBLIC:
                continue
            capability = required_capability(route)
            assert capability is not None, f"{method} {path} declares no Require"
            url = concrete(path)
            with client(server) as anonymous:
                answer = anonymous.request(method, url)
            assert answer.status_code == 401, f"{method} {path}: {answer.status_code}"
            refused = sorted(set(Role) - roles_with(capability))
            if refused:
                with client(server, tokens[refused[0]]) as wrong:
                    answer = wrong.request(method, url)
                assert answer.status_code == 403, f"{method} {path} as {refused[0]}"
            checked += 1
    assert checked >= 25


def test_static_files_need_no_account(served: tuple[Served, dict[Role, str]]) -> None:
    server, _ = served
    with client(server) as anonymous:
        assert anonymous.get("/static/app.css").status_code == 200
        assert anonymous.get("/login").status_code == 200


def test_openapi_document_lists_the_versioned_routes(
    served: tuple[Served, dict[Role, str]],
) -> None:
    server, tokens = served
    with client(server, tokens[Role.PLATFORM]) as platform:
        paths = platform.get("/openapi.json").json()["paths"]
    assert {"/api/v1/lookup", "/api/v1/lookup/file", "/m/raw_lookup", "/c/banks"} <= set(paths)
    assert not any(p.startswith("/review") for p in paths)


def test_lookup_of_a_pdq_hash_returns_bank_category_distance_entry(
    served: tuple[Served, dict[Role, str]],
) -> None:
    server, tokens = served
    known = hash_media(io.BytesIO(png(1)))
    assert known.pdq is not None
    near = f"{int(known.pdq.value, 16) ^ 0b1011:064x}"  # 3 bits away
    with client(server, tokens[Role.PLATFORM]) as platform:
        body = platform.get("/api/v1/lookup", params={"signal_type": "pdq", "value": near}).json()
        far = f"{int(known.pdq.value, 16) ^ (2**40 - 1):064x}"  # 40 bits away
        none = platform.get("/api/v1/lookup", params={"signal_type": "pdq", "value": far}).json()
    [match] = body["matches"]
    assert match["bank"] == "KNOWN"
    assert match["distance"] == 3
    assert match["category"] == {"scheme": "DEMO", "code": "DEMO"}
    assert isinstance(match["entry_id"], int)
    assert none["matches"] == []


def test_lookup_of_an_md5_is_exact(served: tuple[Served, dict[Role, str]]) -> None:
    server, tokens = served
    md5 = hash_media(io.BytesIO(png(1))).crypto.md5
    with client(server, tokens[Role.ADMIN]) as admin:
        hit = admin.get("/api/v1/lookup", params={"signal_type": "MD5", "value": md5.upper()})
        miss = admin.get("/api/v1/lookup", params={"signal_type": "md5", "value": "0" * 32})
    assert [m["signal_type"] for m in hit.json()["matches"]] == ["md5"]
    assert miss.json()["matches"] == []


def test_uploaded_file_is_hashed_and_matched_even_rotated(
    served: tuple[Served, dict[Role, str]],
) -> None:
    server, tokens = served
    rotated = io.BytesIO()
    picture(1).rotate(90, expand=True).save(rotated, format="PNG")
    with client(server, tokens[Role.PLATFORM]) as platform:
        same = platform.post("/api/v1/lookup/file", files={"file": ("a.png", png(1))}).json()
        turned = platform.post(
            "/api/v1/lookup/file", files={"file": ("b.png", rotated.getvalue())}
        ).json()
        other = platform.post("/api/v1/lookup/file", files={"file": ("c.png", png(2))}).json()
    assert set(same["hashes"]) == {"sha256", "sha1", "md5", "pdq"}
    assert {m["signal_type"] for m in same["matches"]} == {"pdq", "md5"}
    assert [m["signal_type"] for m in turned["matches"]] == ["pdq"]
    assert turned["matches"][0]["variant"] != "original"
    assert other["matches"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"signal_type": "colour", "value": "0" * 64}, "signal_type"),
        ({"signal_type": "pdq", "value": "xyz"}, "value"),
        ({"signal_type": "sha1", "value": "0" * 39}, "value"),
        ({"signal_type": "pdq"}, "value"),
    ],
)
def test_bad_lookups_are_refused_naming_the_field(
    served: tuple[Served, dict[Role, str]], params: dict[str, str], field: str
) -> None:
    server, tokens = served
    with client(server, tokens[Role.PLATFORM]) as platform:
        answer = platform.get("/api/v1/lookup", params=params)
    assert answer.status_code == 422
    body = answer.json()
    assert body["error"] == "bad_input"
    assert field in body["detail"]


def test_oversized_or_missing_uploads_are_refused(
    served: tuple[Served, dict[Role, str]],
) -> None:
    server, tokens = served
    with client(server, tokens[Role.PLATFORM]) as platform:
        big = platform.post("/api/v1/lookup/file", files={"file": ("big", b"\0" * (3 * 2**20))})
        empty = platform.post("/api/v1/lookup/file", data={"x": "1"})
    assert big.status_code == 413
    assert "file" in big.json()["detail"]
    assert empty.status_code == 422
    assert "file" in empty.json()["detail"]


def test_an_oversized_upload_without_a_length_is_cut_off_with_413(
    served: tuple[Served, dict[Role, str]],
) -> None:
    server, tokens = served
    chunks = (b"\0" * 2**16 for _ in range(48))  # 3 MiB, chunked: no Content-Length
    head = b'--x\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\n'
    with client(server, tokens[Role.PLATFORM]) as platform:
        answer = platform.post(
            "/api/v1/lookup/file",
            content=iter([head, *chunks, b"\r\n--x--\r\n"]),
            headers={"content-type": "multipart/form-data; boundary=x"},
        )
    assert answer.status_code == 413
    assert answer.json()["error"] == "too_large"


def test_disabled_account_and_revoked_token_stop_working(
    served: tuple[Served, dict[Role, str]],
) -> None:
    server, _ = served
    auth.add_user(server.store, "leaving", Role.PLATFORM, None, actor="test")
    token = auth.new_token(server.store, "leaving", actor="test")
    params = {"signal_type": "md5", "value": "0" * 32}
    with client(server, token) as platform:
        assert platform.get("/api/v1/lookup", params=params).status_code == 200
        auth.set_disabled(server.store, "leaving", True, actor="test")
        assert platform.get("/api/v1/lookup", params=params).status_code == 401
    with client(server, "crible_not-a-token") as forged:
        assert forged.get("/api/v1/lookup", params=params).status_code == 401
    auth.add_user(server.store, "rotating", Role.PLATFORM, None, actor="test")
    revoked = auth.new_token(server.store, "rotating", actor="test")
    auth.revoke_tokens(server.store, "rotating", actor="test")
    with client(server, revoked) as platform:
        assert platform.get("/api/v1/lookup", params=params).status_code == 401


@pytest.mark.parametrize(
    ("headers", "cookies"),
    [
        ({"Authorization": "Basic YWRtaW46eA=="}, {}),
        ({"Authorization": "Bearer"}, {}),
        ({"Authorization": "Bearer " + "x" * 5000}, {}),
        ({}, {"crible_session": "no-signature"}),
        ({}, {"crible_session": "token.0000"}),
        ({}, {"crible_session": "."}),
    ],
)
def test_malformed_credentials_are_refused_with_401(
    served: tuple[Served, dict[Role, str]], headers: dict[str, str], cookies: dict[str, str]
) -> None:
    server, _ = served
    with client(server) as anonymous:
        anonymous.cookies.update(cookies)
        answer = anonymous.get("/api/v1/me", headers=headers)
    assert answer.status_code == 401
    assert answer.json()["error"] == "not_authenticated"


def sign_in(http: httpx.Client, name: str, password: str) -> httpx.Response:
    form = http.get("/login")
    token = re.search(r'name="login_csrf" value="([^"]+)"', form.text)
    assert token is not None
    data = {"username": name, "password": password, "login_csrf": token.group(1)}
    return http.post("/login", data=data)


def test_sign_in_sets_a_strict_httponly_cookie_and_needs_csrf(
    served: tuple[Served, dict[Role, str]],
) -> None:
    server, _ = served
    with client(server) as browser:
        done = sign_in(browser, "admin", PASSWORD)
        assert done.status_code == 303
        cookie = done.headers["set-cookie"]
        assert "HttpOnly" in cookie
        assert "SameSite=strict" in cookie or "samesite=strict" in cookie.lower()
        assert browser.get("/api/v1/me").json() == {"name": "admin", "role": "admin"}
        body = {"enabled": False}
        without = browser.put("/api/v1/banks/KNOWN/enabled", json=body)
        assert without.status_code == 403
        assert "CSRF" in without.json()["detail"]
        page = browser.get("/banks").text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert csrf is not None
        wrong = browser.post("/logout", data={"csrf_token": "forged"})
        assert wrong.status_code == 403
        out = browser.post("/logout", data={"csrf_token": csrf.group(1)})
        assert out.status_code == 303
        assert browser.get("/api/v1/me").status_code == 401


def test_login_is_rate_limited_per_user_name_and_address(
    served: tuple[Served, dict[Role, str]], tmp_path: Path
) -> None:
    """On a server of its own: the lockout of 127.0.0.1 it causes lasts a minute and must not
    reach the module's server, which the other tests share."""
    with Store.open(f"sqlite:///{tmp_path / 'crible.db'}") as store:
        auth.add_user(store, "admin", Role.ADMIN, PASSWORD, actor="test")
        auth.add_user(store, "target", Role.INVESTIGATOR, PASSWORD, actor="test")
        with running_server(store, SETTINGS) as server, client(server) as browser:
            statuses = [sign_in(browser, "target", "wrong password!").status_code for _ in range(5)]
            assert statuses == [401] * 5
            locked = sign_in(browser, "target", PASSWORD)
            other = sign_in(browser, "admin", PASSWORD)  # same address, another account
    assert locked.status_code == 429
    assert locked.headers["retry-after"] == "60"
    assert other.status_code == 429
    with client(served[0]) as browser:
        assert sign_in(browser, "admin", PASSWORD).status_code == 303


def test_responses_are_never_cached(served: tuple[Served, dict[Role, str]]) -> None:
    server, tokens = served
    with client(server, tokens[Role.PLATFORM]) as platform:
        answer = platform.get("/api/v1/lookup", params={"signal_type": "md5", "value": "0" * 32})
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["x-content-type-options"] == "nosniff"
