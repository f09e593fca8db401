"""Kalshi as a quote source: a market name plus a window start → that window's YES quote.

:class:`KalshiQuotes` turns ``BTC-15m`` plus a window start into the quote of that window's
market in the configured series (``KXBTC15M``), matched by ``close_time`` (never by the ticker).
The quote carries the market's order book (:data:`~liveswap.venues.kalshi.shadow.DEPTH` levels a
side, read with it) so a shadow candidate is filled as the broker would fill it (:mod:`.shadow`).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from loguru import logger

from liveswap.exceptions import MalformedResponse, VenueError, VenueNotFound, VenueRejected
from liveswap.markets import Market
from liveswap.venues.kalshi.client import KalshiClient
from liveswap.venues.kalshi.parse import KalshiMarket, V
from liveswap.venues.kalshi.shadow import DEPTH, KalshiSeen
from liveswap.venues.quotes import Quote

TRADING = {"open", "active"}


class KalshiQuotes:
    """:class:`~liveswap.venues.quotes.QuoteSource` over a series map ``{"BTC-15m": "KXBTC15M"}``."""

    name = "kalshi"

    def __init__(self, client: KalshiClient, series: dict[str, str],
                 clock: Callable[[], float] = time.time) -> None:
        self.client = client
        self.series = dict(series)
        self._clock = clock
        self._tickers: dict[tuple[str, int], str] = {}

    def close(self) -> None:
        self.client.close()

    def supports(self, market: Market) -> bool:
        return market.name in self.series

    def window_market(self, market: Market, window_start: int) -> KalshiMarket:
        """The market of ``market``'s series that closes at ``window_start + seconds``."""
        series = self.series.get(market.name)
        if series is None:
            raise VenueRejected(f"kalshi: no series configured for {market.name} (set venues.kalshi.series)")
        window_end = window_start + market.seconds
        cached = self._tickers.get((market.name, window_start))
        if cached:
            return self.client.market(cached)
        found = [m for m in self.client.markets(series_ticker=series, min_close_ts=window_end - 1,
                                                max_close_ts=window_end + 1) if m.close_time == window_end]
        if not found:
            raise VenueNotFound(f"kalshi: no {series} market closes at {window_end} (window of {market.name})")
        self._tickers[(market.name, window_start)] = found[0].ticker
        if len(self._tickers) > 512:
            self._tickers.pop(next(iter(self._tickers)))
        return found[0]

    def quote(self, market: Market, window_start: int) -> Quote:
        m = self.window_market(market, window_start)
        if m.status not in TRADING:
            raise VenueRejected(f"kalshi: market {m.ticker} is {m.status or 'not trading'}")
        if m.yes_bid is None and m.yes_ask is None and m.last_price is None:
            raise MalformedResponse(f"kalshi: market {m.ticker}: no yes_bid/yes_ask/last_price")
        seen = self._seen(m)
        return Quote(V, m.ticker, window_start, window_start + market.seconds, m.yes_bid, m.yes_ask,
                     m.last_price, int(self._clock()),
                     up_asks=() if seen is None else seen.up_asks(), up_bids=() if seen is None else
                     tuple(seen.book.yes_bids), book=seen)

    def _seen(self, m: KalshiMarket) -> KalshiSeen | None:
        """The market's book (:data:`~liveswap.venues.kalshi.shadow.DEPTH` levels a side) for a shadow's
        fills; None when it cannot be read (the quote stands: the shadow's order is then not filled)."""
        try:
            return KalshiSeen(m, self.client.orderbook(m.ticker, depth=DEPTH))
        except VenueError as exc:
            logger.warning("kalshi: order book of {} not read for shadow fills: {}", m.ticker, exc.reason)
            return None
