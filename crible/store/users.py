"""Persistence of users, API tokens, web sessions and login failures."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Row, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from crible.model.errors import Conflict, NotFound
from crible.model.users import ApiToken, Role, Session, User
from crible.store.columns import as_utc, now
from crible.store.serve_tables import (
    api_tokens,
    login_failures,
    serve_secrets,
    users,
    web_sessions,
)
from crible.store.sql import insert_ignoring_duplicates, new_id


def _user(m: Any) -> User:
    created = as_utc(m["created_at"])
    assert created is not None
    return User(
        id=m["id"],
        name=m["name"],
        role=Role(m["role"]),
        disabled=bool(m["disabled"]),
        created_at=created,
        has_password=m["password_hash"] is not None,
    )


class UserRepository:
    """Users and their credentials in the store."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def create(self, name: str, role: Role, password_hash: str | None) -> User:
        """Add a user; Conflict if the name is taken."""
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    insert(users).values(
                        name=name,
                        role=str(role),
                        password_hash=password_hash,
                        disabled=False,
                        created_at=now(),
                    )
                )
        except IntegrityError as exc:
            raise Conflict(f"a user named {name!r} already exists") from exc
        return self.get(name)

    def get(self, name: str) -> User:
        """The user of that name, or NotFound."""
        row = self._find(name)
        if row is None:
            raise NotFound(f"no user named {name!r}")
        return _user(row._mapping)

    def password_hash(self, name: str) -> tuple[User, str | None] | None:
        """The user and their password hash, or None if there is no such user."""
        row = self._find(name)
        return None if row is None else (_user(row._mapping), row._mapping["password_hash"])

    def all(self) -> list[User]:
        with self.engine.connect() as conn:
            return [_user(r._mapping) for r in conn.execute(select(users).order_by(users.c.name))]

    def set_password_hash(self, name: str, password_hash: str) -> None:
        self._update(name, password_hash=password_hash)

    def set_disabled(self, name: str, disabled: bool) -> User:
        """Disable (or enable) a user; a disabled user's sessions end."""
        user = self._update(name, disabled=disabled)
        if disabled:
            with self.engine.begin() as conn:
                conn.execute(delete(web_sessions).where(web_sessions.c.user_id == user.id))
        return user

    def _update(self, name: str, **values: Any) -> User:
        with self.engine.begin() as conn:
            done = conn.execute(update(users).where(users.c.name == name).values(**values))
            if not done.rowcount:
                raise NotFound(f"no user named {name!r}")
        return self.get(name)

    def _find(self, name: str) -> Row[Any] | None:
        with self.engine.connect() as conn:
            return conn.execute(select(users).where(users.c.name == name)).first()

    # --- API tokens ---

    def add_token(self, user: User, token_hash: str, label: str) -> ApiToken:
        with self.engine.begin() as conn:
            created = now()
            token_id = new_id(
                conn.execute(
                    insert(api_tokens).values(
                        user_id=user.id,
                        token_hash=token_hash,
                        label=label,
                        created_at=created,
                        revoked=False,
                    )
                )
            )
        return ApiToken(id=token_id, user_id=user.id, label=label, created_at=created)

    def user_of_token(self, token_hash: str) -> User | None:
        """The enabled user owning an unrevoked token, or None."""
        query = (
            select(users)
            .join(api_tokens, api_tokens.c.user_id == users.c.id)
            .where(api_tokens.c.token_hash == token_hash, api_tokens.c.revoked.is_(False))
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None or row._mapping["disabled"]:
            return None
        return _user(row._mapping)

    def revoke_tokens(self, user: User) -> int:
        with self.engine.begin() as conn:
            done = conn.execute(
                update(api_tokens).where(api_tokens.c.user_id == user.id).values(revoked=True)
            )
            return int(done.rowcount)

    # --- web sessions ---

    def add_session(self, user: User, token_hash: str, csrf: str, expires_at: datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                insert(web_sessions).values(
                    user_id=user.id,
                    token_hash=token_hash,
                    csrf=csrf,
                    created_at=now(),
                    expires_at=expires_at,
                    reveals=0,
                    revealed_sha256=None,
                )
            )

    def session(self, token_hash: str) -> Session | None:
        """The unexpired session of an enabled user, or None."""
        query = select(web_sessions, users).join(users, users.c.id == web_sessions.c.user_id)
        query = query.where(web_sessions.c.token_hash == token_hash)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        m = row._mapping
        expires = as_utc(m[web_sessions.c.expires_at])
        assert expires is not None
        if expires <= now() or m[users.c.disabled]:
            return None
        return Session(
            id=m[web_sessions.c.id],
            user=_user({column.name: m[column] for column in users.c}),
            csrf=m[web_sessions.c.csrf],
            expires_at=expires,
            reveals=m[web_sessions.c.reveals],
            revealed_sha256=m[web_sessions.c.revealed_sha256],
        )

    def end_session(self, session_id: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(web_sessions).where(web_sessions.c.id == session_id))

    def set_revealed(self, session_id: int, sha256: str | None) -> int:
        """Make ``sha256`` the one revealed item of a session; returns its reveal count."""
        with self.engine.begin() as conn:
            values: dict[str, Any] = {"revealed_sha256": sha256}
            if sha256 is not None:
                values["reveals"] = web_sessions.c.reveals + 1
            conn.execute(
                update(web_sessions).where(web_sessions.c.id == session_id).values(**values)
            )
            count = conn.execute(
                select(web_sessions.c.reveals).where(web_sessions.c.id == session_id)
            ).scalar_one()
        return int(count)

    # --- login failures ---

    def add_failure(self, username: str, address: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                insert(login_failures).values(username=username[:200], address=address, at=now())
            )

    def failures_since(self, since: datetime, *, username: str, address: str) -> tuple[int, int]:
        """Failures since ``since`` for this username, and from this address."""
        recent = login_failures.c.at >= since
        with self.engine.connect() as conn:
            by_name = conn.execute(
                select(func.count()).where(recent, login_failures.c.username == username)
            ).scalar_one()
            by_address = conn.execute(
                select(func.count()).where(recent, login_failures.c.address == address)
            ).scalar_one()
        return int(by_name), int(by_address)

    def forget_failures(self, before: datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(login_failures).where(login_failures.c.at < before))

    # --- secrets shared by the server's workers ---

    def secret(self, name: str) -> str:
        """A random secret kept in the store (created on first use), shared by all workers."""
        with self.engine.begin() as conn:
            insert_ignoring_duplicates(
                conn,
                serve_secrets,
                [{"name": name, "value": secrets.token_urlsafe(48)}],
                keys=["name"],
            )
            value = conn.execute(
                select(serve_secrets.c.value).where(serve_secrets.c.name == name)
            ).scalar_one()
        return str(value)
