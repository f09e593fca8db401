"""Venue feeds (Binance/Coinbase bars + Kalshi/Polymarket up prices) and the live-paper broker,
all against a real local HTTP server; plus the factory's names and the Polymarket read-only rule."""

from __future__ import annotations

import copy

import pytest
from liveswap.brokers.base import OrderRequest
from liveswap.brokers.live_paper import LivePaperBroker
from liveswap.feeds.base import FeedError
from liveswap.feeds.venue_feed import VenueFeed
from liveswap.markets import Market
from liveswap.settings import PaperSettings, Settings
from liveswap.venues.binance import BinanceBars
from liveswap.venues.coinbase import CoinbaseBars
from liveswap.venues.errors import MalformedResponse, VenueConfigError
from liveswap.venues.factory import make_broker, make_feed
from liveswap.venues.http import RetryPolicy, VenueHttp
from liveswap.venues.kalshi import KalshiClient, KalshiQuotes
from liveswap.venues.polymarket import PolymarketClient, PolymarketQuotes, updown_slug

from tests.support.venue_server import T0, Reply, fixture

NOW = T0 + 905  # just after the 15-minute boundary
UP = "71321045679252212594626385532706912750332728571942532289631379312455583992563"


def vhttp(server, venue: str, prefix: str = "") -> VenueHttp:
    return VenueHttp(venue, server.url + prefix, timeout=0.3, retry=RetryPolicy(attempts=1), sleep=lambda s: None)


def serve_binance(server) -> None:
    server.route("GET", "/api/v3/klines", lambda req: Reply(200, fixture(f"binance_klines_{req.query['interval']}")))


def serve_polymarket(server) -> None:
    server.json("GET", f"/markets/slug/btc-updown-5m-{T0 + 900}", fixture("polymarket_market_5m"))
    server.json("GET", f"/markets/slug/btc-updown-15m-{T0 + 900}", fixture("polymarket_market_15m_v2"))
    server.route("GET", "/book",
                 lambda req: Reply(200, {**fixture("polymarket_book"), "asset_id": req.query["token_id"]}))


def poly_quotes(server) -> PolymarketQuotes:
    return PolymarketQuotes(PolymarketClient(vhttp(server, "polymarket"), vhttp(server, "polymarket")),
                            clock=lambda: NOW)


def test_binance_feed_returns_closed_candles_in_range_ordered_by_end_then_market(server) -> None:
    serve_binance(server)
    feed = VenueFeed("binance", ["BTC-5m", "BTC-15m"], BinanceBars(vhttp(server, "binance")), clock=lambda: NOW)
    candles = feed.closed_candles(T0, T0 + 3600)  # until is capped at the clock: the open kline is left out
    assert [(c.market, c.end) for c in candles] == [
        ("BTC-5m", T0 + 300), ("BTC-5m", T0 + 600), ("BTC-15m", T0 + 900), ("BTC-5m", T0 + 900)]
    first = candles[0]
    assert (first.open, first.high, first.low, first.close, first.volume, first.up_price) == (
        94000.0, 94100.5, 93950.0, 94050.25, 12.5, None)
    assert feed.closed_candles(T0 + 300, T0 + 600)[0].end == T0 + 600  # since < end <= until
    assert feed.stale_markets() == {}
    query = server.requests[0].query
    assert query["symbol"] == "BTCUSDT" and query["interval"] in ("5m", "15m")


def test_coinbase_bars_come_newest_first_and_are_reordered(server) -> None:
    server.json("GET", "/products/BTC-USD/candles", fixture("coinbase_candles_5m"))
    bars = CoinbaseBars(vhttp(server, "coinbase")).bars("BTC", 300, T0, T0 + 900)
    assert [b.end for b in bars] == [T0 + 300, T0 + 600, T0 + 900]
    assert (bars[0].open, bars[0].low, bars[0].high, bars[0].close) == (94001.0, 93948.0, 94099.0, 94049.0)
    assert server.requests[0].query["granularity"] == "300"
    assert server.requests[0].query["start"] == "2026-01-01T00:00:00Z"


