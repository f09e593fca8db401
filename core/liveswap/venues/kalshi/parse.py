"""Kalshi Trade API v2 responses → typed records; old and new field names both read.

Both the 2026 fixed-point fields (``yes_ask_dollars``, ``fill_count_fp``, ``orderbook_fp``,
``outcome_side``) and the legacy ones (integer cents ``yes_ask``, ``fill_count``, ``orderbook``,
``side``) are accepted; every failure names the field.
Docs: https://docs.kalshi.com/api-reference (markets, orderbook, portfolio/orders, fills,
positions, balance) and https://docs.kalshi.com/getting_started/orderbook_responses.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from liveswap.exceptions import MalformedResponse
from liveswap.venues.jsonfields import Obj, cell, row
from liveswap.venues.kalshi.ticks import STRUCTURES, PriceRange

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
    price_ranges: tuple[PriceRange, ...] = ()  # the order price grid; () when the market does not say


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
    """An order as ``GET /portfolio/orders[/{id}]`` returns it (the full object)."""

    order_id: str
    client_order_id: str
    ticker: str
    side: str  # "yes" | "no" (the outcome the order is long: ``outcome_side``, else legacy ``side``)
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


@dataclass(frozen=True, slots=True)
class KalshiOrderAck:
    """What ``POST /portfolio/events/orders`` answers (no ``order`` wrapper, no status or price).

    ``average_fill_price`` is on the YES book, as the request's ``price``; ``average_fee_paid``
    is per contract. Docs: https://docs.kalshi.com/api-reference/orders/create-order-v2
    """

    order_id: str
    client_order_id: str
    fill_count: Decimal
    remaining_count: Decimal
    average_fill_price: Decimal | None
    average_fee_paid: Decimal | None
    ts_ms: int | None


@dataclass(frozen=True, slots=True)
class KalshiCancelAck:
    """What ``DELETE /portfolio/events/orders/{order_id}`` answers."""

    order_id: str
    client_order_id: str
    reduced_by: Decimal


def exact(obj: Obj, *names: str, required: bool = True) -> Decimal | None:
    """A fixed-point decimal string (or JSON number) as an exact Decimal, naming the field on failure."""
    name = next((n for n in names if obj.data.get(n) is not None), names[0])
    value = obj.data.get(name)
    if value is None:
        if required:
            raise MalformedResponse(f"{V}: {obj.where}.{name}: expected a decimal string, got null")
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise MalformedResponse(f"{V}: {obj.where}.{name}: expected a decimal string, got {type(value).__name__}")
    try:
        out = Decimal(str(value).strip())
    except InvalidOperation:
        raise MalformedResponse(f"{V}: {obj.where}.{name}: expected a decimal string, got {value!r:.24}") from None
    if not out.is_finite():
        raise MalformedResponse(f"{V}: {obj.where}.{name}: expected a finite decimal, got {value!r:.24}")
    return out


def parse_price_ranges(obj: Obj) -> tuple[PriceRange, ...]:
    """The market's price grid from ``price_ranges``, else ``price_level_structure``, else ``tick_size``."""
    if obj.has("price_ranges"):
        out = []
        for item in obj.items("price_ranges"):
            start, end, step = (exact(item, k) or Decimal(0) for k in ("start", "end", "step"))
            if step <= 0 or start > end:
                raise MalformedResponse(f"{V}: {item.where}: not a price range ({start}..{end} step {step})")
            out.append(PriceRange(start, end, step))
        return tuple(out)
    structure = obj.str("price_level_structure", required=False)
    if structure in STRUCTURES:
        return STRUCTURES[structure]
    tick = obj.decimal("tick_size", required=False)
    if tick:
        return (PriceRange(Decimal(0), Decimal(1), Decimal(str(int(tick))) / 100),)
    return ()


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
        price_ranges=parse_price_ranges(obj),
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


def parse_order_ack(obj: Obj) -> KalshiOrderAck:
    return KalshiOrderAck(
        order_id=obj.str("order_id") or "",
        client_order_id=obj.str("client_order_id", required=False) or "",
        fill_count=exact(obj, "fill_count", "fill_count_fp") or Decimal(0),
        remaining_count=exact(obj, "remaining_count", "remaining_count_fp", required=False) or Decimal(0),
        average_fill_price=exact(obj, "average_fill_price", required=False),
        average_fee_paid=exact(obj, "average_fee_paid", required=False),
        ts_ms=obj.int("ts_ms", required=False),
    )


def parse_cancel_ack(obj: Obj) -> KalshiCancelAck:
    return KalshiCancelAck(
        order_id=obj.str("order_id") or "",
        client_order_id=obj.str("client_order_id", required=False) or "",
        reduced_by=exact(obj, "reduced_by", "reduced_by_fp", required=False) or Decimal(0),
    )


BOOK_TO_OUTCOME = {"bid": "yes", "ask": "no"}  # a buy: bid on the YES book buys YES, ask sells YES = buys NO


def parse_order(obj: Obj) -> KalshiOrder:
    side = obj.str("outcome_side", "side") or ""
    side = BOOK_TO_OUTCOME.get(side, side)
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
