"""Sign in, sign out, and the home page."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from crible.edge.security import SESSION_COOKIE, Principal, Require, client_address
from crible.edge.state import settings_of, store_of
from crible.model.errors import Forbidden
from crible.model.users import Capability, Role
from crible.services import auth
from crible.web.app import page

router = APIRouter(include_in_schema=False)
LOGIN_CSRF_COOKIE = "crible_login_csrf"
SignedIn = Annotated[Principal, Depends(Require(Capability.SIGNED_IN))]


def login_page(request: Request, *, status: int = 200, message: str = "") -> HTMLResponse:
    """The sign-in form, with a fresh double-submit token against login CSRF."""
    token = secrets.token_urlsafe(24)
    response = page(request, "login.html", status, message=message, login_csrf=token)
    settings = settings_of(request)
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=settings.secure_cookies,
        path="/login",
    )
    return response


@router.get("/login")
async def login_form(request: Request) -> HTMLResponse:
    """The only page that needs no account."""
    return login_page(request)


@router.post("/login")
async def login(
    request: Request,
    username: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1000)],
    login_csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Check the password (rate-limited) and open a session in a signed, HttpOnly cookie."""
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, login_csrf):
        raise Forbidden("the sign-in form expired: reload it and try again")
    store = store_of(request)
    settings = settings_of(request)
    address = client_address(request)
    user = await run_in_threadpool(
        auth.check_password, store, username, password, address, settings.auth
    )
    cookie = await run_in_threadpool(auth.open_session, store, user, address, settings.auth)
    target = "/review" if user.role is Role.REVIEWER else "/"
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=int(settings.auth.session_hours * 3600),
        httponly=True,
        samesite="strict",
        secure=settings.secure_cookies,
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
async def logout(request: Request, principal: SignedIn) -> Response:
    """End the session."""
    if principal.session is not None:
        await run_in_threadpool(auth.close_session, store_of(request), principal.session)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/")
async def home(request: Request, principal: SignedIn) -> HTMLResponse:
    """Links to what the signed-in role may use."""
    return page(request, "home.html", principal=principal, Capability=Capability)
