"""Typed venue errors, each carrying a one-line reason that names the venue (and the field).

Every venue error is both a :class:`~liveswap.feeds.base.FeedError` and a
:class:`~liveswap.brokers.base.BrokerError`, so the engine's existing handlers catch them
whichever seam they surface through. Messages never contain credentials, signatures or headers.
"""

from __future__ import annotations

from liveswap.brokers.base import BrokerError
from liveswap.feeds.base import FeedError


class VenueError(FeedError, BrokerError):
    """Something a venue did (or failed to do). ``str(err)`` is the one-line reason."""


class VenueUnavailable(VenueError):
    """Connection errors, timeouts, 5xx after every retry, or the circuit breaker is open."""


class RateLimited(VenueUnavailable):
    """429 after every retry (or a Retry-After longer than we are willing to wait)."""


class AuthError(VenueError):
    """401/403: missing, wrong or expired credentials (the reason never shows the key)."""


class VenueRejected(VenueError):
    """Any other 4xx: the venue understood the request and refused it (its message included)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class NotFound(VenueRejected):
    """404: no such market / order / slug."""


class MalformedResponse(VenueError):
    """The body is not JSON, or a field is missing or has the wrong type (the field is named)."""


class VenueConfigError(VenueError):
    """The settings cannot work (unknown feed/broker name, missing key, read-only venue)."""
