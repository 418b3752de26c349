"""WhatsApp text exports (``.txt`` or the phone's ``.zip``): ``locate`` and ``parse`` them.

``reader`` reads an export in two passes: ``survey`` (date order, group or not, the chat's
name), then ``build`` (messages, service events, problems) over ``lines`` (bounded reading,
message headers), ``dates`` (field order, local times) and ``body`` (authors, system events,
media).
"""

from crible.ingest.whatsapp.reader import locate, message_fingerprint, parse

__all__ = ["locate", "message_fingerprint", "parse"]
