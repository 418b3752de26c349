"""Media sources: walk the roots of a scan and open what was found, files or zip entries."""

from crible.sources.open import open_location
from crible.sources.walk import walk

__all__ = ["open_location", "walk"]
