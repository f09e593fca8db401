"""Every error liveswap raises, as one tree (like httpx's ``_exceptions.py``).

Every class has exactly one base. ``str(err)`` and ``err.reason`` are the one-line reason the
operator reads; nothing here carries a credential. The tree::

    LiveswapError
    ├── ConfigError            settings, flags, liveswap.toml
    ├── HostError              the host cannot start as configured
    │   └── HostLockedError    another host runs on this home
    ├── ControlError           control.json cannot be read, is invalid, or cannot be changed
    ├── JournalError           the journal cannot be used
    ├── RegistryError          a spec is unknown or refused, or an install failed
    │   └── DeclarationError   a malformed __liveswap_state__ declaration (a refused wheel)
    ├── LoadError              a version cannot be loaded (unknown, refused, failed to start)
    │   └── SandboxUnavailable the configured sandbox level cannot be applied on this machine
    ├── StrategyFault          strategy code raised, timed out, crashed or answered garbage
    ├── ChannelError           the pipe to a worker failed
    │   ├── ChannelTimeout
    │   ├── ChannelClosed
    │   └── ProtocolError
    ├── FeedError              a feed cannot deliver candles (the venue feed's seam error)
    ├── BrokerError            a broker cannot place or report orders (the venue broker's seam error)
    ├── ActionRefused          a dashboard action refused (``status``: the HTTP status)
    ├── BacktestError          a backtest cannot run (unknown version, bad or empty candles)
    ├── InvalidValue           a value of the wrong shape (also a ValueError: see below)
    │   ├── SpecError          not NAME or NAME==VERSION            (liveswap.specs)
    │   ├── MarketError        not ASSET-TIMEFRAME                  (liveswap.markets)
    │   ├── ScaffoldError      ``liveswap new`` refuses the name     (liveswap.scaffold)
    │   └── FleetValueError    a fleet bucket's value cannot be used (liveswap.fleet)
    └── VenueError             a venue did, or failed to do, something (inside venues/ only)
        ├── VenueUnavailable   connection, timeout, 5xx after retries, circuit open
        │   └── RateLimited    429 after retries, or a Retry-After longer than we wait
        ├── VenueAuthError     401/403: credentials missing, wrong or expired
        ├── VenueRejected      any other 4xx: the venue understood and refused (``status``)
        │   └── VenueNotFound  404: no such market, order or slug
        ├── MalformedResponse  not JSON, or a field missing or of the wrong type (named)
        └── VenueConfigError   the venue settings cannot work (missing key, unknown name)

A ``VenueError`` never crosses a seam: the venue feed raises ``FeedError`` and the venue broker
``BrokerError``, each chained to the venue error and carrying its one-line reason, so the engine
knows only its seams' errors.

``InvalidValue`` is the one class with two bases: it is also a ``ValueError``, so pydantic reports
one raised inside a validator as a validation error. Classes defined beside the code that raises
them (``SpecError``, ``MarketError``, ``ScaffoldError``, ``FleetValueError``, the CLI's ``CommandError``, the registry's
``ResolutionError``, the rollout's ``AnalysisSpecError``) each derive from one class of this tree.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: every CLI command imports this module
if TYPE_CHECKING:
    from typing import Literal

    FaultKind = Literal["exception", "timeout", "crash", "memory", "garbage", "load", "protocol"]

_FAULT_KINDS = ("exception", "timeout", "crash", "memory", "garbage", "load", "protocol")

__all__ = [
    "ActionRefused",
    "BacktestError",
    "BrokerError",
    "ChannelClosed",
    "ChannelError",
    "ChannelTimeout",
    "ConfigError",
    "ControlError",
    "DeclarationError",
    "FaultKind",
    "FeedError",
    "HostError",
    "HostLockedError",
    "InvalidValue",
    "JournalError",
    "LiveswapError",
    "LoadError",
    "MalformedResponse",
    "ProtocolError",
    "RateLimited",
    "RegistryError",
    "SandboxUnavailable",
    "StrategyFault",
    "VenueAuthError",
    "VenueConfigError",
    "VenueError",
    "VenueNotFound",
    "VenueRejected",
    "VenueUnavailable",
]


class LiveswapError(Exception):
    """The root: anything liveswap refuses or fails at, with a one-line ``reason``."""

    def __init__(self, reason: str = "") -> None:
        super().__init__(reason)
        self.reason = reason


class InvalidValue(LiveswapError, ValueError):
    """A value of the wrong shape (a spec, a market, a name); a ``ValueError`` too, for pydantic."""


class ConfigError(LiveswapError):
    """A setting, flag or liveswap.toml entry cannot work."""


class HostError(LiveswapError):
    """The host cannot start as configured."""


class HostLockedError(HostError):
    """Another host runs on this home."""


class ControlError(LiveswapError):
    """control.json cannot be read, is invalid, or cannot be changed.

    ``generation`` is the generation an invalid file claims, when it can be read at all (so the
    host can refuse that generation and ``--wait`` can return).
    """

    def __init__(self, reason: str = "", generation: int | None = None) -> None:
        super().__init__(reason)
        self.generation = generation


class JournalError(LiveswapError):
    """The journal cannot be used (corrupt, from a newer liveswap, unwritable)."""


class RegistryError(LiveswapError):
    """A spec is unknown or refused, or an install failed.

    ``reason`` is ONE line for the operator; ``reasons`` holds every reason when a version was
    refused for several.
    """

    def __init__(self, reason: str, reasons: list[str] | None = None) -> None:
        super().__init__(reason)
        self.reasons: list[str] = list(reasons) if reasons else [reason]


class DeclarationError(RegistryError):
    """A version's ``__liveswap_state__`` declaration is malformed: the wheel is refused."""


