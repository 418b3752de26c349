"""Hash-list importers and exporters: plain lists, CSV (HMA shape), Project VIC VICS JSON."""

from crible.banks.formats import FORMATS, ListFormat, ParseOptions, detect_format

__all__ = ["FORMATS", "ListFormat", "ParseOptions", "detect_format"]
