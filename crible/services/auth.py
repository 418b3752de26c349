"""Accounts and credentials: users with roles, argon2 passwords, API tokens, web sessions."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from crible.model.audit import AuditAction
from crible.model.errors import BadInput, NotAuthenticated, RateLimited
from crible.model.users import Role, Session, User
from crible.services import audit
from crible.store import Store
from crible.store.columns import now
from crible.store.users import UserRepository

TOKEN_PREFIX = "crible_"
MIN_PASSWORD_LENGTH = 12
_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class AuthSettings:
    """How long sessions last and how many failed logins are tolerated."""

    session_hours: float = 8.0
    failures_per_minute: int = 5
    """Failed logins per username, and per client address, before 429 for a minute."""


def token_digest(secret: str) -> str:
    """SHA-256 of a high-entropy secret (API token, session token): what the store keeps."""
    return hashlib.sha256(secret.encode()).hexdigest()


def hash_password(password: str) -> str:
    """An argon2id hash of a password, refusing short ones."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise BadInput(f"password: at least {MIN_PASSWORD_LENGTH} characters are needed")
    return _hasher.hash(password)


def users(store: Store) -> UserRepository:
    return UserRepository(store.engine)


def add_user(store: Store, name: str, role: Role, password: str | None, *, actor: str) -> User:
    """Create an account; a person gets a password, a platform may have none (tokens only)."""
    name = name.strip()
    if not name or len(name) > 200 or any(c.isspace() for c in name):
        raise BadInput(f"user name {name!r}: 1-200 characters, no spaces")
    digest = hash_password(password) if password is not None else None
    user = users(store).create(name, role, digest)
    audit.record(store, actor, AuditAction.USER_CHANGE, name, change="add", role=str(role))
    return user


def set_password(store: Store, name: str, password: str, *, actor: str) -> None:
    users(store).set_password_hash(name, hash_password(password))
    audit.record(store, actor, AuditAction.USER_CHANGE, name, change="password")


def set_disabled(store: Store, name: str, disabled: bool, *, actor: str) -> User:
    """Disable an account (its sessions end and its tokens stop working) or enable it again."""
    user = users(store).set_disabled(name, disabled)
    change = "disable" if disabled else "enable"
    audit.record(store, actor, AuditAction.USER_CHANGE, name, change=change)
    return user


def new_token(store: Store, name: str, *, label: str = "", actor: str) -> str:
    """Create an API token for a user and return it: it is shown once, only its hash is kept."""
    repo = users(store)
    user = repo.get(name)
    value = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = repo.add_token(user, token_digest(value), label or "token")
    audit.record(store, actor, AuditAction.TOKEN_CHANGE, name, change="add", token_id=token.id)
    return value


def revoke_tokens(store: Store, name: str, *, actor: str) -> int:
    repo = users(store)
    count = repo.revoke_tokens(repo.get(name))
    audit.record(store, actor, AuditAction.TOKEN_CHANGE, name, change="revoke", count=count)
    return count


def user_of_token(store: Store, token: str) -> User | None:
    """The enabled user owning ``token``, or None."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    return users(store).user_of_token(token_digest(token))


def check_password(
    store: Store, name: str, password: str, address: str, settings: AuthSettings
) -> User:
    """The user if the password is right; failures are counted and rate-limited.

    Over the limit (per username or per address, in the last minute) every attempt is
    refused with RateLimited, even a right one, until the minute has passed.
    """
    repo = users(store)
    since = now() - timedelta(minutes=1)
    by_name, by_address = repo.failures_since(since, username=name, address=address)
    if max(by_name, by_address) >= settings.failures_per_minute:
        raise RateLimited("too many failed sign-ins: wait a minute and try again")
    user, stored = repo.password_hash(name) or (None, None)
    try:  # a missing user or password costs the same argon2 check as a wrong password
        right = _hasher.verify(stored or _DUMMY_HASH, password) and stored is not None
    except (VerificationError, InvalidHashError):
        right = False
    if not right or user is None or user.disabled:
        repo.add_failure(name, address)
        audit.record(store, name[:200], AuditAction.LOGIN_FAILED, address=address)
        raise NotAuthenticated("wrong user name or password")
    repo.forget_failures(since - timedelta(hours=1))
    return user


def _sign(secret: str, token: str) -> str:
    return hmac.new(secret.encode(), token.encode(), hashlib.sha256).hexdigest()


def open_session(store: Store, user: User, address: str, settings: AuthSettings) -> str:
    """Start a web session; returns the signed cookie value (token.signature)."""
    repo = users(store)
    token = secrets.token_urlsafe(32)
    expires = now() + timedelta(hours=settings.session_hours)
    repo.add_session(user, token_digest(token), secrets.token_urlsafe(32), expires)
    audit.record(store, user.name, AuditAction.LOGIN, address=address)
    return f"{token}.{_sign(repo.secret('session'), token)}"


def session_of_cookie(store: Store, cookie: str, secret: str) -> Session | None:
    """The live session a cookie names, if its signature holds."""
    token, _, signature = cookie.partition(".")
    if not token or not hmac.compare_digest(signature, _sign(secret, token)):
        return None
    return users(store).session(token_digest(token))


def close_session(store: Store, session: Session) -> None:
    users(store).end_session(session.id)
    audit.record(store, session.user.name, AuditAction.LOGOUT)