class LoadError(LiveswapError):
    """The version cannot be loaded (unknown, refused by the registry, failed to start)."""


class SandboxUnavailable(LoadError):
    """The configured ``sandbox.level`` cannot be applied here: no worker is started (fail closed)."""


def __getattr__(name: str) -> object:
    if name == "FaultKind":  # built on first use (the sandbox runner reads its values)
        from typing import Literal

        return Literal[_FAULT_KINDS]
    raise AttributeError(f"module 'liveswap.exceptions' has no attribute {name!r}")


class StrategyFault(LiveswapError):
    """Strategy code failed: raised, timed out, crashed, or answered garbage. ``kind`` says which."""

    def __init__(self, kind: FaultKind, reason: str) -> None:
        super().__init__(reason)
        self.kind: FaultKind = kind


class ChannelError(LiveswapError):
    """The channel to the worker failed; the subclass says how."""


class ChannelTimeout(ChannelError):
    """The deadline passed before a whole frame went out or came in."""


class ChannelClosed(ChannelError):
    """The other end closed its pipe (the worker exited or closed the fd)."""


class ProtocolError(ChannelError):
    """The bytes received are not a valid frame or not the expected message."""


class GarbageReply(ProtocolError):
    """A well-formed reply holding what the host cannot validate (NaN, Infinity, a huge integer,
    a state past the size cap): a ``garbage`` fault of the version, not a broken channel."""


class FeedError(LiveswapError):
    """A feed cannot deliver candles (missing file, bad row, venue unavailable)."""


class BrokerError(LiveswapError):
    """A broker cannot place or report orders."""


class BacktestError(LiveswapError):
    """A backtest cannot run: an unknown version, candles missing, empty or malformed (the row named)."""


class ActionRefused(LiveswapError):
    """A dashboard (``liveswap web``) request refused: no token, foreign origin, invalid action.

    ``status`` is the HTTP status it is answered with (400, 403, 404, 409, 415).
    """

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


class VenueError(LiveswapError):
    """Something a venue did (or failed to do); the reason names the venue and never a credential."""


class VenueUnavailable(VenueError):
    """Connection errors, timeouts, 5xx after every retry, or the circuit breaker is open."""


class RateLimited(VenueUnavailable):
    """429 after every retry (or a Retry-After longer than we are willing to wait)."""


class VenueAuthError(VenueError):
    """401/403: missing, wrong or expired credentials (the reason never shows the key)."""


class VenueRejected(VenueError):
    """Any other 4xx: the venue understood the request and refused it (its message included)."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.status = status


class VenueNotFound(VenueRejected):
    """404: no such market / order / slug."""


class MalformedResponse(VenueError):
    """The body is not JSON, or a field is missing or has the wrong type (the field is named)."""


class VenueConfigError(VenueError):
    """The venue settings cannot work (unknown feed/broker name, missing key, unreadable key file)."""
