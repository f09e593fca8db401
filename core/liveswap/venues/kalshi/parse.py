"""Kalshi Trade API v2 responses → typed records; old and new field names both read.

Both the 2026 fixed-point fields (``yes_ask_dollars``, ``fill_count_fp``, ``orderbook_fp``,
``outcome_side``) and the legacy ones (integer cents ``yes_ask``, ``fill_count``, ``orderbook``,
``side``) are accepted; every failure names the field.
Docs: https://docs.kalshi.com/api-reference (markets, orderbook, portfolio/orders, fills,
positions, balance) and https://docs.kalshi.com/getting_started/orderbook_responses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from liveswap.venues.jsonfields import Obj, cell, row

V = "kalshi"


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