def test_polymarket_feed_fills_up_price_only_for_the_live_window(server) -> None:
    serve_binance(server)
    serve_polymarket(server)
    feed = VenueFeed("polymarket", ["BTC-5m", "BTC-15m"], BinanceBars(vhttp(server, "binance")),
                     poly_quotes(server), clock=lambda: NOW)
    candles = {(c.market, c.end): c.up_price for c in feed.closed_candles(T0, NOW)}
    assert candles == {("BTC-5m", T0 + 300): None, ("BTC-5m", T0 + 600): None,
                       ("BTC-5m", T0 + 900): 0.51, ("BTC-15m", T0 + 900): 0.51}
    books = [r.query["token_id"] for r in server.requests if r.path == "/book"]
    assert sorted(books) == sorted([UP, UP[::-1]])  # 5m market (clobTokenIds), 15m market (V2 positionIds)


def test_kalshi_feed_uses_the_series_market_and_leaves_unlisted_markets_at_none(server) -> None:
    serve_binance(server)
    server.json("GET", "/trade-api/v2/markets", fixture("kalshi_markets_fp"))
    quotes = KalshiQuotes(KalshiClient(vhttp(server, "kalshi", "/trade-api/v2")), {"BTC-15m": "KXBTC15M"})
    feed = VenueFeed("kalshi", ["BTC-5m", "BTC-15m"], BinanceBars(vhttp(server, "binance")), quotes,
                     clock=lambda: NOW)
    latest = {c.market: c.up_price for c in feed.closed_candles(T0 + 600, NOW)}
    assert latest == {"BTC-15m": 0.55, "BTC-5m": None}


def test_a_market_with_bad_venue_data_is_left_out_and_reported(server) -> None:
    serve_binance(server)
    serve_polymarket(server)
    broken = copy.deepcopy(fixture("polymarket_market_15m_v2"))
    broken["positionIds"] = "[\"only-one\"]"
    server.json("GET", f"/markets/slug/btc-updown-15m-{T0 + 900}", broken)
    feed = VenueFeed("polymarket", ["BTC-5m", "BTC-15m"], BinanceBars(vhttp(server, "binance")),
                     poly_quotes(server), clock=lambda: NOW)
    candles = feed.closed_candles(T0 + 600, NOW)
    assert [(c.market, c.up_price) for c in candles] == [("BTC-5m", 0.51)]
    assert feed.stale_markets() == {"BTC-15m": (
        f"polymarket: market btc-updown-15m-{T0 + 900}.clobTokenIds: expected 2 token ids (one per outcome), got 1")}


def test_missing_slug_and_missing_bars_are_reported_not_invented(server) -> None:
    server.route("GET", "/api/v3/klines", lambda req: Reply(200, fixture("binance_klines_5m")[:2]))
    serve_polymarket(server)
    server.route("GET", f"/markets/slug/btc-updown-5m-{T0 + 900}", Reply(404, {"error": "not found"}))
    feed = VenueFeed("polymarket", ["BTC-5m"], BinanceBars(vhttp(server, "binance")), poly_quotes(server),
                     clock=lambda: NOW)
    assert [c.end for c in feed.closed_candles(T0, NOW)] == [T0 + 300, T0 + 600]
    assert feed.stale_markets()["BTC-5m"] == "binance: no 5m candle ending at 2026-01-01T00:15:00Z"


def test_feed_error_only_when_no_market_can_be_read(server) -> None:
    server.route("GET", "/api/v3/klines", Reply(200, [[T0 * 1000, "1", "2", "0.5", None, "3", 0]]))
    feed = VenueFeed("binance", ["BTC-5m", "ETH-5m"], BinanceBars(vhttp(server, "binance")), clock=lambda: NOW)
    with pytest.raises(FeedError, match=r"binance: no market could be read \(binance: klines\[0\]\[4\] \(close\): "
                                        r"expected a number, got null\)"):
        feed.closed_candles(T0, NOW)
    with pytest.raises(MalformedResponse):
        BinanceBars(vhttp(server, "binance")).bars("BTC", 300, T0, NOW)


