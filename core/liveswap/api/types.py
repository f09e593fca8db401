"""The plain, frozen, JSON-friendly value types that cross the host/strategy boundary.

Every type converts to and from a plain ``dict`` (:meth:`to_dict` / :meth:`from_dict`) so it can
travel over the worker pipe and into the journal unchanged.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal, Self

Side = Literal["up", "down"]
SIDES: tuple[str, ...] = ("up", "down")


class _Plain:
    """Mixin: dict round trip that ignores unknown keys (forward compatible)."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(frozen=True, slots=True)
class Candle(_Plain):
    """One closed candle of a market's underlying, plus the market's "up" contract price.

    ``market`` is e.g. ``"BTC-5m"``; ``start``/``end`` are epoch seconds (``end`` exclusive, the
    close time). ``open/high/low/close/volume`` describe the underlying (e.g. BTC-USD).
    ``up_price`` is the last price (0..1) of the "up"/YES contract of the window that opens at
    ``end`` -- the one an intent returned for this candle bets on -- or ``None`` if unknown.
    """

    market: str
    timeframe: str
    start: int
    end: int
    open: float
    high: float
    low: float
    close: float
    volume: float
    up_price: float | None = None


@dataclass(frozen=True, slots=True)
class Intent(_Plain):
    """What a strategy wants: bet ``stake`` USD on ``side`` of ``market``'s next window.

    The bet is on the window of ``market`` that opens at the close of the candle being decided.
    ``max_price`` (0..1) refuses a fill above that contract price. The host applies its risk
    limits to every intent; it may refuse one, never enlarge it.
    """

    market: str
    side: Side
    stake: float
    max_price: float | None = None
    tag: str = ""


@dataclass(frozen=True, slots=True)
class Fill(_Plain):
    """An order of this strategy was filled: ``shares`` contracts at ``price`` for ``stake``."""

    order_id: str
    market: str
    side: Side
    stake: float
    price: float
    shares: float
    ts: int


@dataclass(frozen=True, slots=True)
class Settlement(_Plain):
    """A bet resolved: ``payout`` is $1 a share if ``won``; ``pnl`` is net of stake and fees."""

    order_id: str
    market: str
    side: Side
    won: bool
    payout: float
    pnl: float
    ts: int


@dataclass(frozen=True, slots=True)
class Context(_Plain):
    """Read-only facts for one ``on_candle`` call.

    ``open_positions`` lists this market's open positions (plain dicts with at least
    ``order_id, market, side, stake, price, shares, window_start, window_end, version``).
    ``params`` are the operator's current params for the strategy; ``version`` is the running
    strategy's own version.
    """

    now: int
    balance: float
    open_positions: list[dict[str, Any]] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    version: str = ""
