"""The synthetic feed is deterministic per candle (a restarted host regenerates what it saw)."""

from __future__ import annotations

from liveswap.feeds.synthetic import SyntheticFeed
from liveswap.markets import DEFAULT_MARKETS

T0 = 1_764_000_000  # a multiple of 900


def test_same_candle_after_a_restart() -> None:
    first = SyntheticFeed(DEFAULT_MARKETS, seed=7).closed_candles(T0, T0 + 6 * 3600)
    # a new process/feed object, asked for a sub-range only: identical candles
    again = SyntheticFeed(DEFAULT_MARKETS, seed=7).closed_candles(T0 + 3 * 3600, T0 + 6 * 3600)
    assert again == [c for c in first if c.end > T0 + 3 * 3600]
    assert SyntheticFeed(["BTC-5m"], seed=7).candle("BTC-5m", T0) == next(
        c for c in first if c.market == "BTC-5m" and c.start == T0)


def test_other_seed_other_market() -> None:
    a = SyntheticFeed(["BTC-5m"], seed=7).candle("BTC-5m", T0)
    b = SyntheticFeed(["BTC-5m"], seed=8).candle("BTC-5m", T0)
    assert a != b


def test_candles_are_ordered_consistent_and_contiguous() -> None:
    candles = SyntheticFeed(DEFAULT_MARKETS, seed=1).closed_candles(T0, T0 + 86_400)
    assert candles == sorted(candles, key=lambda c: (c.end, c.market))
    btc = [c for c in candles if c.market == "BTC-5m"]
    assert len(btc) == 288
    for prev, cur in zip(btc, btc[1:], strict=False):
        assert cur.start == prev.end and cur.open == prev.close
    for c in candles:
        assert c.low <= min(c.open, c.close) <= max(c.open, c.close) <= c.high
        assert c.up_price is not None and 0 < c.up_price < 1


def test_up_price_overreacts_to_the_last_move() -> None:
    candles = SyntheticFeed(["ETH-5m"], seed=3).closed_candles(T0, T0 + 5 * 86_400)
    after_up = [c.up_price for c in candles if c.close > c.open * 1.002]
    after_down = [c.up_price for c in candles if c.close < c.open * 0.998]
    assert sum(after_up) / len(after_up) > 0.53 > 0.47 > sum(after_down) / len(after_down)
