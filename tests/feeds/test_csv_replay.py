"""CSV replay reads what ``liveswap record`` writes and refuses bad rows clearly."""

from __future__ import annotations

from pathlib import Path

import pytest
from liveswap.feeds.base import FeedError
from liveswap.feeds.csv_replay import CsvReplayFeed, write_candles
from liveswap.feeds.synthetic import SyntheticFeed
from liveswap.markets import DEFAULT_MARKETS

T0 = 1_764_000_000  # a multiple of 900


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
