"""Accounts, credentials and their audit trail on both backends: tokens, sessions, the
login rate limit, and the entries each change leaves."""

from __future__ import annotations

import pytest

from crible.model.errors import Conflict, NotAuthenticated, RateLimited
from crible.model.users import Role
from crible.services import audit, auth
from crible.store import Store

PASSWORD = "a long enough password"
SETTINGS = auth.AuthSettings(failures_per_minute=3)


def test_tokens_are_kept_hashed_and_stop_with_the_account(store: Store) -> None:
    auth.add_user(store, "platform", Role.PLATFORM, None, actor="admin")
    token = auth.new_token(store, "platform", label="upload path", actor="admin")
    found = auth.user_of_token(store, token)
    assert found is not None and found.role is Role.PLATFORM
    assert auth.user_of_token(store, token + "x") is None
    with store.engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT token_hash FROM api_tokens").scalars().all()
    assert stored == [auth.token_digest(token)]
    auth.revoke_tokens(store, "platform", actor="admin")
    assert auth.user_of_token(store, token) is None
    with pytest.raises(Conflict):
        auth.add_user(store, "platform", Role.ADMIN, None, actor="admin")


def test_sessions_sign_and_end(store: Store) -> None:
    user = auth.add_user(store, "reviewer", Role.REVIEWER, PASSWORD, actor="admin")
    checked = auth.check_password(store, "reviewer", PASSWORD, "10.0.0.1", SETTINGS)
    assert checked.id == user.id
    cookie = auth.open_session(store, checked, "10.0.0.1", SETTINGS)
    secret = auth.users(store).secret("session")
    session = auth.session_of_cookie(store, cookie, secret)
    assert session is not None and session.user.name == "reviewer"
    assert session.expires_at.tzinfo is not None
    token, _, signature = cookie.partition(".")
    assert auth.session_of_cookie(store, f"{token}.{'0' * len(signature)}", secret) is None
    assert auth.users(store).set_revealed(session.id, "a" * 64) == 1
    assert auth.users(store).set_revealed(session.id, "b" * 64) == 2
    auth.set_disabled(store, "reviewer", True, actor="admin")
    assert auth.session_of_cookie(store, cookie, secret) is None


def test_failed_logins_are_limited_per_name_and_per_address(store: Store) -> None:
    auth.add_user(store, "person", Role.INVESTIGATOR, PASSWORD, actor="admin")
    for _ in range(3):
        with pytest.raises(NotAuthenticated):
            auth.check_password(store, "person", "not the password", "10.0.0.2", SETTINGS)
    with pytest.raises(RateLimited):
        auth.check_password(store, "person", PASSWORD, "10.0.0.3", SETTINGS)  # per name
    with pytest.raises(RateLimited):
        auth.check_password(store, "nobody", PASSWORD, "10.0.0.2", SETTINGS)  # per address
    with pytest.raises(NotAuthenticated):
        auth.check_password(store, "nobody", PASSWORD, "10.0.0.4", SETTINGS)


def test_account_changes_are_audited_and_the_chain_holds(store: Store) -> None:
    auth.add_user(store, "admin2", Role.ADMIN, PASSWORD, actor="cli:root")
    auth.new_token(store, "admin2", actor="cli:root")
    auth.set_disabled(store, "admin2", True, actor="cli:root")
    with pytest.raises(NotAuthenticated):
        auth.check_password(store, "admin2", PASSWORD, "10.0.0.5", SETTINGS)
    actions = [(e.actor, e.action, e.target) for e in audit.entries(store)]
    assert actions == [
        ("cli:root", "user_change", "admin2"),
        ("cli:root", "token_change", "admin2"),
        ("cli:root", "user_change", "admin2"),
        ("admin2", "login_failed", ""),
    ]
    assert all(PASSWORD not in e.detail for e in audit.entries(store))
    assert audit.verify(store).ok
