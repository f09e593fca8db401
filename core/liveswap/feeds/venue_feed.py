"""A :class:`~liveswap.feeds.base.Feed` over real venues: exchange bars + prediction-venue quotes.

``VenueFeed.closed_candles(since, until)`` asks the bar source (Binance or Coinbase) for each
market's closed bars with ``since < end <= until`` (``until`` is capped at the clock: a bar is
closed once its end has passed) and, where a quote source (Kalshi or Polymarket) lists the market,
fills ``up_price`` with the current price of the up/YES contract of the window opening at the
bar's end. That price exists only now, so it is fetched only for bars that ended within
``quote_max_age`` seconds; older bars (catch-up) carry ``up_price=None`` -- unknown, not invented.

Missing or stale data never turns into a trade on old prices: a market whose bars cannot be read,
whose bar for an expected window is missing, or whose quote cannot be read is left out of the
batch (that candle only), and :meth:`VenueFeed.stale_markets` says why, one line per market, for
the engine's status. :class:`FeedError` is raised only when no market could be read at all.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from loguru import logger

from liveswap.api.types import Candle
from liveswap.feeds.base import FeedError
from liveswap.markets import Market
from liveswap.venues.bars import BarSource
from liveswap.venues.errors import VenueError
from liveswap.venues.quotes import QuoteSource


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class VenueFeed:
    """Candles from ``bars`` with ``up_price`` from ``quotes`` (None: underlying only)."""

    first_start: int | None = None
    last_end: int | None = None

    def __init__(
        self,
        name: str,
        markets: Sequence[str],
        bars: BarSource,
        quotes: QuoteSource | None = None,
        *,
        clock: Callable[[], float] = time.time,
        quote_max_age: float = 60.0,
    ) -> None:
        self.name = name
        self.markets = tuple(markets)
        self._specs = [Market.parse(m) for m in self.markets]
        self.bars = bars
        self.quotes = quotes
        self._clock = clock
        self.quote_max_age = quote_max_age
        self._stale: dict[str, str] = {}

    def stale_markets(self) -> dict[str, str]:
        """Markets left out of the last batch (or partly), each with a one-line reason."""
        return dict(self._stale)

    def close(self) -> None:
        self.bars.close()
        if self.quotes is not None:
            self.quotes.close()

    def closed_candles(self, since: int, until: int) -> list[Candle]:
        now = int(self._clock())
        until = min(until, now)
        stale: dict[str, str] = {}
        out: list[Candle] = []
        failed = 0
        for market in self._specs:
            try:
                bars = self.bars.bars(market.asset, market.seconds, since, until)
            except VenueError as exc:
                stale[market.name] = str(exc)
                failed += 1
                continue
            expected = range(since - since % market.seconds + market.seconds, until + 1, market.seconds)
            missing = sorted(set(expected) - {b.end for b in bars})
            if missing:
                stale[market.name] = f"{self.bars.name}: no {market.timeframe} candle ending at {_iso(missing[0])}"
                if len(missing) > 1:
                    stale[market.name] += f" (and {len(missing) - 1} more)"
            for bar in bars:
                up_price: float | None = None
                if self.quotes is not None and self.quotes.supports(market) and now - bar.end <= self.quote_max_age:
                    try:
                        up_price = self.quotes.quote(market, bar.end).up_price
                    except VenueError as exc:
                        stale[market.name] = str(exc)
                        continue
                    if up_price is None:
                        where = f"the {market.name} window at {_iso(bar.end)}"
                        stale[market.name] = f"{self.quotes.name}: no price for {where}"
                        continue
                out.append(
                    Candle(market.name, market.timeframe, bar.start, bar.end, bar.open, bar.high, bar.low,
                           bar.close, bar.volume, up_price)
                )
        self._stale = stale
        for name, reason in stale.items():
            logger.warning("feed {}: {} left out: {}", self.name, name, reason)
        if self._specs and failed == len(self._specs):
            first = next(iter(stale.values()))
            raise FeedError(f"{self.name}: no market could be read ({first})")
        out.sort(key=lambda c: (c.end, c.market))
        return out
