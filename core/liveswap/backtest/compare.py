"""The paired comparison of two backtested versions: the shadow/canary analysis's own code
(:mod:`liveswap.judge`) on the bets both settled, candle by candle, one batch one observation."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from liveswap.backtest.figures import Figures
from liveswap.judge import CandleResult, JudgeDesign, judge, pair_by_batch


def candle_results(figures: Figures) -> list[CandleResult]:
    """A version's settled bets as the judge pairs them (a bet is decided in the batch that closes
    when its window opens; bets still open at the end have no PnL yet and are left out)."""
    return [CandleResult(b.market, b.window_start, b.window_start, b.staked, b.pnl) for b in figures.settled]


def compare(*, candidate: Figures, active: Figures) -> dict[str, Any]:
    """``candidate`` (the version backtested) against ``active`` (``--against``) on the same candles:
    the judge's verdict, estimate and bounds, with the declared design. The horizon is every paired
    batch of the run: a verdict still open after all of them is inconclusive."""
    differences = pair_by_batch(candle_results(active), candle_results(candidate))
    design = JudgeDesign(horizon=max(1, len(differences)))
    judgment = judge(differences, design)
    return {"candidate": candidate.spec, "active": active.spec, **judgment.to_dict(), "design": asdict(design)}
