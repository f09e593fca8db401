"""Backtests: recorded candles replayed through versions in their own sandboxed workers, with the
live paper broker's fills, fees and settlement (see docs/backtest.md).

The face the CLI uses: :class:`Request` and :func:`run_backtest`.
"""

from __future__ import annotations

from liveswap.backtest.run import Request, run_backtest
from liveswap.exceptions import BacktestError

__all__ = ["BacktestError", "Request", "run_backtest"]
