"""Kalshi (Trade API v2): signed client, response parsing, quote source and real-money broker."""

from __future__ import annotations

from liveswap._face import attribute

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: a face costs nothing until used
if TYPE_CHECKING:
    from liveswap.venues.kalshi.auth import KalshiSigner
    from liveswap.venues.kalshi.broker import KalshiBroker
    from liveswap.venues.kalshi.client import DEMO_URL, PROD_URL, TIERS, KalshiClient
    from liveswap.venues.kalshi.feed import KalshiQuotes

__all__ = [
    "DEMO_URL", "KalshiBroker", "KalshiClient", "KalshiQuotes", "KalshiSigner", "PROD_URL", "TIERS",
]

# name -> module of this package (or =module elsewhere), imported on first use
_WHERE = {
    "DEMO_URL": "client", "KalshiBroker": "broker", "KalshiClient": "client", "KalshiQuotes": "feed",
    "KalshiSigner": "auth", "PROD_URL": "client", "TIERS": "client",
}


def __getattr__(name: str) -> object:
    return attribute(__name__, _WHERE, name)
