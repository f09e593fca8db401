"""The bar sources: Binance klines and Coinbase candles, and their server clocks."""

from __future__ import annotations

import pytest
from liveswap.exceptions import MalformedResponse
from liveswap.venues.binance.feed import BinanceBars
from liveswap.venues.coinbase.feed import CoinbaseBars

from tests.support.venue_feeds import NOW, vhttp
from tests.support.venue_server import T0, Reply, fixture


def test_coinbase_bars_come_newest_first_and_are_reordered(server) -> None:
    server.json("GET", "/products/BTC-USD/candles", fixture("coinbase_candles_5m"))
    bars = CoinbaseBars(vhttp(server, "coinbase")).bars("BTC", 300, T0, T0 + 900)
    assert [b.end for b in bars] == [T0 + 300, T0 + 600, T0 + 900]
    assert (bars[0].open, bars[0].low, bars[0].high, bars[0].close) == (94001.0, 93948.0, 94099.0, 94049.0)
    assert server.requests[0].query["granularity"] == "300"
    assert server.requests[0].query["start"] == "2026-01-01T00:00:00Z"


def test_bad_kline_rows_name_the_cell(server) -> None:
    server.route("GET", "/api/v3/klines", Reply(200, [[T0 * 1000, "1", "2", "0.5", None, "3", 0]]))
    with pytest.raises(MalformedResponse, match=r"binance: klines\[0\]\[4\] \(close\): expected a number, got null"):
        BinanceBars(vhttp(server, "binance")).bars("BTC", 300, T0, NOW)


def test_server_clocks(server) -> None:
    server.json("GET", "/api/v3/time", {"serverTime": 1767226505123})
    server.json("GET", "/time", {"iso": "2026-01-01T00:15:05.5Z", "epoch": 1767226505.5})
    assert BinanceBars(vhttp(server, "binance")).server_time() == 1767226505.123
    assert CoinbaseBars(vhttp(server, "coinbase")).server_time() == 1767226505.5
