"""Settings of the network service."""

from __future__ import annotations

from dataclasses import dataclass, field

from crible.model.signals import PDQ_DEFAULT_THRESHOLD
from crible.services.auth import AuthSettings


@dataclass(frozen=True)
class ServeSettings:
    """What ``crible serve`` can be told; the defaults suit a production deployment."""

    secure_cookies: bool = True
    """Send the session cookie only over HTTPS (turn off only for loopback tests)."""
    auth: AuthSettings = field(default_factory=AuthSettings)
    max_upload_bytes: int = 32 * 1024**2
    """Uploads larger than this are refused with 413 before they are read."""
    pdq_threshold: int = PDQ_DEFAULT_THRESHOLD
    token_cache_seconds: float = 5.0
    """How long a checked API token is trusted without asking the store again (a revoked
    or disabled token stops working within this time)."""
    index_check_seconds: float = 30.0
    """How often each worker checks whether the banks changed and rebuilds its index."""
    break_after_reveals: int = 20
    """Reveals in one session after which the review app suggests a break."""
    required_confirmations: int | None = None
    """Distinct reviewers who must confirm a file; None: the store's setting (four-eyes, 2,
    unless ``crible review settings`` changed it)."""
