"""Hashers: pure functions from bytes or paths to signals."""
