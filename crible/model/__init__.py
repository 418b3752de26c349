"""Dataclasses of the domain and the error hierarchy. No I/O here."""
