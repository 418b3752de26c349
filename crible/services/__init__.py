"""Use cases that tie the layers together; each takes plain arguments and a store."""
