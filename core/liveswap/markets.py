"""Market names: ``ASSET-TIMEFRAME`` such as ``BTC-5m``, and their window arithmetic."""

from __future__ import annotations

import re
from dataclasses import dataclass

from liveswap.exceptions import InvalidValue

TIMEFRAMES: dict[str, int] = {"1m": 60, "5m": 300, "15m": 900, "1h": 3600}
_NAME = re.compile(r"^([A-Z0-9]{2,10})-(\d+[mh])$")

DEFAULT_MARKETS: tuple[str, ...] = (
    "BTC-5m",
    "ETH-5m",
    "SOL-5m",
    "XRP-5m",
    "DOGE-5m",
    "BTC-15m",
    "ETH-15m",
    "SOL-15m",
    "XRP-15m",
)


class MarketError(InvalidValue):
    """A market name that is not ``ASSET-TIMEFRAME`` with a known timeframe."""


@dataclass(frozen=True, slots=True)
class Market:
    """One short binary up/down market: ``asset`` over windows of ``seconds``."""

    name: str
    asset: str
    timeframe: str
    seconds: int

    @classmethod
    def parse(cls, name: str) -> Market:
        m = _NAME.match(name)
        if not m or m.group(2) not in TIMEFRAMES:
            known = ", ".join(TIMEFRAMES)
            raise MarketError(
                f"market {name!r} is not ASSET-TIMEFRAME (e.g. BTC-5m; timeframes: {known})"
            )
        return cls(name=name, asset=m.group(1), timeframe=m.group(2), seconds=TIMEFRAMES[m.group(2)])

    def window_start(self, ts: int) -> int:
        """Start of the window containing ``ts``."""
        return ts - ts % self.seconds

    def opens_at(self, ts: int) -> bool:
        """True if a window of this market opens exactly at ``ts``."""
        return ts % self.seconds == 0
