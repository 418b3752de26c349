"""Telegram Desktop JSON exports: ``locate`` the export and ``parse`` its ``result.json``.

``reader`` reads a file (the fast and careful readers, errors); ``stream`` feeds ijson with
bounds; ``walk`` and ``events`` are the careful, event-by-event reader; ``message``, ``parts``
and ``refs`` turn tdesktop's values into the model's records.
"""

from crible.ingest.telegram.reader import locate, parse

__all__ = ["locate", "parse"]
