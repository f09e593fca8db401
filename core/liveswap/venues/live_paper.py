"""A paper broker fed by a real venue's prices: live quotes, simulated orders.

It composes the embedded :class:`~liveswap.brokers.paper.PaperBroker` (SQLite bookkeeping,
idempotency by ``client_order_id``, settlement from the window's underlying candle: "up" wins if
close ≥ open) and changes one thing: the order is filled by the one fill model
(:func:`liveswap.brokers.fills.fill`) against the venue's **current ask book** for the side
(Kalshi or Polymarket, through a :class:`~liveswap.venues.quotes.QuoteSource`; down asks = 1 − up
bids): level by level with partial fills where the quote carries depth, at the best ask alone
where it does not; slippage, ``max_price`` and the taker fee as on paper. Nothing is sent to the
venue.

If the venue cannot quote the window (no market, not trading, unreachable) the order is refused
with the venue's one-line reason; such a refusal is not stored, since nothing was filled. No
``VenueError`` leaves this broker.
The venues' oracles average prices near the boundary, so a paper settlement can differ from the
venue's on a near-tie.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from liveswap.api import Candle
from liveswap.brokers import (
    OrderRequest,
    OrderResult,
    OutcomeLookup,
    PaperBroker,
    SettlementReport,
    SimFill,
    fill,
    rejected,
    venue_book,
)
from liveswap.exceptions import VenueError
from liveswap.markets import Market, MarketError
from liveswap.money import dec
from liveswap.settings import PaperSettings
from liveswap.venues.quotes import Quote, QuoteSource


class LivePaperBroker:
    """Implements :class:`~liveswap.brokers.base.Broker`: simulated fills at live venue asks."""

    def __init__(self, quotes: QuoteSource, path: Path, paper: PaperSettings | None = None,
                 outcome: OutcomeLookup | None = None, *, clock: Callable[[], float] = time.time) -> None:
        self.quotes = quotes
        self.name = f"{quotes.name}-paper"
        self.paper = PaperBroker(path, paper or PaperSettings(), outcome)
        self._clock = clock

    def close(self) -> None:
        self.paper.close()
        self.quotes.close()

    def _refuse(self, order: OrderRequest, reason: str) -> OrderResult:
        return OrderResult(order.client_order_id, "rejected", reason=reason, ts=int(self._clock()))

    def submit(self, order: OrderRequest) -> OrderResult:
        known = self.paper.lookup(order.client_order_id)
        if known is not None:
            return known
        try:
            market = Market.parse(order.market)
            quote = self.quotes.quote(market, order.window_start)
        except (MarketError, VenueError) as exc:
            return self._refuse(order, str(exc))
        ask = quote.ask(order.side)
        if ask is None:
            return self._refuse(order, f"{self.quotes.name}: no {order.side} offer for {quote.contract}")
        book = venue_book(quote.asks(order.side), ask)
        return self.paper.submit(dataclasses.replace(order, price=dec(ask)), book)

    def simulate(self, order: OrderRequest, quote: Quote) -> SimFill:
        """What :meth:`submit` would fill ``order`` with at ``quote`` (a shadow's fill): the paper model on its asks."""
        ask = quote.ask(order.side)
        if ask is None:
            return rejected(f"{self.quotes.name}: no {order.side} offer for {quote.contract}")
        return fill(dataclasses.replace(order, price=dec(ask)), venue_book(quote.asks(order.side), ask),
                    self.paper.settings)

    def lookup(self, client_order_id: str) -> OrderResult | None:
        return self.paper.lookup(client_order_id)

    def settlements(self, now: int, closed: list[Candle], open_orders: list[str]) -> list[SettlementReport]:
        return self.paper.settlements(now, closed, open_orders)

    def balance(self) -> Decimal:
        return self.paper.balance()

    def positions(self) -> dict[str, Decimal]:
        return self.paper.positions()
