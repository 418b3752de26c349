"""Run the crible app on a real uvicorn server on a free loopback port, in a thread."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn
from fastapi import FastAPI

from crible.api.app import create_app
from crible.edge.settings import ServeSettings
from crible.store import Store

TEST_SETTINGS = ServeSettings(secure_cookies=False, token_cache_seconds=0.0)
"""Plain-HTTP cookies (loopback) and no token cache, so revocations show at once."""


@dataclass(frozen=True)
class Served:
    """A running server: its base URL and the app (for route introspection)."""

    url: str
    app: FastAPI
    store: Store


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_server(store: Store, settings: ServeSettings = TEST_SETTINGS) -> Iterator[Served]:
    """Start ``create_app(store, settings)`` on uvicorn and stop it afterwards."""
    app = create_app(store, settings)
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="crible-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield Served(f"http://127.0.0.1:{port}", app, store)
    finally:
        server.should_exit = True
        thread.join(timeout=15)
