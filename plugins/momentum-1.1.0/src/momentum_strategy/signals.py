"""Pure functions on a market's recent closes: returns, realized volatility, momentum score."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence


def log_returns(closes: Sequence[float]) -> list[float]:
    """Candle-to-candle log returns of ``closes`` (one fewer than closes)."""
    return [math.log(b / a) for a, b in zip(closes, closes[1:], strict=False)]


def realized_vol(returns: Sequence[float]) -> float:
    """Root mean square of ``returns`` (0.0 when empty): the volatility per candle."""
    if not returns:
        return 0.0
    return math.sqrt(sum(r * r for r in returns) / len(returns))


def move(closes: Sequence[float], lookback: int) -> float:
    """Log move over the last ``lookback`` candles."""
    return math.log(closes[-1] / closes[-1 - lookback])


def momentum_score(closes: Sequence[float], weights: Mapping[int, float], vol: float) -> float:
    """Weighted mean of each lookback's move in units of its expected size (``vol * sqrt(k)``)."""
    total = sum(weights.values())
    return sum(w * move(closes, k) / (vol * math.sqrt(k)) for k, w in weights.items()) / total
