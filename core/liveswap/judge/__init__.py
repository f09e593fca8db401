"""The money judge: is a candidate version making more money per dollar than the active one?

A leaf (it imports nothing of the host but :mod:`liveswap.money`), used by the live rollout
(shadow, canary, the guard after a promotion) and by ``liveswap backtest``:

* :mod:`.pairing` -- :class:`CandleResult` and :func:`pair_by_batch`: both versions' money matched
  candle by candle (market and window), one batch = one observation;
* :mod:`.betting` -- a confidence sequence for a bounded mean by betting (Waudby-Smith & Ramdas);
* :mod:`.verdict` -- :class:`JudgeDesign`, :class:`Judgment`, the streaming :class:`Judge` and
  :func:`judge`: successful, failed, inconclusive or running, with the bounds.
"""

from __future__ import annotations

from liveswap._face import attribute

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: a face costs nothing until used
if TYPE_CHECKING:
    from liveswap.judge.betting import BettingSequence
    from liveswap.judge.pairing import CandleResult, pair_by_batch, pair_by_candle
    from liveswap.judge.verdict import Judge, JudgeDesign, Judgment, Verdict, judge

__all__ = [
    "BettingSequence", "CandleResult", "Judge", "JudgeDesign", "Judgment", "Verdict", "judge", "pair_by_batch",
    "pair_by_candle",
]

# name -> module of this package (or =module elsewhere), imported on first use
_WHERE = {
    "BettingSequence": "betting", "CandleResult": "pairing", "Judge": "verdict", "JudgeDesign": "verdict",
    "Judgment": "verdict", "Verdict": "verdict", "judge": "verdict", "pair_by_batch": "pairing",
    "pair_by_candle": "pairing",
}


def __getattr__(name: str) -> object:
    return attribute(__name__, _WHERE, name)
