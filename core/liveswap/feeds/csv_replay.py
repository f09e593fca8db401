"""Replay candles from a CSV file, and write any feed's candles to one.

Column layout (header row required, one candle per row, any order of rows)::

    market,timeframe,start,end,open,high,low,close,volume,up_price
    BTC-5m,5m,1764000000,1764000300,60012.5,60050.0,59990.1,60031.2,812.4,0.53

``start``/``end`` are epoch seconds (``end`` = close time); ``up_price`` may be empty. A row
that does not parse is refused with its line number; the whole file is checked at load.
"""

from __future__ import annotations

import csv
from bisect import bisect_right
from collections.abc import Iterable
from pathlib import Path

from liveswap.api import Candle
from liveswap.feeds.base import FeedError
from liveswap.markets import Market, MarketError

COLUMNS = ("market", "timeframe", "start", "end", "open", "high", "low", "close", "volume", "up_price")


def _parse_row(row: dict[str, str], line: int) -> Candle:
    try:
        market = Market.parse(row["market"])
        start, end = int(row["start"]), int(row["end"])
        up = row.get("up_price") or ""
        candle = Candle(
            market=market.name, timeframe=row["timeframe"], start=start, end=end,
            open=float(row["open"]), high=float(row["high"]), low=float(row["low"]), close=float(row["close"]),
            volume=float(row["volume"]), up_price=float(up) if up.strip() else None,
        )
    except (KeyError, ValueError, MarketError) as exc:
        raise FeedError(f"line {line}: {exc}") from exc
    if candle.timeframe != market.timeframe or end - start != market.seconds or start % market.seconds:
        raise FeedError(f"line {line}: {market.name} window {start}..{end} does not match its timeframe")
    if candle.up_price is not None and not 0 <= candle.up_price <= 1:
        raise FeedError(f"line {line}: up_price {candle.up_price} is outside 0..1")
    return candle


def read_candles(path: Path) -> list[Candle]:
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise FeedError(f"{path.name}: missing column(s) {', '.join(missing)}")
            candles = [_parse_row(row, i) for i, row in enumerate(reader, start=2)]
    except OSError as exc:
        raise FeedError(f"{path}: {exc.strerror or exc}") from exc
    candles.sort(key=lambda c: (c.end, c.market))
    return candles


def write_candles(path: Path, candles: Iterable[Candle]) -> int:
    """Write ``candles`` in the replay layout; returns the number of rows."""
    n = 0
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        for c in candles:
            writer.writerow([c.market, c.timeframe, c.start, c.end, c.open, c.high, c.low, c.close, c.volume,
                             "" if c.up_price is None else c.up_price])
            n += 1
    return n


class CsvReplayFeed:
    """A ``Feed`` over a CSV file. ``first_start``/``last_end`` bound the replay."""

    name = "csv"

    def __init__(self, path: Path, markets: list[str] | tuple[str, ...] | None = None) -> None:
        candles = read_candles(path)
        if markets is not None:
            wanted = set(markets)
            candles = [c for c in candles if c.market in wanted]
        if not candles:
            raise FeedError(f"{path.name}: no candles" + (" for the configured markets" if markets else ""))
        self._candles = candles
        self._ends = [c.end for c in candles]
        self.markets = tuple(sorted({c.market for c in candles}))
        self.first_start = min(c.start for c in candles)
        self.last_end = self._ends[-1]

    def closed_candles(self, since: int, until: int) -> list[Candle]:
        if until <= since:
            return []
        return self._candles[bisect_right(self._ends, since):bisect_right(self._ends, until)]

    def stale_markets(self) -> dict[str, str]:
        """A replay is never stale."""
        return {}

    def close(self) -> None:
        """Nothing to release."""
