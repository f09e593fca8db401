"""Polymarket Gamma and CLOB responses → typed records.

Gamma's ``outcomes``/``outcomePrices``/``clobTokenIds`` are JSON text inside strings, paired by
index (newer markets may carry ``positionIds`` instead of ``clobTokenIds``). The CLOB book has
string prices; we take the max bid and min ask ourselves.
Docs: https://docs.polymarket.com/api-reference/markets/get-market-by-slug ,
https://docs.polymarket.com/api-reference/orderbook/get-order-book-summary
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from liveswap.exceptions import MalformedResponse
from liveswap.venues.jsonfields import Obj

V = "polymarket"


@dataclass(frozen=True, slots=True)
class PolyMarket:
    slug: str
    condition_id: str
    question: str
    start: int | None
    end: int | None
    active: bool
    closed: bool
    accepting_orders: bool
    tokens: dict[str, str]  # outcome (lower case) -> CLOB token id
    outcome_prices: dict[str, float]
    fees_enabled: bool

    @property
    def up_token(self) -> str:
        for name in ("up", "yes"):
            if name in self.tokens:
                return self.tokens[name]
        raise MalformedResponse(f"polymarket: market {self.slug}: no Up outcome in {sorted(self.tokens)}")

    @property
    def down_token(self) -> str:
        for name in ("down", "no"):
            if name in self.tokens:
                return self.tokens[name]
        raise MalformedResponse(f"polymarket: market {self.slug}: no Down outcome in {sorted(self.tokens)}")


@dataclass(frozen=True, slots=True)
class Book:
    token_id: str
    bids: list[tuple[float, float]]
    asks: list[tuple[float, float]]
    last_trade: float | None
    ts: int | None
    tick_size: str = "0.01"  # the CLOB's minimum tick, as the SDK's TickSize names it
    min_order_size: float = 0.0  # shares
    neg_risk: bool = False

    @property
    def best_bid(self) -> float | None:
        return max((p for p, _ in self.bids), default=None)

    @property
    def best_ask(self) -> float | None:
        return min((p for p, _ in self.asks), default=None)


def parse_market(obj: Obj) -> PolyMarket:
    outcomes = [str(o) for o in obj.json_list("outcomes")]
    tokens = [str(t) for t in obj.json_list("clobTokenIds", "positionIds")]
    prices = obj.json_list("outcomePrices", required=False)
    if len(tokens) != len(outcomes):
        raise MalformedResponse(
            f"polymarket: {obj.where}.clobTokenIds: expected {len(outcomes)} token ids (one per outcome), "
            f"got {len(tokens)}"
        )
    paired_prices: dict[str, float] = {}
    for i, (name, raw) in enumerate(zip(outcomes, prices, strict=False)):
        price = Obj(V, obj.where, {f"outcomePrices[{i}]": raw}).decimal(f"outcomePrices[{i}]")
        paired_prices[name.lower()] = price or 0.0
    return PolyMarket(
        slug=obj.str("slug") or "",
        condition_id=obj.str("conditionId", required=False) or "",
        question=obj.str("question", required=False) or "",
        start=obj.time("eventStartTime", "startTime", required=False),
        end=obj.time("endDate", "endDateIso", required=False),
        active=obj.bool("active", default=True),
        closed=obj.bool("closed", default=False),
        accepting_orders=obj.bool("acceptingOrders", default=True),
        tokens={name.lower(): token for name, token in zip(outcomes, tokens, strict=True)},
        outcome_prices=paired_prices,
        fees_enabled=obj.bool("feesEnabled", default=False),
    )


def _levels(book: Obj, name: str) -> list[tuple[float, float]]:
    out = []
    for level in book.items(name, required=False):
        out.append((level.decimal("price") or 0.0, level.decimal("size") or 0.0))
    return out


def parse_book(body: Any, token_id: str) -> Book:
    book = Obj(V, "book", body)
    return Book(
        token_id=book.str("asset_id", required=False) or token_id,
        bids=_levels(book, "bids"),
        asks=_levels(book, "asks"),
        last_trade=book.decimal("last_trade_price", required=False),
        ts=book.time("timestamp", required=False),
        tick_size=_tick(book),
        min_order_size=book.decimal("min_order_size", required=False) or 0.0,
        neg_risk=book.bool("neg_risk", default=False),
    )


def _tick(book: Obj) -> str:
    """The book's ``tick_size`` normalised to the CLOB's names ("0.01", "0.001", ...)."""
    raw = book.data.get("tick_size")
    if raw is None:
        return "0.01"
    value = book.decimal("tick_size") or 0.01
    return format(value, "f").rstrip("0") if value < 1 else "1"
