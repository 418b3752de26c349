"""The HTTP edge: FastAPI app for platforms (lookups, HMA-compatible routes) and people."""
