"""Errors mapped once to HTTP: ``{"error": ..., "detail": ...}`` with the right status.

Pages of the web app get the same statuses as HTML (401 shows the sign-in form).
HMA-compatible routes also carry ``message``, the field HMA's clients read.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crible.model.errors import (
    BadInput,
    Conflict,
    CribleError,
    Forbidden,
    NotAuthenticated,
    NotFound,
    RateLimited,
    StoreError,
    UserError,
)

API_PREFIXES = ("/api/", "/h/", "/m/", "/c/", "/status", "/openapi.json", "/docs")
HMA_PREFIXES = ("/h/", "/m/", "/c/", "/status")

_STATUS: tuple[tuple[type[CribleError], int, str], ...] = (
    (NotAuthenticated, 401, "not_authenticated"),
    (Forbidden, 403, "forbidden"),
    (RateLimited, 429, "rate_limited"),
    (NotFound, 404, "not_found"),
    (Conflict, 409, "conflict"),
    (UserError, 400, "bad_request"),
    (BadInput, 422, "bad_input"),
    (StoreError, 503, "store_unavailable"),
    (CribleError, 500, "error"),
)


def is_page(request: Request) -> bool:
    """Whether the request is for a page of the web app (rather than the JSON API)."""
    return not request.url.path.startswith(API_PREFIXES)


def error_response(
    request: Request, status: int, error: str, detail: str, headers: dict[str, str] | None = None
) -> Response:
    """The one error shape, as JSON or, for pages, as HTML."""
    if is_page(request):
        renderer = getattr(request.app.state, "render_error", None)
        if renderer is not None:
            page: Response = renderer(request, status, detail)
            page.headers.update(headers or {})
            return page
        return HTMLResponse(f"<p>{status}</p>", status_code=status, headers=headers)
    body: dict[str, Any] = {"error": error, "detail": detail}
    if request.url.path.startswith(HMA_PREFIXES):
        body["message"] = detail
    return JSONResponse(body, status_code=status, headers=headers)


async def _crible_error(request: Request, exc: Exception) -> Response:
    for kind, status, name in _STATUS:
        if isinstance(exc, kind):
            headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
            if status == 429:
                headers = {"Retry-After": "60"}
            return error_response(request, status, name, str(exc), headers)
    raise exc  # pragma: no cover - every CribleError is in the table


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ()))
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return error_response(request, 422, "bad_input", "; ".join(parts) or "invalid request")


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    names = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}
    name = names.get(exc.status_code, "http_error")
    return error_response(
        request, exc.status_code, name, str(exc.detail), dict(exc.headers or {}) or None
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(CribleError, _crible_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes with 413, before and while they are read."""

    def __init__(self, app: ASGIApp, limit: int):
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            await self._refuse(scope, receive, send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise HTTPException(413, self._detail())
            return message

        await self.app(scope, limited, send)

    def _detail(self) -> str:
        return f"file: the request body is larger than the limit of {self.limit} bytes"

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        response = error_response(request, 413, "too_large", self._detail())
        await response(scope, receive, send)
