"""The prediction-venue side of a candle: a :class:`Quote` of a window's "up"/YES contract.

``QuoteSource.quote(market, window_start)`` returns the current quote of the contract for the
window of ``market`` that opens at ``window_start``; it raises a :class:`VenueError` (one line)
when the venue has no such market, it is not trading, or the data is unusable. Kalshi and
Polymarket implement it; the venue feed and the live-paper broker consume it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from liveswap.markets import Market


@dataclass(frozen=True, slots=True)
class Quote:
    """Prices (0..1 dollars) of the "up"/YES contract of one window, as seen at ``ts``.

    ``up_bid``/``up_ask`` are the best bid/ask of the up contract; the down contract's ask is
    ``1 - up_bid`` (binary complement). ``last`` is the last traded price, if any. ``book`` is what
    the venue's broker needs to fill a shadow's order exactly as it would fill a real one
    (``simulate``): Kalshi's order book and market, Polymarket's CLOB book and market (a bounded
    number of levels, read with the quote, at decision time).
    """

    venue: str
    contract: str  # Kalshi ticker or Polymarket token id of the up contract
    window_start: int
    window_end: int
    up_bid: float | None
    up_ask: float | None
    last: float | None
    ts: int
    up_asks: tuple[tuple[float, float], ...] = ()  # (price, size) levels of the up contract, if the venue gave depth
    up_bids: tuple[tuple[float, float], ...] = ()
    book: object = None  # the venue's own book and market as read at ``ts`` (its broker fills a shadow on it)

    @property
    def up_price(self) -> float | None:
        """The last traded price; before any trade, the bid/ask midpoint; else None."""
        if self.last is not None and 0.0 < self.last < 1.0:
            return self.last
        if self.up_bid is not None and self.up_ask is not None and self.up_ask >= self.up_bid:
            return round((self.up_bid + self.up_ask) / 2, 6)
        return None

    def asks(self, side: str) -> tuple[tuple[float, float], ...]:
        """The ask levels ``(price, size)`` of ``side``, cheapest first (down asks are 1 - up bids); ()
        when the venue gave no depth."""
        if side == "up":
            return tuple(sorted(self.up_asks))
        return tuple(sorted((round(1.0 - p, 6), size) for p, size in self.up_bids))

    def ask(self, side: str) -> float | None:
        """What buying one contract of ``side`` ("up"/"down") costs now, or None if no offer."""
        if side == "up":
            return self.up_ask if self.up_ask is not None and 0.0 < self.up_ask < 1.0 else None
        return None if self.up_bid is None or not 0.0 < self.up_bid < 1.0 else round(1.0 - self.up_bid, 6)


class QuoteSource(Protocol):
    name: str

    def supports(self, market: Market) -> bool:
        """True if the venue lists up/down contracts for this market."""
        ...

    def quote(self, market: Market, window_start: int) -> Quote: ...

    def close(self) -> None: ...
