"""The synthetic feed is deterministic per candle; CSV replay reads and refuses clearly."""

from __future__ import annotations

from pathlib import Path

import pytest
from liveswap.feeds.base import FeedError
from liveswap.feeds.csv_replay import CsvReplayFeed, write_candles
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


def test_csv_round_trip_and_range(tmp_path: Path) -> None:
    candles = SyntheticFeed(["BTC-5m", "ETH-15m"], seed=7).closed_candles(T0, T0 + 3600)
    path = tmp_path / "c.csv"
    assert write_candles(path, candles) == len(candles)
    feed = CsvReplayFeed(path)
    assert feed.closed_candles(T0, T0 + 3600) == candles
    assert feed.closed_candles(T0 + 900, T0 + 1800) == [c for c in candles if T0 + 900 < c.end <= T0 + 1800]
    assert feed.first_start == T0 and feed.last_end == T0 + 3600


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("market,start\nBTC-5m,0\n", "missing column"),
        ("market,timeframe,start,end,open,high,low,close,volume,up_price\nBTC-5m,5m,0,300,1,1,1,oops,1,\n",
         "line 2"),
        ("market,timeframe,start,end,open,high,low,close,volume,up_price\nBTC-5m,5m,0,900,1,1,1,1,1,\n",
         "does not match its timeframe"),
        ("market,timeframe,start,end,open,high,low,close,volume,up_price\nBTC-5m,5m,0,300,1,1,1,1,1,1.5\n",
         "outside 0..1"),
    ],
)
def test_csv_refuses_bad_rows_with_the_line(tmp_path: Path, text: str, reason: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(FeedError, match=reason.replace(".", r"\.")):
        CsvReplayFeed(path)


def test_record_writes_the_synthetic_feed_to_a_replayable_csv(tmp_path: Path) -> None:
    import subprocess
    import sys

    out = tmp_path / "day.csv"
    done = subprocess.run([sys.executable, "-m", "liveswap.cli.main", "record", "--feed", "synthetic", "--out",
                           str(out), "--since", "1764000000", "--until", "1764003600", "--home", str(tmp_path)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    replay = CsvReplayFeed(out)
    assert replay.closed_candles(T0, T0 + 3600) == SyntheticFeed(DEFAULT_MARKETS, seed=7).closed_candles(T0, T0 + 3600)
