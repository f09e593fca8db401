"""Binance spot klines as the underlying bar source."""

from __future__ import annotations

from liveswap._face import attribute

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: a face costs nothing until used
if TYPE_CHECKING:
    from liveswap.venues.binance.feed import BinanceBars

__all__ = [
    "BinanceBars",
]

# name -> module of this package (or =module elsewhere), imported on first use
_WHERE = {
    "BinanceBars": "feed",
}


def __getattr__(name: str) -> object:
    return attribute(__name__, _WHERE, name)
