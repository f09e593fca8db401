"""The paired comparison of two backtested versions (the shadow/canary analysis's own code)."""

from __future__ import annotations

from typing import Any

from liveswap.backtest.figures import Figures


def compare(*, candidate: Figures, active: Figures) -> dict[str, Any] | None:
    """The candidate against the active version on the same candles (wired to liveswap.judge)."""
    return None
