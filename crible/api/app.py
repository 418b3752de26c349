"""The application: ``create_app(store, settings)`` wires the routers, errors and security.

``crible serve`` runs it on uvicorn; with several workers each one calls ``app_from_env``.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import Depends, FastAPI
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crible.api import admin, hma, lookup
from crible.api.errors import BodyLimit, install_error_handlers
from crible.edge.security import Gate, Principal, Require
from crible.edge.settings import ServeSettings
from crible.model.users import Capability
from crible.services.auth import AuthSettings
from crible.services.lookup import LookupIndex
from crible.store import Store

SETTINGS_ENV = "CRIBLE_SERVE_SETTINGS"
DB_ENV = "CRIBLE_DB"
_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' blob:; media-src 'self'; object-src 'none'; "
        b"frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    ),
]


class SecurityHeaders:
    """Headers on every response: no sniffing, no framing, no caching, a strict CSP."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in _HEADERS if k not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)


def _index_checker(index: LookupIndex, seconds: float, stop: threading.Event) -> None:
    """Rebuild the index when the banks were changed by another worker or the CLI."""
    while not stop.wait(seconds):
        try:
            index.reload_if_changed()
        except Exception:  # a store hiccup must not kill the checker; it retries later
            continue


def create_app(store: Store, settings: ServeSettings | None = None) -> FastAPI:
    """The crible HTTP application over an opened store; the lookup index is built here, once."""
    settings = settings or ServeSettings()
    index = LookupIndex(store, threshold=settings.pdq_threshold)
    stop = threading.Event()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        checker = threading.Thread(
            target=_index_checker,
            args=(index, settings.index_check_seconds, stop),
            name="crible-index-checker",
            daemon=True,
        )
        checker.start()
        try:
            yield
        finally:
            stop.set()

    app = FastAPI(
        title="crible",
        version="1",
        summary="Lookups for platforms (HMA-compatible) and the review app.",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
    )
    app.state.store = store
    app.state.settings = settings
    app.state.lookup = index
    app.state.gate = Gate(store, settings)
    install_error_handlers(app)
    app.include_router(lookup.router)
    app.include_router(admin.router)
    for router in (hma.hashing, hma.matching, hma.curation, hma.status):
        app.include_router(router)
    _install_web(app)

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi_document(
        _: Annotated[Principal, Depends(Require(Capability.SIGNED_IN))],
    ) -> JSONResponse:
        """The OpenAPI document (signed-in callers only, like every route)."""
        return JSONResponse(app.openapi())

    app.add_middleware(BodyLimit, limit=settings.max_upload_bytes + 64 * 1024)
    app.add_middleware(SecurityHeaders)
    return app


def _install_web(app: FastAPI) -> None:
    """The review and investigation pages, if the web package is present."""
    try:
        from crible.web.app import install
    except ImportError:  # pragma: no cover - the web app ships with crible
        return
    install(app)


def settings_to_env(settings: ServeSettings) -> str:
    return json.dumps(asdict(settings))


def settings_from_env(text: str | None) -> ServeSettings:
    if not text:
        return ServeSettings()
    data: dict[str, Any] = json.loads(text)
    data["auth"] = AuthSettings(**data.get("auth", {}))
    return ServeSettings(**data)


def app_from_env() -> FastAPI:
    """Factory for uvicorn workers: the store from $CRIBLE_DB, settings from the environment."""
    store = Store.open(os.environ.get(DB_ENV))
    return create_app(store, settings_from_env(os.environ.get(SETTINGS_ENV)))
