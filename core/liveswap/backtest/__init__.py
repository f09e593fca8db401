"""Backtests: recorded candles replayed through versions in their own sandboxed workers, with the
live paper broker's fills, fees and settlement (see docs/backtest.md).

The face the CLI uses: :class:`Request` and :func:`run_backtest`.
"""

from __future__ import annotations

from liveswap._face import attribute

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: a face costs nothing until used
if TYPE_CHECKING:
    from liveswap.backtest.run import Request, run_backtest
    from liveswap.exceptions import BacktestError

__all__ = [
    "BacktestError", "Request", "run_backtest",
]

# name -> module of this package (or =module elsewhere), imported on first use
_WHERE = {
    "BacktestError": "=liveswap.exceptions", "Request": "run", "run_backtest": "run",
}


def __getattr__(name: str) -> object:
    return attribute(__name__, _WHERE, name)
