"""Underlying price bars (the exchange side of a candle) and the ``BarSource`` seam.

A :class:`Bar` covers ``[start, end)`` in epoch seconds. ``BarSource.bars(asset, seconds, since,
until)`` returns the closed bars of ``asset`` at that width with ``since < end <= until``,
oldest first. ``server_time()`` is the venue's clock (epoch seconds), for the feed's skew check.
Binance and Coinbase implement it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Bar:
    start: int
    end: int
    open: float
    high: float
    low: float
    close: float
    volume: float


class BarSource(Protocol):
    name: str

    def bars(self, asset: str, seconds: int, since: int, until: int) -> list[Bar]: ...

    def server_time(self) -> float: ...

    def close(self) -> None: ...


def in_range(bars: list[Bar], since: int, until: int) -> list[Bar]:
    """Bars with ``since < end <= until``, de-duplicated by start, oldest first."""
    unique = {b.start: b for b in bars if since < b.end <= until}
    return [unique[k] for k in sorted(unique)]
