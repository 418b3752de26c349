"""What both edges do to a bank on a request: enable or disable it, and reload the index."""

from __future__ import annotations

from fastapi import Request

from crible.edge.state import lookup_of, store_of
from crible.model.banks import BankStats
from crible.services import banks


def set_bank_enabled(request: Request, actor: str, name: str, enabled: bool) -> BankStats:
    """Enable or disable a bank, record it, and rebuild this worker's lookup index."""
    store = store_of(request)
    banks.set_enabled(store, name, enabled, actor=actor)
    lookup_of(request).reload()
    return banks.show_bank(store, name)
