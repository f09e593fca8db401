"""A real :class:`~liveswap.brokers.base.Broker` on Kalshi (Trade API v2, signed requests).

``submit`` finds the Kalshi market of the order's window (series from ``venues.kalshi.series``,
matched by ``close_time``), checks the account for an order already placed with the same
``client_order_id`` (so a resubmit after a crash is a lookup, never a second order), reads the
order book and the market's price grid, refuses above ``max_price``, and sends a true
immediate-or-cancel limit buy (``time_in_force=immediate_or_cancel``, no ``buy_max_cost``, which
would make it fill-or-kill) of ``floor(stake / limit)`` whole contracts on the current order API
(:func:`~liveswap.venues.kalshi.client.order_body`). The limit is ``max_price`` rounded DOWN to the
market's tick (0.001 on deci-cent markets), else the best ask as it is: never above ``max_price``,
never rounded to a cent. ``up`` buys YES (a ``bid`` on the YES book), ``down`` buys NO (an
``ask`` on the YES book at ``1 - limit``). A partial fill is a fill of what filled; the rest is
cancelled by the venue. Cost and fees are the venue's, read back from the order.
The venue refusing the order is a ``rejected`` result with its reason; the
venue being unreachable raises :class:`~liveswap.exceptions.BrokerError` (the seam's error,
chained to the venue error, with its one-line reason), and the engine's reconciliation calls
:meth:`lookup` later.

Settlements come from the venue: once a window has ended, each filled order's market is read
until its ``result`` is ``yes`` or ``no``.

Resting orders (:class:`~liveswap.brokers.base.OpenOrderSource`, a fleet's takeover): the account's
``resting`` orders on a market's series are listed with ``GET /portfolio/orders?status=resting``
and cancelled with ``DELETE /portfolio/events/orders/{order_id}`` (the V2 cancel).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from loguru import logger

from liveswap.api import Candle
from liveswap.brokers import OrderRequest, OrderResult, SettlementReport, SimFill, rejected
from liveswap.exceptions import BrokerError, VenueError, VenueRejected
from liveswap.markets import Market, MarketError
from liveswap.money import micro
from liveswap.venues.kalshi.client import KalshiClient, order_body
from liveswap.venues.kalshi.feed import TRADING, KalshiQuotes
from liveswap.venues.kalshi.parse import KalshiMarket, KalshiOrder, KalshiOrderAck
from liveswap.venues.kalshi.plan import Plan, plan_buy
from liveswap.venues.kalshi.shadow import KalshiSeen, simulate
from liveswap.venues.kalshi.ticks import ONE, dec
from liveswap.venues.quotes import Quote


@dataclass(slots=True)
class _Held:
    ticker: str
    side: str  # yes | no
    shares: float
    window_end: int | None


def ack_result(ack: KalshiOrderAck, plan: Plan, ts: int) -> OrderResult:
    """The engine's view of a create-order answer when the full order cannot be read back."""
    if ack.fill_count <= 0:
        return OrderResult(ack.client_order_id, "rejected", venue_order_id=ack.order_id, ts=ts,
                           reason=f"kalshi: immediate-or-cancel {plan.side.upper()} buy of {plan.count} at "
                                  f"{plan.limit}: nothing filled")
    avg = ack.average_fill_price if ack.average_fill_price is not None else plan.yes_price
    price = avg if plan.side == "yes" else ONE - avg
    fee = (ack.average_fee_paid or Decimal(0)) * ack.fill_count
    return OrderResult(ack.client_order_id, "filled", venue_order_id=ack.order_id, price=float(price),
                       shares=float(ack.fill_count), fee=float(fee), ts=ts)


