"""The backtest's candle sources: the engine's batches from a CSV in any row order, and from a
journal opened read-only; a bad row named by its line."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from liveswap.backtest.sources import csv_batches, journal_batches
from liveswap.exceptions import BacktestError
from liveswap.feeds.csv_replay import CsvReplayFeed
from liveswap.markets import DEFAULT_MARKETS

from tests.support.backtest_kit import T0, synthetic_csv


def feed_batches(path: Path) -> list[tuple[int, list[tuple[object, ...]]]]:
    """What a live host's replay feed hands the engine: closed_candles grouped by close time."""
    feed = CsvReplayFeed(path, list(DEFAULT_MARKETS))
    out: dict[int, list[tuple[object, ...]]] = {}
    for c in feed.closed_candles(0, 2**40):
        out.setdefault(c.end, []).append((c.market, c.timeframe, c.start, c.end, c.open, c.high, c.low, c.close,
                                          c.volume, c.up_price))
    return list(out.items())


def test_a_csv_in_any_row_order_gives_the_feeds_batches(tmp_path: Path) -> None:
    ordered = synthetic_csv(tmp_path / "ordered.csv", hours=2)
    header, *rows = ordered.read_text().splitlines()
    shuffled = tmp_path / "shuffled.csv"
    shuffled.write_text("\n".join([header, *reversed(rows)]) + "\n")
    expected = feed_batches(ordered)
    assert list(csv_batches(ordered, markets=DEFAULT_MARKETS)) == expected
    assert list(csv_batches(shuffled, markets=DEFAULT_MARKETS)) == expected
    ranged = list(csv_batches(ordered, markets=["BTC-5m"], since=T0 + 900, until=T0 + 1800))
    assert [(end, [r[0] for r in rows]) for end, rows in ranged] == [(T0 + 900 + 300 * i, ["BTC-5m"]) for i in range(4)]


def test_a_bad_row_is_named_by_its_line(tmp_path: Path) -> None:
    path = synthetic_csv(tmp_path / "c.csv", hours=1)
    lines = path.read_text().splitlines()
    lines[5] = lines[5].replace("5m,", "15m,", 1)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(BacktestError, match=r"^c\.csv: line 6: .* does not match its timeframe$"):
        list(csv_batches(path, markets=DEFAULT_MARKETS))


def test_the_journal_is_read_through_a_read_only_connection(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE candles (market TEXT, start INTEGER, end_ts INTEGER, data TEXT)")
    db.execute("INSERT INTO candles VALUES ('BTC-5m', 0, 300, '{\"market\": \"BTC-5m\", \"timeframe\": \"5m\", "
               "\"start\": 0, \"end\": 300, \"open\": 1, \"high\": 2, \"low\": 0.5, \"close\": 1.5, \"volume\": 3, "
               "\"up_price\": 0.4}')")
    db.commit()
    db.close()
    before = path.read_bytes()
    assert list(journal_batches(path, markets=DEFAULT_MARKETS)) == [
        (300, [("BTC-5m", "5m", 0, 300, 1, 2, 0.5, 1.5, 3, 0.4)])]
    assert path.read_bytes() == before
