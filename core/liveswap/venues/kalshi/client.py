"""Kalshi Trade API v2 client: markets, order books, orders, fills, positions, balance.

Reads of public market data are unsigned; portfolio calls are signed by
:class:`~liveswap.venues.kalshi.auth.KalshiSigner`. Responses are parsed by
:mod:`liveswap.venues.kalshi.parse`.
Docs: https://docs.kalshi.com/api-reference
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from liveswap.venues._http import VenueHttp
from liveswap.venues.jsonfields import Obj
from liveswap.venues.kalshi.parse import (
    KalshiFill,
    KalshiMarket,
    KalshiOrder,
    KalshiPosition,
    OrderBook,
    V,
    parse_fill,
    parse_market,
    parse_order,
    parse_orderbook,
    parse_position,
)

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
    def create_order(self, *, ticker: str, side: str, count: int, price: float, client_order_id: str,
                     action: str = "buy", time_in_force: str = "immediate_or_cancel",
                     buy_max_cost_cents: int | None = None) -> KalshiOrder:
        """Place a limit order of ``count`` contracts of ``side`` at ``price`` dollars (IOC by default)."""
        cents = int(round(price * 100))
        body: dict[str, Any] = {
            "ticker": ticker,
            "side": side,
            "action": action,
            "count": count,
            "type": "limit",
            f"{side}_price": cents,
            "client_order_id": client_order_id,
            "time_in_force": time_in_force,
        }
        if buy_max_cost_cents is not None:
            body["buy_max_cost"] = buy_max_cost_cents
        # A client_order_id makes the POST safe to retry on 429/connect errors only (see http.py).
        resp = Obj(V, "create order response", self.http.post("/portfolio/orders", body))
        return parse_order(resp.obj("order"))

    def cancel_order(self, order_id: str) -> KalshiOrder:
        body = self.http.delete(f"/portfolio/orders/{order_id}")
        return parse_order(Obj(V, "cancel order response", body).obj("order"))

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
