"""``crible serve``: the HTTP API and the review web app, on uvicorn."""

from __future__ import annotations

import os

import click

from crible.cli.context import App, pass_app
from crible.edge.settings import ServeSettings
from crible.services.auth import AuthSettings
from crible.store.engine import resolve_url


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker processes (each holds its own copy of the PDQ index).",
)
@click.option(
    "--insecure-cookies",
    is_flag=True,
    help="Send the session cookie over plain HTTP too (loopback tests only; use HTTPS otherwise).",
)
@click.option(
    "--break-after",
    default=20,
    show_default=True,
    type=click.IntRange(1, 10_000),
    help="Reveals in one review session after which a break is suggested.",
)
@click.option(
    "--max-upload-mb",
    default=32,
    show_default=True,
    type=click.IntRange(1, 4096),
    help="Largest upload accepted, in MiB.",
)
@click.option(
    "--confirmations",
    default=None,
    type=click.IntRange(1, 5),
    help="Distinct reviewers who must confirm a file, overriding the store's setting "
    "(`crible review settings`; four-eyes, 2, unless set).",
)
@click.option(
    "--access-log", is_flag=True, help="Log one line a request (off: lookups are the hot path)."
)
@click.option("--session-hours", default=8.0, show_default=True, help="Web session lifetime.")
@click.option(
    "--log-level",
    default="warning",
    show_default=True,
    type=click.Choice(["critical", "error", "warning", "info"]),
    help="uvicorn's log level (request lines never carry media bytes).",
)
@pass_app
def serve(
    app: App,
    host: str,
    port: int,
    workers: int,
    insecure_cookies: bool,
    break_after: int,
    max_upload_mb: int,
    session_hours: float,
    access_log: bool,
    confirmations: int | None,
    log_level: str,
) -> None:
    """Serve the lookup API (with HMA-compatible routes) and the review app.

    Every route needs an account: create the first with `crible user add NAME --role admin`.
    """
    import uvicorn

    from crible.api.app import DB_ENV, SETTINGS_ENV, create_app, settings_to_env

    settings = ServeSettings(
        secure_cookies=not insecure_cookies,
        auth=AuthSettings(session_hours=session_hours),
        max_upload_bytes=max_upload_mb * 1024**2,
        break_after_reveals=break_after,
        required_confirmations=confirmations,
    )
    store = app.store()  # opens and migrates once, before the workers start
    click.echo(f"crible serving {store.url} on http://{host}:{port} ({workers} worker(s))")
    if workers == 1:
        uvicorn.run(
            create_app(store, settings),
            host=host,
            port=port,
            log_level=log_level,
            access_log=access_log,
            server_header=False,
        )
        return
    from crible.services.matching import latest_snapshot, snapshot_folder

    # Built and saved once here; each worker then maps it from disk instead of rebuilding.
    latest_snapshot(store, snapshot_folder(store), save=True)
    os.environ[DB_ENV] = resolve_url(app.db_url)
    os.environ[SETTINGS_ENV] = settings_to_env(settings)
    uvicorn.run(
        "crible.api.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        access_log=access_log,
        server_header=False,
    )