# --- live-paper broker ---------------------------------------------------------------------

def req(cid: str, side: str = "up", stake: float = 5.0, max_price: float | None = None) -> OrderRequest:
    return OrderRequest(cid, "BTC-5m", side, stake, T0 + 900, T0 + 1200, 0.51, max_price, NOW)


def live_paper(server, tmp_path, slippage: float = 0.01) -> LivePaperBroker:
    return LivePaperBroker(poly_quotes(server), tmp_path / "paper.sqlite", PaperSettings(slippage=slippage),
                           clock=lambda: NOW)


def test_live_paper_fills_at_the_live_ask_plus_slippage_with_the_fee(server, tmp_path) -> None:
    serve_polymarket(server)
    paper = live_paper(server, tmp_path)
    up = paper.submit(req("a"))  # the engine saw 0.51; the live ask is 0.52
    assert (up.status, up.price, round(up.shares, 6), up.fee) == ("filled", 0.53, round(5 / 0.53, 6), 0.17)
    down = paper.submit(req("b", side="down"))
    assert (down.price, down.fee) == (0.51, 0.18)  # 1 - best up bid 0.50, + slippage; ceil(0.1715)
    assert paper.submit(req("a")) == up and paper.lookup("a") == up and paper.lookup("zzz") is None
    refused = paper.submit(req("c", max_price=0.52))
    assert refused.status == "rejected" and "0.53 above max_price 0.52" in refused.reason
    books = sum(1 for r in server.requests if r.path == "/book")
    again = live_paper(server, tmp_path)  # a restart: the answer comes from the paper book, not the venue
    assert again.submit(req("a")) == up
    assert sum(1 for r in server.requests if r.path == "/book") == books


def test_live_paper_settles_from_the_window_candle(server, tmp_path) -> None:
    serve_polymarket(server)
    paper = live_paper(server, tmp_path, slippage=0.0)
    paper.submit(req("up"))
    paper.submit(req("down", side="down"))
    from liveswap.api.types import Candle

    window = Candle("BTC-5m", "5m", T0 + 900, T0 + 1200, 100.0, 101.0, 99.0, 100.0, 1.0, None)  # tie: up wins
    assert paper.settlements(T0 + 1100, [], ["up", "down"]) == []
    reports = {r.client_order_id: r for r in paper.settlements(T0 + 1200, [window], ["up", "down"])}
    assert reports["up"].won and reports["up"].payout == round(5 / 0.52, 6)
    assert not reports["down"].won and reports["down"].payout == 0.0


def test_live_paper_rejects_with_the_venue_reason_when_no_market(server, tmp_path) -> None:
    server.route("GET", f"/markets/slug/{updown_slug(Market.parse('BTC-5m'), T0 + 900)}", Reply(404, {}))
    result = live_paper(server, tmp_path).submit(req("x"))
    assert result.status == "rejected" and "HTTP 404" in result.reason and "btc-updown-5m-1767226500" in result.reason


# --- factory -------------------------------------------------------------------------------

def test_factory_names(tmp_path) -> None:
    s = Settings(home=tmp_path, markets=["BTC-5m"], feed="polymarket")
    assert make_feed("polymarket", s).name == "polymarket"
    assert make_feed("coinbase", s).bars.name == "coinbase"
    assert make_broker("paper", s).name == "polymarket-paper"
    assert make_broker("kalshi-paper", s).name == "kalshi-paper"
    with pytest.raises(VenueConfigError, match="polymarket is read-only in liveswap: .*EIP-712.*polymarket-paper"):
        make_broker("polymarket", s)
    with pytest.raises(VenueConfigError, match="needs venues.kalshi.key_id and venues.kalshi.private_key_file"):
        make_broker("kalshi", s)
    with pytest.raises(VenueConfigError, match="unknown venue feed 'nasdaq'"):
        make_feed("nasdaq", s)
