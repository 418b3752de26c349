"""Wire the web pages into the FastAPI app: templates, static files, HTML errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from crible.edge.security import CSRF_FIELD

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(HERE / "templates"))


def page(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render a template with what every page needs (who is signed in, the CSRF token)."""
    principal = context.get("principal")
    session = getattr(principal, "session", None)
    base = {
        "user": getattr(principal, "user", None),
        "csrf": session.csrf if session is not None else "",
        "csrf_field": CSRF_FIELD,
    }
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status_code)


def render_error(request: Request, status: int, detail: str) -> Response:
    """Errors of pages as HTML: 401 shows the sign-in form, others a short message."""
    if status == 401:
        from crible.web.pages import login_page

        return login_page(request, status=401, message=detail)
    return page(request, "error.html", status, code=status, detail=detail)


def install(app: FastAPI) -> None:
    """Add the pages and static files to ``app``."""
    from crible.web import investigate, pages, review, suspects

    app.state.render_error = render_error
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.include_router(pages.router)
    app.include_router(review.router)
    app.include_router(investigate.router)
    app.include_router(suspects.router)
