"""A real :class:`~liveswap.brokers.base.Broker` on Kalshi (Trade API v2, signed requests).

``submit`` finds the Kalshi market of the order's window (series from ``venues.kalshi.series``,
matched by ``close_time``), checks the account for an order already placed with the same
``client_order_id`` (so a resubmit after a crash is a lookup, never a second order), reads the
order book, refuses above ``max_price``, and sends an immediate-or-cancel limit buy of
``floor(stake / limit)`` whole contracts with ``buy_max_cost`` = the stake. ``up`` buys YES,
``down`` buys NO. The venue refusing the order is a ``rejected`` result with its reason; the
venue being unreachable raises :class:`~liveswap.venues.errors.VenueError` (a ``BrokerError``),
and the engine's reconciliation calls :meth:`lookup` later.

Settlements come from the venue: once a window has ended, each filled order's market is read
until its ``result`` is ``yes`` or ``no``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from loguru import logger

from liveswap.api.types import Candle
from liveswap.brokers.base import OrderRequest, OrderResult, SettlementReport
from liveswap.markets import Market, MarketError
from liveswap.money import dec, micro
from liveswap.venues.errors import VenueError, VenueRejected
from liveswap.venues.kalshi import TRADING, KalshiClient, KalshiOrder, KalshiQuotes


@dataclass(slots=True)
class _Held:
    ticker: str
    side: str  # yes | no
    shares: float
    window_end: int | None


def order_result(order: KalshiOrder, ts: int) -> OrderResult:
    """What a Kalshi order means for the engine: filled (any contracts), pending, or rejected."""
    if order.fill_count > 0:
        count = dec(order.fill_count)
        cost = micro(dec(order.fill_cost)) if order.fill_cost else micro(dec(order.price or 0.0) * count)
        return OrderResult(order.client_order_id, "filled", venue_order_id=order.order_id,
                           price=micro(cost / count), shares=count, fee=micro(dec(order.fees)), ts=ts, cost=cost)
    if order.status in ("resting", "pending"):
        return OrderResult(order.client_order_id, "pending", venue_order_id=order.order_id, ts=ts)
    limit = f" at {order.price:.2f}" if order.price is not None else ""
    return OrderResult(order.client_order_id, "rejected", venue_order_id=order.order_id,
                       reason=f"kalshi: order {order.status}, nothing filled{limit}", ts=ts)


class KalshiBroker:
    name = "kalshi"

    def __init__(self, client: KalshiClient, quotes: KalshiQuotes, *, max_contracts: int = 500,
                 clock: Callable[[], float] = time.time) -> None:
        self.client = client
        self.quotes = quotes
        self.max_contracts = max_contracts
        self._clock = clock
        self._results: dict[str, OrderResult] = {}
        self._held: dict[str, _Held] = {}
        self._settled: dict[str, SettlementReport] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        self.client.close()

    def _now(self) -> int:
        return int(self._clock())

    def _reject(self, cid: str, reason: str) -> OrderResult:
        return OrderResult(cid, "rejected", reason=reason, ts=self._now())

    def _remember(self, result: OrderResult, order: KalshiOrder, window_end: int | None) -> OrderResult:
        self._results[result.client_order_id] = result
        if result.status == "filled" and result.client_order_id not in self._held:
            self._held[result.client_order_id] = _Held(order.ticker, order.side, result.shares, window_end)
        return result

    def submit(self, order: OrderRequest) -> OrderResult:
        cid = order.client_order_id
        with self._lock:
            known = self._results.get(cid)
            if known is not None and known.status != "pending":
                return known
            try:
                market = Market.parse(order.market)
            except MarketError as exc:
                return self._reject(cid, str(exc))
            side = "yes" if order.side == "up" else "no"
            try:
                km = self.quotes.window_market(market, order.window_start)
            except VenueRejected as exc:
                return self._reject(cid, str(exc))
            placed = self.client.find_order(cid, ticker=km.ticker)
            if placed is not None:
                return self._remember(order_result(placed, self._now()), placed, order.window_end)
            if km.status not in TRADING:
                return self._reject(cid, f"kalshi: market {km.ticker} is {km.status or 'not trading'}")
            book = self.client.orderbook(km.ticker)
            ask = book.yes_ask if side == "yes" else book.no_ask
            if ask is None or not 0 < ask < 1:
                return self._reject(cid, f"kalshi: no {side.upper()} offer in {km.ticker}")
            if order.max_price is not None and ask > order.max_price:
                return self._reject(
                    cid, f"kalshi: {side.upper()} ask {ask:.2f} is above max_price {order.max_price:.2f}"
                )
            limit = dec(min(order.max_price, dec("0.99")) if order.max_price is not None else ask)
            count = min(self.max_contracts, int(order.stake // limit))
            if count < 1:
                return self._reject(cid, f"kalshi: stake {order.stake:.2f} buys no whole contract at {limit:.2f}")
            try:
                placed = self.client.create_order(
                    ticker=km.ticker, side=side, count=count, price=limit, client_order_id=cid,
                    buy_max_cost_cents=int(order.stake * 100 // 1),
                )
            except VenueRejected as exc:
                result = self._reject(cid, str(exc))
                self._results[cid] = result
                return result
            return self._remember(order_result(placed, self._now()), placed, order.window_end)

    def lookup(self, client_order_id: str) -> OrderResult | None:
        with self._lock:
            known = self._results.get(client_order_id)
            if known is not None and known.status != "pending":
                return known
            placed = self.client.find_order(client_order_id)
            if placed is None:
                return known
            return self._remember(order_result(placed, self._now()), placed, None)

    def settlements(self, now: int, closed: list[Candle], open_orders: list[str]) -> list[SettlementReport]:
        """Reports for those ``open_orders`` whose Kalshi market has a ``yes``/``no`` result.

        Idempotent: a settled order is reported again (from memory) while the engine still lists
        it. Orders this process never saw are found by client id on the venue first.
        """
        reports = []
        with self._lock:
            for cid in open_orders:
                if cid in self._settled:
                    reports.append(self._settled[cid])
                    continue
                held = self._held.get(cid)
                try:
                    if held is None:
                        placed = self.client.find_order(cid)
                        if placed is None or placed.fill_count <= 0:
                            continue
                        self._remember(order_result(placed, self._now()), placed, None)
                        held = self._held[cid]
                    if held.window_end is not None and held.window_end > now:
                        continue
                    market = self.client.market(held.ticker)
                except VenueError as exc:
                    logger.warning("kalshi: cannot settle {} yet: {}", cid, exc)
                    continue
                held.window_end = market.close_time
                if market.close_time > now or market.result not in ("yes", "no"):
                    continue  # not determined yet: ask again next batch
                won = market.result == held.side
                report = SettlementReport(cid, won, micro(dec(held.shares)) if won else 0, now)
                self._settled[cid] = report
                reports.append(report)
        return reports

    def balance(self) -> Decimal:
        """The account's available balance in dollars."""
        return micro(dec(self.client.balance()))
