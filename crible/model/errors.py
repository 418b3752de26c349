"""The one error hierarchy of crible; each edge (CLI, HTTP) maps it once."""

from __future__ import annotations


class CribleError(Exception):
    """Base of every error crible raises on purpose."""


class UserError(CribleError):
    """The request cannot be carried out as asked (bad option, wrong state)."""


class NotFound(UserError):
    """A named thing (bank, scan run, entry) does not exist."""


class Conflict(UserError):
    """The thing to create already exists."""


class BadInput(CribleError):
    """Input data is malformed; the message names the file, line or field."""

    def __init__(self, message: str, *, source: str | None = None, line: int | None = None):
        self.source = source
        self.line = line
        where = ""
        if source is not None:
            where = f"{source}:{line}: " if line is not None else f"{source}: "
        elif line is not None:
            where = f"line {line}: "
        super().__init__(f"{where}{message}")
        self.reason = message


class InvalidHash(BadInput):
    """A hash value does not have the form its signal type requires."""


class InvalidList(BadInput):
    """A hash list (or one of its lines) cannot be read."""


class UnsafePath(BadInput):
    """A path leaves the folder or archive it belongs to."""


class MediaError(BadInput):
    """A media file cannot be read or decoded."""


class DecompressionBomb(MediaError):
    """An image claims more pixels than the configured limit allows."""


class StoreError(CribleError):
    """The store cannot be reached or its schema is not at the expected revision."""


class StoreUnavailable(StoreError):
    """The store named cannot be opened as asked (not a store, read-only, unreachable)."""


class NoStore(StoreUnavailable):
    """There is no store where one was named; a command that only reads never creates one."""


class Interrupted(CribleError):
    """The work stopped before it finished; what was done is kept and re-running resumes it."""


class EvidenceInUse(UserError):
    """The change is refused: it would alter items that a case already holds as evidence."""


class NotAuthenticated(UserError):
    """No valid credentials (session, token or password) came with the request."""


class Forbidden(UserError):
    """The signed-in account's role may not do this."""


class RateLimited(UserError):
    """Too many failed attempts in a short time; try again later."""


class RemoteRefused(CribleError):
    """A remote service (NCMEC's reporting API) refused a request or could not be reached."""
