"""Kalshi Trade API v2 client: markets, order books, orders, fills, positions, balance.

Reads of public market data are unsigned; portfolio calls are signed by
:class:`~liveswap.venues.kalshi_auth.KalshiSigner`. Both the 2026 fixed-point fields
(``yes_ask_dollars``, ``fill_count_fp``, ``orderbook_fp``, ``outcome_side``) and the legacy ones
(integer cents ``yes_ask``, ``fill_count``, ``orderbook``, ``side``) are accepted.
Docs: https://docs.kalshi.com/api-reference (markets, orderbook, portfolio/orders, fills,
positions, balance) and https://docs.kalshi.com/getting_started/orderbook_responses.

:class:`KalshiQuotes` turns a market name (``BTC-15m``) plus a window start into the quote of
that window's market in the configured series (``KXBTC15M``), matched by ``close_time``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from liveswap.markets import Market
from liveswap.venues.errors import MalformedResponse, NotFound, VenueRejected
from liveswap.venues.http import VenueHttp
from liveswap.venues.parse import Obj, cell, row
from liveswap.venues.quotes import Quote

PROD_URL = "https://api.elections.kalshi.com/trade-api/v2"
DEMO_URL = "https://demo-api.kalshi.co/trade-api/v2"
V = "kalshi"
TRADING = {"open", "active"}


@dataclass(frozen=True, slots=True)
class KalshiMarket:
    ticker: str
    event_ticker: str
    status: str
    open_time: int | None
    close_time: int
    yes_bid: float | None
    yes_ask: float | None
    last_price: float | None
    result: str  # "" until settled, then "yes" | "no" (or "void"...)
    floor_strike: float | None


@dataclass(frozen=True, slots=True)
class OrderBook:
    """Bids only, as Kalshi sends them: ``[(price dollars, contracts)]`` ascending (best last)."""

    yes_bids: list[tuple[float, float]]
    no_bids: list[tuple[float, float]]

    @property
    def best_yes_bid(self) -> float | None:
        return max((p for p, _ in self.yes_bids), default=None)

    @property
    def best_no_bid(self) -> float | None:
        return max((p for p, _ in self.no_bids), default=None)

    @property
    def yes_ask(self) -> float | None:
        """YES ask = 1 − best NO bid (a NO bid at p is a YES offer at 1 − p)."""
        bid = self.best_no_bid
        return None if bid is None else round(1.0 - bid, 6)

    @property
    def no_ask(self) -> float | None:
        bid = self.best_yes_bid
        return None if bid is None else round(1.0 - bid, 6)


@dataclass(frozen=True, slots=True)
class KalshiOrder:
    order_id: str
    client_order_id: str
    ticker: str
    side: str  # "yes" | "no" (the outcome the order is long)
    status: str  # resting | canceled | executed | pending
    fill_count: float
    remaining_count: float
    price: float | None  # limit price of ``side``, dollars
    fill_cost: float | None  # dollars paid for the filled contracts (taker + maker)
    fees: float  # dollars
    created_time: int | None


@dataclass(frozen=True, slots=True)
class KalshiFill:
    fill_id: str
    order_id: str
    ticker: str
    side: str
    action: str
    count: float
    price: float  # of ``side``, dollars
    fee: float
    is_taker: bool
    created_time: int | None


@dataclass(frozen=True, slots=True)
class KalshiPosition:
    ticker: str
    position: float  # > 0 YES contracts, < 0 NO contracts
    exposure: float
    realized_pnl: float
    fees_paid: float


def parse_market(obj: Obj) -> KalshiMarket:
    return KalshiMarket(
        ticker=obj.str("ticker") or "",
        event_ticker=obj.str("event_ticker", required=False) or "",
        status=obj.str("status") or "",
        open_time=obj.time("open_time", required=False),
        close_time=obj.time("close_time") or 0,
        yes_bid=obj.price("yes_bid_dollars", cents="yes_bid", required=False),
        yes_ask=obj.price("yes_ask_dollars", cents="yes_ask", required=False),
        last_price=obj.price("last_price_dollars", cents="last_price", required=False),
        result=obj.str("result", required=False) or "",
        floor_strike=obj.decimal("floor_strike", required=False),
    )


def _levels(values: list[Any], where: str, cents: bool) -> list[tuple[float, float]]:
    out = []
    for i, raw in enumerate(values):
        r = row(V, f"{where}[{i}]", raw, 2)
        price = cell(V, f"{where}[{i}][0] (price)", r[0])
        size = cell(V, f"{where}[{i}][1] (contracts)", r[1])
        out.append((price / 100.0 if cents else price, size))
    return out


def parse_orderbook(body: Any) -> OrderBook:
    top = Obj(V, "orderbook response", body)
    if top.has("orderbook_fp"):
        book = top.obj("orderbook_fp")
        return OrderBook(
            _levels(book.list("yes_dollars", required=False), "orderbook_fp.yes_dollars", cents=False),
            _levels(book.list("no_dollars", required=False), "orderbook_fp.no_dollars", cents=False),
        )
    book = top.obj("orderbook")
    if book.has("yes_dollars", "no_dollars"):
        return OrderBook(
            _levels(book.list("yes_dollars", required=False), "orderbook.yes_dollars", cents=False),
            _levels(book.list("no_dollars", required=False), "orderbook.no_dollars", cents=False),
        )
    return OrderBook(
        _levels(book.list("yes", required=False), "orderbook.yes", cents=True),
        _levels(book.list("no", required=False), "orderbook.no", cents=True),
    )


def _dollars_or_cents(obj: Obj, dollars: str, cents: str) -> float | None:
    if obj.has(dollars):
        return obj.decimal(dollars)
    raw = obj.decimal(cents, required=False)
    return None if raw is None else raw / 100.0


def parse_order(obj: Obj) -> KalshiOrder:
    side = obj.str("outcome_side", "side") or ""
    price = obj.price(f"{side}_price_dollars", cents=f"{side}_price", required=False) if side in ("yes", "no") else None
    taker_cost = _dollars_or_cents(obj, "taker_fill_cost_dollars", "taker_fill_cost") or 0.0
    maker_cost = _dollars_or_cents(obj, "maker_fill_cost_dollars", "maker_fill_cost") or 0.0
    fees = (_dollars_or_cents(obj, "taker_fees_dollars", "taker_fees") or 0.0) + (
        _dollars_or_cents(obj, "maker_fees_dollars", "maker_fees") or 0.0
    )
    has_cost = obj.has("taker_fill_cost_dollars", "taker_fill_cost", "maker_fill_cost_dollars", "maker_fill_cost")
    return KalshiOrder(
        order_id=obj.str("order_id") or "",
        client_order_id=obj.str("client_order_id", required=False) or "",
        ticker=obj.str("ticker") or "",
        side=side,
        status=obj.str("status") or "",
        fill_count=obj.decimal("fill_count_fp", "fill_count", required=False) or 0.0,
        remaining_count=obj.decimal("remaining_count_fp", "remaining_count", required=False) or 0.0,
        price=price,
        fill_cost=taker_cost + maker_cost if has_cost else None,
        fees=round(fees, 6),
        created_time=obj.time("created_time", required=False),
    )


def parse_fill(obj: Obj) -> KalshiFill:
    side = obj.str("outcome_side", "side") or ""
    price = obj.price(f"{side}_price_dollars", f"{side}_price_fixed", cents=f"{side}_price")
    return KalshiFill(
        fill_id=obj.str("fill_id", "trade_id") or "",
        order_id=obj.str("order_id") or "",
        ticker=obj.str("ticker", "market_ticker") or "",
        side=side,
        action=obj.str("action", required=False) or "buy",
        count=obj.decimal("count_fp", "count") or 0.0,
        price=price or 0.0,
        fee=obj.decimal("fee_cost", "fee_cost_dollars", required=False) or 0.0,
        is_taker=obj.bool("is_taker", default=True),
        created_time=obj.time("created_time", "ts", required=False),
    )


def parse_position(obj: Obj) -> KalshiPosition:
    return KalshiPosition(
        ticker=obj.str("ticker", "market_ticker") or "",
        position=obj.decimal("position_fp", "position") or 0.0,
        exposure=_dollars_or_cents(obj, "market_exposure_dollars", "market_exposure") or 0.0,
        realized_pnl=_dollars_or_cents(obj, "realized_pnl_dollars", "realized_pnl") or 0.0,
        fees_paid=_dollars_or_cents(obj, "fees_paid_dollars", "fees_paid") or 0.0,
    )


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
            raise NotFound(f"kalshi: no {series} market closes at {window_end} (window of {market.name})")
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
        return Quote(V, m.ticker, window_start, window_start + market.seconds, m.yes_bid, m.yes_ask,
                     m.last_price, int(self._clock()))


