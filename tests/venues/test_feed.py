"""The venue feed: Binance bars + Kalshi/Polymarket up prices from a real local HTTP server.

What a user notices: candles in order with the live window's price; a candle whose bar or quote
is missing is held and retried, never skipped; past the deadline it is reported missed with the
reason; bars are asked for a grace period after close on the venue's clock, and the skew between
the local clock and the venue's is measured and shown.
"""

from __future__ import annotations

import copy

import pytest
from liveswap.exceptions import FeedError
from liveswap.feeds.base import Feed, MissedCandle, ReportsMissed
from liveswap.venues.binance.feed import BinanceBars
from liveswap.venues.feed import VenueFeed
from liveswap.venues.kalshi.client import KalshiClient
from liveswap.venues.kalshi.feed import KalshiQuotes

from tests.support.venue_feeds import NOW, UP, Clock, poly_quotes, serve_binance, serve_polymarket, vhttp
from tests.support.venue_server import T0, Reply, fixture


def binance_feed(server, markets=("BTC-5m", "BTC-15m"), quotes=None, clock=None, **kw) -> VenueFeed:
    return VenueFeed("binance" if quotes is None else quotes.name, list(markets), BinanceBars(vhttp(server, "binance")),
                     quotes, clock=clock or (lambda: NOW), **kw)


def test_closed_candles_in_range_ordered_by_end_then_market(server) -> None:
    serve_binance(server)
    feed = binance_feed(server)
    assert isinstance(feed, Feed) and isinstance(feed, ReportsMissed)
    candles = feed.closed_candles(T0, T0 + 3600)  # until is capped at the clock: the open kline is left out
    assert [(c.market, c.end) for c in candles] == [
        ("BTC-5m", T0 + 300), ("BTC-5m", T0 + 600), ("BTC-15m", T0 + 900), ("BTC-5m", T0 + 900)]
    first = candles[0]
    assert (first.open, first.high, first.low, first.close, first.volume, first.up_price) == (
        94000.0, 94100.5, 93950.0, 94050.25, 12.5, None)
    assert feed.closed_candles(T0 + 300, T0 + 600)[0].end == T0 + 600  # since < end <= until
    assert feed.stale_markets() == {} and feed.missed() == []
    kline = next(r for r in server.requests if r.path == "/api/v3/klines")
    assert kline.query["symbol"] == "BTCUSDT" and kline.query["interval"] in ("5m", "15m")


def test_bars_are_asked_for_only_a_grace_period_after_close_on_the_venue_clock(server) -> None:
    serve_binance(server, server_time=T0 + 901.5)  # the venue's clock is 3.5 s behind ours
    feed = binance_feed(server, markets=["BTC-5m"], bar_grace_seconds=2.0)
    assert feed.closed_candles(T0 + 600, NOW) == []  # venue time 901.5: the 900 bar closed 1.5 s ago
    assert feed.clock_skew_seconds == -3.5
    serve_binance(server, server_time=T0 + 905)
    fresh = binance_feed(server, markets=["BTC-5m"], bar_grace_seconds=2.0)
    assert [c.end for c in fresh.closed_candles(T0 + 600, NOW)] == [T0 + 900]
    assert fresh.clock_skew_seconds == 0.0


def test_skew_is_none_when_the_venue_has_no_clock_and_checked_again_later(server) -> None:
    serve_binance(server, server_time=T0 + 908)
    clock = Clock()
    feed = binance_feed(server, markets=["BTC-5m"], clock=clock, skew_check_seconds=300)
    feed.closed_candles(T0 + 600, NOW)
    assert feed.clock_skew_seconds == 3.0
    server.route("GET", "/api/v3/time", Reply(503, {"msg": "maintenance"}))
    clock.now += 301
    feed.closed_candles(T0 + 900, int(clock.now))
    assert feed.clock_skew_seconds == 3.0  # an unreadable clock keeps the last measurement
    assert sum(1 for r in server.requests if r.path == "/api/v3/time") == 2


def test_polymarket_fills_up_price_only_for_the_live_window(server) -> None:
    serve_binance(server)
    serve_polymarket(server)
    feed = binance_feed(server, quotes=poly_quotes(server))
    candles = {(c.market, c.end): c.up_price for c in feed.closed_candles(T0, NOW)}
    assert candles == {("BTC-5m", T0 + 300): None, ("BTC-5m", T0 + 600): None,
                       ("BTC-5m", T0 + 900): 0.51, ("BTC-15m", T0 + 900): 0.51}
    books = [r.query["token_id"] for r in server.requests if r.path == "/book"]
    assert sorted(books) == sorted([UP, UP[::-1]])  # 5m market (clobTokenIds), 15m market (V2 positionIds)


