"""Polymarket reads: market discovery through Gamma, prices and books through the CLOB.

**Read-only.** Placing Polymarket orders needs its EIP-712 order signing (CLOB V2, a wallet key),
which liveswap does not implement: use Polymarket for data and paper orders
(``--broker polymarket-paper``); selecting it as a real broker fails with that reason.

The short crypto up/down markets have slugs ``{btc|eth|sol|xrp}-updown-{5m|15m}-{window start}``.
Gamma's ``outcomes``/``outcomePrices``/``clobTokenIds`` are JSON text inside strings, paired by
index (newer markets may carry ``positionIds`` instead of ``clobTokenIds``). The CLOB book has
string prices; we take the max bid and min ask ourselves.
Docs: https://docs.polymarket.com/market-data/overview ,
https://docs.polymarket.com/api-reference/markets/get-market-by-slug ,
https://docs.polymarket.com/api-reference/orderbook/get-order-book-summary
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from liveswap.markets import Market
from liveswap.venues.errors import MalformedResponse, VenueRejected
from liveswap.venues.http import VenueHttp
from liveswap.venues.parse import Obj
from liveswap.venues.quotes import Quote

GAMMA_URL = "https://gamma-api.polymarket.com"
CLOB_URL = "https://clob.polymarket.com"
V = "polymarket"
ASSETS = ("BTC", "ETH", "SOL", "XRP")
TIMEFRAMES = ("5m", "15m")
READ_ONLY_REASON = (
    "polymarket is read-only in liveswap: placing orders needs Polymarket's EIP-712 order signing, "
    "which liveswap does not implement; use --broker polymarket-paper (live prices, simulated orders)"
)


def updown_slug(market: Market, window_start: int) -> str:
    """``btc-updown-5m-1767225600`` for the BTC-5m window opening at that time."""
    return f"{market.asset.lower()}-updown-{market.timeframe}-{window_start}"


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


@dataclass(frozen=True, slots=True)
class Book:
    token_id: str
    bids: list[tuple[float, float]]
    asks: list[tuple[float, float]]
    last_trade: float | None
    ts: int | None

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
    )


class PolymarketClient:
    """Gamma (discovery) and CLOB (prices) reads; no order placement (see module docstring)."""

    def __init__(self, gamma: VenueHttp, clob: VenueHttp) -> None:
        self.gamma = gamma
        self.clob = clob

    def close(self) -> None:
        self.gamma.close()
        self.clob.close()

    def market_by_slug(self, slug: str) -> PolyMarket:
        body = self.gamma.get(f"/markets/slug/{slug}")
        return parse_market(Obj(V, f"market {slug}", body))

    def event_markets(self, slug: str) -> list[PolyMarket]:
        body = Obj(V, f"event {slug}", self.gamma.get(f"/events/slug/{slug}"))
        return [parse_market(m) for m in body.items("markets")]

    def book(self, token_id: str) -> Book:
        return parse_book(self.clob.get("/book", {"token_id": token_id}), token_id)

    def price(self, token_id: str, side: str) -> float:
        """``side`` BUY or SELL, as the CLOB defines it."""
        return Obj(V, "price", self.clob.get("/price", {"token_id": token_id, "side": side})).decimal("price") or 0.0

    def midpoint(self, token_id: str) -> float:
        return Obj(V, "midpoint", self.clob.get("/midpoint", {"token_id": token_id})).decimal("mid", "mid_price") or 0.0

    def place_order(self, *_: Any, **__: Any) -> None:
        raise VenueRejected(READ_ONLY_REASON)


class PolymarketQuotes:
    """:class:`~liveswap.venues.quotes.QuoteSource`: Gamma slug → up token → CLOB book."""

    name = "polymarket"

    def __init__(self, client: PolymarketClient, clock: Callable[[], float] = time.time) -> None:
        self.client = client
        self._clock = clock
        self._markets: dict[str, PolyMarket] = {}

    def close(self) -> None:
        self.client.close()

    def supports(self, market: Market) -> bool:
        return market.asset in ASSETS and market.timeframe in TIMEFRAMES

    def window_market(self, market: Market, window_start: int) -> PolyMarket:
        if not self.supports(market):
            raise VenueRejected(f"polymarket: no up/down markets for {market.name}")
        slug = updown_slug(market, window_start)
        found = self._markets.get(slug)
        if found is None:
            found = self.client.market_by_slug(slug)
            self._markets[slug] = found
            if len(self._markets) > 512:
                self._markets.pop(next(iter(self._markets)))
        return found

    def quote(self, market: Market, window_start: int) -> Quote:
        pm = self.window_market(market, window_start)
        if pm.closed or not pm.active:
            raise VenueRejected(f"polymarket: market {pm.slug} is closed")
        token = pm.up_token
        book = self.client.book(token)
        return Quote(V, token, window_start, window_start + market.seconds, book.best_bid, book.best_ask,
                     book.last_trade, int(self._clock()))
