"""What ``create_app`` puts on ``app.state``, typed, for the routes of the API and the pages."""

from __future__ import annotations

from fastapi import Request

from crible.edge.settings import ServeSettings
from crible.services.lookup import LookupIndex
from crible.store import Store


def store_of(request: Request) -> Store:
    """The store the app was created over."""
    store: Store = request.app.state.store
    return store


def settings_of(request: Request) -> ServeSettings:
    """The settings the app was created with."""
    settings: ServeSettings = request.app.state.settings
    return settings


def lookup_of(request: Request) -> LookupIndex:
    """This worker's lookup index over the enabled banks."""
    index: LookupIndex = request.app.state.lookup
    return index
