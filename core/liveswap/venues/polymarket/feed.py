"""Polymarket as a quote source: Gamma slug → the window's Up token → its CLOB book.

The quote keeps the book's best levels (:func:`~liveswap.venues.polymarket.shadow.seen_book`) so a
shadow candidate is filled as the broker would fill it.

The short crypto up/down markets have slugs ``{btc|eth|sol|xrp}-updown-{5m|15m}-{window start}``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from liveswap.exceptions import VenueRejected
from liveswap.markets import Market
from liveswap.venues.polymarket.client import PolymarketClient
from liveswap.venues.polymarket.parse import PolyMarket, V
from liveswap.venues.polymarket.shadow import seen_book
from liveswap.venues.quotes import Quote

ASSETS = ("BTC", "ETH", "SOL", "XRP")
TIMEFRAMES = ("5m", "15m")


def updown_slug(market: Market, window_start: int) -> str:
    """``btc-updown-5m-1767225600`` for the BTC-5m window opening at that time."""
    return f"{market.asset.lower()}-updown-{market.timeframe}-{window_start}"


class PolymarketQuotes:
    """:class:`~liveswap.venues.quotes.QuoteSource`: Gamma slug → up token → CLOB book."""

    name = "polymarket"

    def __init__(self, client: PolymarketClient, clock: Callable[[], float] = time.time) -> None:
        self.client = client
        self._clock = clock
        self._markets: dict[str, PolyMarket] = {}

    def close(self) -> None:
        self.client.close()

    def supports(self, market: Market) -> bool:
        return market.asset in ASSETS and market.timeframe in TIMEFRAMES

    def window_market(self, market: Market, window_start: int) -> PolyMarket:
        if not self.supports(market):
            raise VenueRejected(f"polymarket: no up/down markets for {market.name}")
        slug = updown_slug(market, window_start)
        found = self._markets.get(slug)
        if found is None:
            found = self.client.market_by_slug(slug)
            self._markets[slug] = found
            if len(self._markets) > 512:
                self._markets.pop(next(iter(self._markets)))
        return found

    def quote(self, market: Market, window_start: int) -> Quote:
        pm = self.window_market(market, window_start)
        if pm.closed or not pm.active:
            raise VenueRejected(f"polymarket: market {pm.slug} is closed")
        token = pm.up_token
        book = self.client.book(token)
        seen = seen_book(pm, book)
        return Quote(V, token, window_start, window_start + market.seconds, book.best_bid, book.best_ask,
                     book.last_trade, int(self._clock()), up_asks=tuple(seen.book.asks),
                     up_bids=tuple(seen.book.bids), book=seen)
