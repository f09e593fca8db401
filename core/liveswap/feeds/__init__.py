"""Market data sources: closed candles for the engine (synthetic, CSV replay, venues) behind the
``Feed`` seam (:mod:`.base`).

Layer: an adapter room below the engine. It may import api, markets, exceptions and venues'
clients; never the engine, swap, control, host or CLI."""

from __future__ import annotations

from liveswap._face import attribute

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: a face costs nothing until used
if TYPE_CHECKING:
    from liveswap.feeds.base import Feed, FeedError, MissedCandle, ReportsMissed
    from liveswap.feeds.csv_replay import COLUMNS, CsvReplayFeed, read_candles, write_candles
    from liveswap.feeds.synthetic import SyntheticFeed

__all__ = [
    "COLUMNS", "CsvReplayFeed", "Feed", "FeedError", "MissedCandle", "ReportsMissed", "SyntheticFeed",
    "read_candles", "write_candles",
]

# name -> module of this package (or =module elsewhere), imported on first use
_WHERE = {
    "COLUMNS": "csv_replay", "CsvReplayFeed": "csv_replay", "Feed": "base", "FeedError": "base",
    "MissedCandle": "base", "ReportsMissed": "base", "SyntheticFeed": "synthetic", "read_candles": "csv_replay",
    "write_candles": "csv_replay",
}


def __getattr__(name: str) -> object:
    return attribute(__name__, _WHERE, name)
