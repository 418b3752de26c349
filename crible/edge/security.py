"""Who is calling: API tokens (Bearer) or signed session cookies, roles, and CSRF checks.

Every route but the sign-in page and static files declares ``Depends(Require(capability))``;
the route-walking test reads these declarations, so a route without one fails it.
"""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from crible.edge.settings import ServeSettings
from crible.model.errors import Forbidden, NotAuthenticated
from crible.model.users import Capability, Session, User
from crible.services import auth
from crible.store import Store

SESSION_COOKIE = "crible_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Principal:
    """The caller: a user, and the web session when they came with a cookie."""

    user: User
    session: Session | None = None


class TokenCache:
    """Checked API tokens, trusted for a few seconds so lookups do not ask the store each time."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._known: dict[str, tuple[User | None, float]] = {}

    def get(self, digest: str) -> tuple[bool, User | None]:
        found = self._known.get(digest)
        if found is None or found[1] < time.monotonic():
            return False, None
        return True, found[0]

    def put(self, digest: str, user: User | None) -> None:
        if len(self._known) > 10_000:
            self._known.clear()
        self._known[digest] = (user, time.monotonic() + self.seconds)


class Gate:
    """What the app knows to authenticate requests: the store, settings and caches."""

    def __init__(self, store: Store, settings: ServeSettings):
        self.store = store
        self.settings = settings
        self.tokens = TokenCache(settings.token_cache_seconds)
        self.session_secret = auth.users(store).secret("session")

    async def principal(self, request: Request) -> Principal:
        """The authenticated caller, or NotAuthenticated."""
        header = request.headers.get("authorization", "")
        if header:
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise NotAuthenticated("the Authorization header must be 'Bearer <token>'")
            return Principal(await self._token_user(token.strip()))
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie:
            session = await run_in_threadpool(
                auth.session_of_cookie, self.store, cookie, self.session_secret
            )
            if session is not None:
                return Principal(session.user, session)
        raise NotAuthenticated("sign in, or send an API token as 'Authorization: Bearer <token>'")

    async def _token_user(self, token: str) -> User:
        digest = auth.token_digest(token)
        known, user = self.tokens.get(digest)
        if not known:
            user = await run_in_threadpool(auth.user_of_token, self.store, token)
            self.tokens.put(digest, user)
        if user is None:
            raise NotAuthenticated("unknown, revoked or disabled API token")
        return user


class Require:
    """A route dependency: the caller must hold ``capability`` (and send CSRF with a cookie)."""

    def __init__(self, capability: Capability):
        self.capability = capability

    async def __call__(self, request: Request) -> Principal:
        gate: Gate = request.app.state.gate
        principal = await gate.principal(request)
        if not principal.user.may(self.capability):
            raise Forbidden(
                f"the role {principal.user.role} may not do this ({self.capability} is needed)"
            )
        if principal.session is not None and request.method not in SAFE_METHODS:
            await check_csrf(request, principal.session)
        return principal


async def check_csrf(request: Request, session: Session) -> None:
    """A state-changing request made with a session cookie must carry the session's CSRF token."""
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and "form" in request.headers.get("content-type", ""):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or not hmac.compare_digest(sent, session.csrf):
        raise Forbidden("missing or wrong CSRF token: reload the page and try again")


def client_address(request: Request) -> str:
    return request.client.host if request.client is not None else "unknown"
