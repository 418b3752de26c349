"""Reuse what was computed while the investigation has not changed.

The web app and the review queue ask for the analysis on every page; at a million messages
it takes tens of seconds. A fingerprint of the store (the newest row, and the row count, of
every table the analysis reads; the enabled banks; the suppressed entries) tells whether the
last result still holds. One result is kept per store and key, in this process.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from crible.store import Store
from crible.store.read.fingerprint import AnalysisInputs

T = TypeVar("T")
_LOCK = threading.Lock()
_KEPT: dict[tuple[str, Hashable], tuple[tuple[Any, ...], Any]] = {}


def fingerprint(store: Store) -> tuple[Any, ...]:
    """Changes whenever anything the analysis reads changes."""
    with AnalysisInputs.of(store) as inputs:
        return inputs.fingerprint()


def kept(store: Store, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``'s result, reused while the store's fingerprint stays the same."""
    now = fingerprint(store)
    slot = (store.url, key)
    with _LOCK:
        found = _KEPT.get(slot)
    if found is not None and found[0] == now:
        result: T = found[1]
        return result
    value = compute()
    with _LOCK:
        _KEPT[slot] = (now, value)
    return value