def test_kalshi_uses_the_series_market_and_leaves_unlisted_markets_at_none(server) -> None:
    serve_binance(server)
    server.json("GET", "/trade-api/v2/markets", fixture("kalshi_markets_fp"))
    quotes = KalshiQuotes(KalshiClient(vhttp(server, "kalshi", "/trade-api/v2")), {"BTC-15m": "KXBTC15M"})
    feed = binance_feed(server, quotes=quotes)
    latest = {c.market: c.up_price for c in feed.closed_candles(T0 + 600, NOW)}
    assert latest == {"BTC-15m": 0.55, "BTC-5m": None}


def test_a_missing_quote_is_held_and_retried_then_delivered_never_skipped(server) -> None:
    serve_binance(server)
    serve_polymarket(server)
    slug = f"/markets/slug/btc-updown-15m-{T0 + 900}"
    server.route("GET", slug, Reply(503, {"error": "busy"}), Reply(200, fixture("polymarket_market_15m_v2")))
    clock = Clock()
    feed = binance_feed(server, quotes=poly_quotes(server), clock=clock, retry_seconds=2, deadline_seconds=20)
    # the 15m quote is missing: the 5m candle, complete, comes out at once (issue 24, point 10: a market
    # never waits for another's quote); the 15m one is held
    candles = feed.closed_candles(T0 + 600, NOW)
    assert [(c.market, c.end, c.up_price) for c in candles] == [("BTC-5m", T0 + 900, 0.51)]
    assert feed.stale_markets()["BTC-15m"].startswith("waiting for the candle ending 2026-01-01T00:15:00Z: "
                                                      "polymarket: GET /markets/slug/btc-updown-15m-")
    cursor = T0 + 900  # the engine decided the 5m batch: its cursor is past the held candle's end
    assert feed.closed_candles(cursor, NOW) == []  # within retry_seconds: no new request
    clock.now += 2
    candles = feed.closed_candles(cursor, int(clock.now))  # retried: the venue answers now; it comes out late
    assert [(c.market, c.end, c.up_price) for c in candles] == [("BTC-15m", T0 + 900, 0.51)]
    assert feed.missed() == [] and feed.stale_markets() == {}
    assert feed.closed_candles(cursor, int(clock.now)) == []  # once


def test_past_the_deadline_a_missing_candle_is_reported_missed_with_the_reason(server) -> None:
    serve_binance(server)
    serve_polymarket(server)
    broken = copy.deepcopy(fixture("polymarket_market_15m_v2"))
    broken["positionIds"] = "[\"only-one\"]"
    server.json("GET", f"/markets/slug/btc-updown-15m-{T0 + 900}", broken)
    clock = Clock()
    feed = binance_feed(server, quotes=poly_quotes(server), clock=clock, retry_seconds=2, deadline_seconds=20)
    cursor = T0 + 600
    delivered = []
    while clock.now < NOW + 30:  # an engine's loop: the cursor moves only past delivered batches
        for c in feed.closed_candles(cursor, int(clock.now)):
            delivered.append((c.market, c.end))
            cursor = max(cursor, c.end)
        clock.now += 1
    reason = (f"polymarket: market btc-updown-15m-{T0 + 900}.clobTokenIds: expected 2 token ids (one per outcome), "
              "got 1")
    assert feed.missed() == [MissedCandle("BTC-15m", T0, T0 + 900, reason, T0 + 921)]  # retried every 2 s
    assert delivered == [("BTC-5m", T0 + 900)]  # after the deadline, the rest flows again
    assert feed.stale_markets()["BTC-15m"] == f"missed the candle ending 2026-01-01T00:15:00Z: {reason}"
    assert "\n" not in reason


def test_a_missing_bar_is_missed_not_invented_and_later_candles_flow(server) -> None:
    rows = fixture("binance_klines_5m")
    server.route("GET", "/api/v3/klines", lambda req: Reply(200, [rows[0], rows[2]]))  # the 600 bar never comes
    server.json("GET", "/api/v3/time", {"serverTime": NOW * 1000})
    feed = binance_feed(server, markets=["BTC-5m"], deadline_seconds=20)
    # catching up long after: 600 is past its deadline at once, 900 is within it but present
    candles = feed.closed_candles(T0, NOW)
    assert [c.end for c in candles] == [T0 + 300, T0 + 900]
    (miss,) = feed.missed()
    assert (miss.market, miss.start, miss.end) == ("BTC-5m", T0 + 300, T0 + 600)
    assert miss.reason == "binance: no 5m bar ending at 2026-01-01T00:10:00Z"


def test_feed_error_only_when_no_market_can_be_read_and_nothing_is_given_up(server) -> None:
    server.route("GET", "/api/v3/klines", Reply(200, [[T0 * 1000, "1", "2", "0.5", None, "3", 0]]))
    server.json("GET", "/api/v3/time", {"serverTime": NOW * 1000})
    feed = binance_feed(server, markets=["BTC-5m", "ETH-5m"])
    with pytest.raises(FeedError, match=r"binance: no market could be read \(binance: klines\[0\]\[4\] \(close\): "
                                        r"expected a number, got null\)"):
        feed.closed_candles(T0, NOW)
    assert feed.missed() == []  # an outage gives nothing up: the engine asks again later
