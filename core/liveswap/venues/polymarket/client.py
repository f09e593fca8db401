"""Polymarket reads: market discovery through Gamma, books and prices through the CLOB.

Orders go through :mod:`liveswap.venues.polymarket.broker` (the official ``py-clob-client-v2``,
optional extra ``liveswap[polymarket]``). Docs: https://docs.polymarket.com/market-data/overview
"""

from __future__ import annotations

from liveswap.venues._http import VenueHttp
from liveswap.venues.jsonfields import Obj
from liveswap.venues.polymarket.parse import Book, PolyMarket, V, parse_book, parse_market

GAMMA_URL = "https://gamma-api.polymarket.com"
CLOB_URL = "https://clob.polymarket.com"


class PolymarketClient:
    """Gamma (discovery) and CLOB (prices) reads."""

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
