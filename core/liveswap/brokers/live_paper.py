"""A paper broker fed by a real venue's prices: live quotes, simulated orders.

``submit`` asks the venue (Kalshi or Polymarket, through a
:class:`~liveswap.venues.quotes.QuoteSource`) for the current ask of the contract the order buys,
adds ``paper.slippage``, refuses above ``max_price``, and "fills" ``stake / price`` shares,
charging the configured taker fee (``ceil_to_cent(rate × C × P × (1 − P))``). Nothing is sent
to the venue. Settlement comes from the underlying candle of the order's window in the closed
batches: "up" wins if that candle's close ≥ its open (Polymarket's rule: ties go Up). Kalshi's
and Polymarket's oracles average prices around the boundary, so a paper result can differ from
the venue's on a near-tie; that is the price of settling without an account.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from liveswap.api.types import Candle
from liveswap.brokers.base import OrderRequest, OrderResult, SettlementReport
from liveswap.markets import Market, MarketError
from liveswap.settings import FeeModel, PaperSettings
from liveswap.venues.errors import VenueError
from liveswap.venues.quotes import QuoteSource


def taker_fee(fees: FeeModel, contracts: float, price: float) -> float:
    """``rate × C × P × (1 − P)``, rounded up to the cent if the model says so."""
    raw = fees.rate * contracts * price * (1.0 - price)
    if fees.round_up_to_cent:
        return math.ceil(round(raw * 100, 9)) / 100.0
    return round(raw, 6)


class LivePaperBroker:
    """Implements :class:`~liveswap.brokers.base.Broker` with simulated fills at live prices."""

    def __init__(self, quotes: QuoteSource, paper: PaperSettings | None = None, *,
                 clock: Callable[[], float] = time.time) -> None:
        self.quotes = quotes
        self.name = f"{quotes.name}-paper"
        self.paper = paper or PaperSettings()
        self.balance = self.paper.starting_balance
        self._clock = clock
        self._results: dict[str, OrderResult] = {}
        self._open: dict[str, OrderRequest] = {}
        self._seen: dict[tuple[str, int], Candle] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        self.quotes.close()

    def _reject(self, order: OrderRequest, reason: str) -> OrderResult:
        result = OrderResult(order.client_order_id, "rejected", reason=reason, ts=int(self._clock()))
        self._results[order.client_order_id] = result
        return result

    def submit(self, order: OrderRequest) -> OrderResult:
        with self._lock:
            if order.client_order_id in self._results:
                return self._results[order.client_order_id]
            try:
                market = Market.parse(order.market)
            except MarketError as exc:
                return self._reject(order, str(exc))
            if order.stake <= 0:
                return self._reject(order, f"stake {order.stake} is not positive")
            try:
                quote = self.quotes.quote(market, order.window_start)
            except VenueError as exc:
                return self._reject(order, str(exc))
            ask = quote.ask(order.side)
            if ask is None:
                return self._reject(order, f"{self.quotes.name}: no {order.side} offer for {quote.contract}")
            price = min(round(ask + self.paper.slippage, 6), 0.99)
            if order.max_price is not None and price > order.max_price:
                return self._reject(order, f"price {price:.4f} is above max_price {order.max_price:.4f}")
            shares = round(order.stake / price, 6)
            fee = taker_fee(self.paper.fees, shares, price)
            if order.stake + fee > self.balance + 1e-9:
                need = order.stake + fee
                return self._reject(order, f"paper balance {self.balance:.2f} is below stake + fee {need:.2f}")
            self.balance = round(self.balance - order.stake - fee, 6)
            result = OrderResult(order.client_order_id, "filled", venue_order_id=f"paper:{quote.contract}",
                                 price=price, shares=shares, fee=fee, ts=int(self._clock()))
            self._results[order.client_order_id] = result
            self._open[order.client_order_id] = order
            return result

    def lookup(self, client_order_id: str) -> OrderResult | None:
        with self._lock:
            return self._results.get(client_order_id)

    def settlements(self, now: int, closed: list[Candle]) -> list[SettlementReport]:
        with self._lock:
            for candle in closed:
                self._seen[(candle.market, candle.start)] = candle
            reports = []
            for cid, order in list(self._open.items()):
                if order.window_end > now:
                    continue
                candle = self._seen.get((order.market, order.window_start))
                if candle is None:
                    continue  # the window's candle has not arrived (yet); settle when it does
                up_won = candle.close >= candle.open
                won = up_won == (order.side == "up")
                payout = round(self._results[cid].shares, 6) if won else 0.0
                self.balance = round(self.balance + payout, 6)
                reports.append(SettlementReport(cid, won, payout, now))
                del self._open[cid]
            oldest = now - 86400
            for key in [k for k in self._seen if k[1] < oldest]:
                del self._seen[key]
            return reports
