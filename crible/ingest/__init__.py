"""Chat-export parsers: one module a format, each streaming ``crible.model.chats`` records."""
