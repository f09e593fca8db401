"""Kalshi Trade API v2 client: markets, order books, orders, fills, positions, balance.

Reads of public market data are unsigned; portfolio calls are signed by
:class:`~liveswap.venues.kalshi.auth.KalshiSigner`. Responses are parsed by
:mod:`liveswap.venues.kalshi.parse`. Docs: https://docs.kalshi.com/api-reference

Orders use the current (V2) event-order API, as the official SDK ``kalshi-python-sync`` and
https://docs.kalshi.com/api-reference/orders/create-order-v2 describe it: ``POST
/portfolio/events/orders`` with ``side`` ``bid``/``ask`` on the YES book, ``count`` a fixed-point
string (``"8.00"``), ``price`` a dollar string on the YES book (``"0.4250"``), ``time_in_force``
and ``self_trade_prevention_type``, and nothing the SDK's ``CreateOrderV2Request`` (3.34) does not
declare: no ``outcome_side`` (the book side and the YES-book price say which outcome is bought), no
``type`` (removed: there are no market orders), no ``buy_max_cost`` (it turns an order into
fill-or-kill). Cancels: ``DELETE
/portfolio/events/orders/{order_id}`` (https://docs.kalshi.com/api-reference/orders/cancel-order-v2).
The legacy ``/portfolio/orders`` POST/DELETE are gone; ``GET /portfolio/orders[/{id}]`` still
reads orders.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any, Literal

from liveswap.venues._http import VenueHttp
from liveswap.venues.jsonfields import Obj
from liveswap.venues.kalshi.parse import (
    KalshiCancelAck,
    KalshiFill,
    KalshiMarket,
    KalshiOrder,
    KalshiOrderAck,
    KalshiPosition,
    OrderBook,
    V,
    parse_cancel_ack,
    parse_fill,
    parse_market,
    parse_order,
    parse_order_ack,
    parse_orderbook,
    parse_position,
)

ORDERS_V2 = "/portfolio/events/orders"
TimeInForce = Literal["immediate_or_cancel", "fill_or_kill", "good_till_canceled"]


def order_body(*, ticker: str, client_order_id: str, book_side: Literal["bid", "ask"], count: int,
               price: Decimal, time_in_force: TimeInForce = "immediate_or_cancel") -> dict[str, Any]:
    """The exact ``POST /portfolio/events/orders`` body (see the module docstring).

    ``price`` is on the YES book (buying NO at 0.575 is an ``ask`` at 0.425) and already on the
    market's grid; it is written with 4 decimals (6 if finer), never rounded.
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    if not Decimal(0) < price < Decimal(1):
        raise ValueError(f"price {price} is outside (0, 1)")
    text = f"{price:.4f}" if price == price.quantize(Decimal("0.0001")) else f"{price:.6f}"
    return {
        "ticker": ticker,
        "client_order_id": client_order_id,
        "side": book_side,
        "count": f"{count}.00",
        "price": text,
        "time_in_force": time_in_force,
        "self_trade_prevention_type": "taker_at_cross",
    }

PROD_URL = "https://api.elections.kalshi.com/trade-api/v2"
DEMO_URL = "https://demo-api.kalshi.co/trade-api/v2"
TIERS: dict[str, tuple[float, float]] = {
    # reads/s, writes/s (https://docs.kalshi.com/getting_started/rate_limits)
    "basic": (20, 10),
    "advanced": (30, 30),
    "premier": (100, 100),
    "prime": (400, 400),
}


class KalshiClient:
    """Typed calls over :class:`VenueHttp` (base URL ends in ``/trade-api/v2``)."""

    def __init__(self, http: VenueHttp) -> None:
        self.http = http

    def close(self) -> None:
        self.http.close()

    def _pages(self, path: str, params: dict[str, Any], key: str, auth: bool, max_pages: int = 20) -> Iterator[Obj]:
        cursor: str | None = None
        for _ in range(max_pages):
            raw = self.http.get(path, {**params, "cursor": cursor}, auth=auth)
            body = Obj(V, path.strip("/").replace("/", "."), raw)
            yield from body.items(key, required=False)
            cursor = body.str("cursor", required=False)
            if not cursor:
                return

    # --- market data (public) ------------------------------------------------------------
    def markets(self, *, series_ticker: str | None = None, status: str | None = None,
                min_close_ts: int | None = None, max_close_ts: int | None = None,
                limit: int = 200) -> list[KalshiMarket]:
        params = {"series_ticker": series_ticker, "status": status, "min_close_ts": min_close_ts,
                  "max_close_ts": max_close_ts, "limit": limit}
        return [parse_market(m) for m in self._pages("/markets", params, "markets", auth=False)]

    def market(self, ticker: str) -> KalshiMarket:
        return parse_market(Obj(V, "market response", self.http.get(f"/markets/{ticker}")).obj("market"))

    def orderbook(self, ticker: str, depth: int | None = None) -> OrderBook:
        return parse_orderbook(self.http.get(f"/markets/{ticker}/orderbook", {"depth": depth}))

    # --- portfolio (signed) --------------------------------------------------------------
    def create_order(self, body: dict[str, Any]) -> KalshiOrderAck:
        """Send an order built by :func:`order_body`. ``client_order_id`` makes the POST safe to
        retry only on 429/connection refused (see ``_http``); anything else is looked up."""
        raw = self.http.post(ORDERS_V2, body)
        return parse_order_ack(Obj(V, "create order response", raw))

    def cancel_order(self, order_id: str) -> KalshiCancelAck:
        raw = self.http.delete(f"{ORDERS_V2}/{order_id}")
        return parse_cancel_ack(Obj(V, "cancel order response", raw))

    def order(self, order_id: str) -> KalshiOrder:
        body = self.http.get(f"/portfolio/orders/{order_id}", auth=True)
        return parse_order(Obj(V, "order response", body).obj("order"))

    def orders(self, *, ticker: str | None = None, status: str | None = None,
               min_ts: int | None = None) -> list[KalshiOrder]:
        params = {"ticker": ticker, "status": status, "min_ts": min_ts, "limit": 200}
        return [parse_order(o) for o in self._pages("/portfolio/orders", params, "orders", auth=True)]

    def find_order(self, client_order_id: str, *, ticker: str | None = None) -> KalshiOrder | None:
        """The order placed with ``client_order_id`` (scans the account's orders), or None."""
        for order in self.orders(ticker=ticker):
            if order.client_order_id == client_order_id:
                return order
        return None

    def fills(self, *, ticker: str | None = None, order_id: str | None = None,
              min_ts: int | None = None) -> list[KalshiFill]:
        params = {"ticker": ticker, "order_id": order_id, "min_ts": min_ts, "limit": 200}
        return [parse_fill(f) for f in self._pages("/portfolio/fills", params, "fills", auth=True)]

    def positions(self, *, ticker: str | None = None) -> list[KalshiPosition]:
        params = {"ticker": ticker, "limit": 200}
        return [parse_position(p) for p in self._pages("/portfolio/positions", params, "market_positions", auth=True)]

    def balance(self) -> float:
        """Available balance in dollars (``balance`` is in cents; ``balance_dollars`` if sent)."""
        body = Obj(V, "balance response", self.http.get("/portfolio/balance", auth=True))
        if body.has("balance_dollars"):
            return body.decimal("balance_dollars") or 0.0
        return (body.decimal("balance") or 0.0) / 100.0