def order_result(order: KalshiOrder, ts: int) -> OrderResult:
    """What a Kalshi order means for the engine: filled (any contracts), pending, or rejected."""
    if order.fill_count > 0:
        count = dec(order.fill_count)
        cost = micro(dec(order.fill_cost)) if order.fill_cost else micro(dec(order.price or 0.0) * count)
        return OrderResult(order.client_order_id, "filled", venue_order_id=order.order_id,
                           price=micro(cost / count), shares=count, fee=micro(dec(order.fees)), ts=ts, cost=cost)
    if order.status in ("resting", "pending"):
        return OrderResult(order.client_order_id, "pending", venue_order_id=order.order_id, ts=ts)
    limit = f" at {dec(order.price)}" if order.price is not None else ""
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
        self._resting: dict[str, str] = {}  # client order id -> venue order id, from open_orders
        self._lock = threading.Lock()

    def close(self) -> None:
        self.client.close()

    def simulate(self, order: OrderRequest, quote: Quote) -> SimFill:
        """What :meth:`submit` would get for ``order`` on the book ``quote`` carries (a shadow's fill)."""
        if not isinstance(quote.book, KalshiSeen):
            return rejected(f"kalshi: the order book of {quote.contract} was not read at decision time")
        return simulate(quote.book, order, max_contracts=self.max_contracts)

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
        """Place ``order`` (see the module docstring); :class:`BrokerError` if the venue cannot be asked."""
        try:
            return self._submit(order)
        except VenueError as exc:
            raise BrokerError(exc.reason) from exc

    def _submit(self, order: OrderRequest) -> OrderResult:
        cid = order.client_order_id
        with self._lock:
            known = self._results.get(cid)
            if known is not None and known.status != "pending":
                return known
            try:
                market = Market.parse(order.market)
            except MarketError as exc:
                return self._reject(cid, str(exc))
            side: Literal["yes", "no"] = "yes" if order.side == "up" else "no"
            try:
                km = self.quotes.window_market(market, order.window_start)
            except VenueRejected as exc:
                return self._reject(cid, str(exc))
            placed = self.client.find_order(cid, ticker=km.ticker)
            if placed is not None:
                return self._remember(order_result(placed, self._now()), placed, order.window_end)
            if km.status not in TRADING:
                return self._reject(cid, f"kalshi: market {km.ticker} is {km.status or 'not trading'}")
            plan = plan_buy(km, self.client.orderbook(km.ticker), side=side, stake=order.stake,
                            max_price=order.max_price, max_contracts=self.max_contracts)
            if isinstance(plan, str):
                return self._reject(cid, plan)
            return self._place(order, km, plan, side)

    def _place(self, order: OrderRequest, km: KalshiMarket, plan: Plan, side: Literal["yes", "no"]) -> OrderResult:
        """Send the planned order and book the venue's answer (under the lock, after the checks)."""
        cid = order.client_order_id
        body = order_body(ticker=km.ticker, client_order_id=cid, book_side=plan.book_side,
                          count=plan.count, price=plan.yes_price)
        try:
            ack = self.client.create_order(body)
        except VenueRejected as exc:
            result = self._reject(cid, str(exc))
            self._results[cid] = result
            return result
        if ack.fill_count > 0:
            try:  # the full order carries the venue's exact cost and fees
                placed = self.client.order(ack.order_id)
                return self._remember(order_result(placed, self._now()), placed, order.window_end)
            except VenueError as exc:
                logger.warning("kalshi: order {} filled; reading it back failed ({}), booking the answer",
                               ack.order_id, exc)
        result = ack_result(ack, plan, self._now())
        self._results[cid] = result
        if result.status == "filled":
            self._held[cid] = _Held(km.ticker, side, result.shares, order.window_end)
        return result

    def lookup(self, client_order_id: str) -> OrderResult | None:
        try:
            return self._lookup(client_order_id)
        except VenueError as exc:
            raise BrokerError(exc.reason) from exc

    def _lookup(self, client_order_id: str) -> OrderResult | None:
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

    def open_orders(self, market: str) -> list[str]:
        """Client order ids of the account's orders resting on ``market``'s series (any window)."""
        try:
            series = self.quotes.series.get(Market.parse(market).name)
        except MarketError as exc:
            raise BrokerError(str(exc)) from exc
        if series is None:
            return []
        try:
            resting = self.client.orders(status="resting")
        except VenueError as exc:
            raise BrokerError(exc.reason) from exc
        found = [o for o in resting if o.ticker.startswith(f"{series}-") and o.client_order_id]
        with self._lock:
            self._resting.update({o.client_order_id: o.order_id for o in found})
        return [o.client_order_id for o in found]

    def cancel(self, client_order_id: str) -> None:
        """Cancel a resting order by its client id (:class:`BrokerError` if the venue refuses or cannot
        be asked; an order no longer resting is left as it is)."""
        try:
            with self._lock:
                order_id = self._resting.pop(client_order_id, None)
            if order_id is None:
                placed = self.client.find_order(client_order_id)
                if placed is None or placed.status != "resting":
                    return
                order_id = placed.order_id
            self.client.cancel_order(order_id)
        except VenueError as exc:
            raise BrokerError(exc.reason) from exc

    def balance(self) -> Decimal:
        """The account's available balance in dollars."""
        try:
            return micro(dec(self.client.balance()))
        except VenueError as exc:
            raise BrokerError(exc.reason) from exc
