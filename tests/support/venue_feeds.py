"""Shared set-up for venue feed and live-paper tests: local Binance/Polymarket routes and clients."""

from __future__ import annotations

from liveswap.venues._http import RetryPolicy, VenueHttp
from liveswap.venues.polymarket.client import PolymarketClient
from liveswap.venues.polymarket.feed import PolymarketQuotes

from tests.support.venue_server import T0, Reply, VenueServer, fixture

NOW = T0 + 905  # just after the 15-minute boundary
UP = "71321045679252212594626385532706912750332728571942532289631379312455583992563"


def vhttp(server, venue: str, prefix: str = "") -> VenueHttp:
    return VenueHttp(venue, server.url + prefix, timeout=0.3, retry=RetryPolicy(attempts=1), sleep=lambda s: None)


def serve_binance(server: VenueServer, server_time: float | None = None) -> None:
    """Klines from the fixtures; ``GET /api/v3/time`` answers ``server_time`` (default: NOW)."""
    server.route("GET", "/api/v3/klines", lambda req: Reply(200, fixture(f"binance_klines_{req.query['interval']}")))
    server.json("GET", "/api/v3/time", {"serverTime": int((NOW if server_time is None else server_time) * 1000)})


def serve_polymarket(server) -> None:
    server.json("GET", f"/markets/slug/btc-updown-5m-{T0 + 900}", fixture("polymarket_market_5m"))
    server.json("GET", f"/markets/slug/btc-updown-15m-{T0 + 900}", fixture("polymarket_market_15m_v2"))
    server.route("GET", "/book",
                 lambda req: Reply(200, {**fixture("polymarket_book"), "asset_id": req.query["token_id"]}))


def poly_quotes(server) -> PolymarketQuotes:
    return PolymarketQuotes(PolymarketClient(vhttp(server, "polymarket"), vhttp(server, "polymarket")),
                            clock=lambda: NOW)


class Clock:
    """A settable clock for feeds and brokers."""

    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now
