"""The matching index: exact lookups (in the store) and PDQ Hamming range search."""

from crible.index.base import Neighbour, PdqIndex, hashes_from_hex
from crible.index.flat import FlatPdqIndex


def default_pdq_index() -> PdqIndex:
    """The PDQ index crible uses unless told otherwise."""
    return FlatPdqIndex()


__all__ = ["FlatPdqIndex", "Neighbour", "PdqIndex", "default_pdq_index", "hashes_from_hex"]
