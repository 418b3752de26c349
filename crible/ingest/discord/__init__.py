"""DiscordChatExporter JSON exports: ``locate`` and ``parse`` them.

``reader`` reads a file; ``stream`` feeds ijson's events with bounds and byte offsets;
``message`` turns one message object into the model's records.
"""

from crible.ingest.discord.reader import locate, parse

__all__ = ["locate", "parse"]
