"""Polymarket: Gamma discovery and CLOB reads, the up/down quote source."""

from __future__ import annotations

from liveswap._face import attribute

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: a face costs nothing until used
if TYPE_CHECKING:
    from liveswap.venues.polymarket.auth import PolymarketCredentials
    from liveswap.venues.polymarket.broker import PolymarketBroker
    from liveswap.venues.polymarket.client import PolymarketClient
    from liveswap.venues.polymarket.feed import PolymarketQuotes

__all__ = [
    "PolymarketBroker", "PolymarketClient", "PolymarketCredentials", "PolymarketQuotes",
]

# name -> module of this package (or =module elsewhere), imported on first use
_WHERE = {
    "PolymarketBroker": "broker", "PolymarketClient": "client", "PolymarketCredentials": "auth",
    "PolymarketQuotes": "feed",
}


def __getattr__(name: str) -> object:
    return attribute(__name__, _WHERE, name)
