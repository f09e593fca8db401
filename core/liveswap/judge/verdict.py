"""The judge: paired batch differences in, a verdict on money out, with anytime-valid bounds.

* **successful** once the lower bound of the mean difference clears ``min_edge`` (the candidate
  makes at least that much more per batch; false-promotion rate ``alpha``);
* **failed** once the upper bound falls below ``margin`` (the non-inferiority margin, <= 0: the
  candidate makes less by more than that; a candidate no worse than the margin is failed with
  probability at most ``beta``);
* **inconclusive** when ``horizon`` paired batches have been observed without either;
* **running** until then.

The bounds are a confidence sequence (:mod:`.betting`), valid however often they are looked at,
so the verdict may be read after every batch. A verdict, once reached, is final: later batches
are not taken. Differences are in dollars per dollar staked, summed over a batch's markets
(:func:`liveswap.judge.pairing.pair_by_batch`); ``bound`` is the largest absolute difference one
batch can show (the per-market bound times the number of markets); a value beyond it is clipped
(counted in ``Judgment.clipped``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from liveswap.judge.betting import BettingSequence

Verdict = Literal["running", "successful", "failed", "inconclusive"]


@dataclass(frozen=True, slots=True)
class JudgeDesign:
    """What is declared before the first batch."""

    alpha: float = 0.05  # false-promotion rate (the lower bound's level)
    min_edge: float = 0.0  # the lower bound must clear this (per batch)
    margin: float = -0.25  # non-inferiority margin, <= 0: failed once the upper bound is below it
    horizon: int = 2000  # paired batches after which an open verdict is inconclusive
    bound: float = 45.0  # the largest |difference| of one batch (nine markets x 5 per dollar)
    beta: float = 0.05  # false-failure rate (the upper bound's level)

    def __post_init__(self) -> None:
        if not 0 < self.alpha < 0.5 or not 0 < self.beta < 0.5:
            raise ValueError("alpha and beta must be in (0, 0.5)")
        if not self.bound > 0 or not math.isfinite(self.bound):
            raise ValueError(f"bound must be positive, got {self.bound}")
        if self.margin > 0:
            raise ValueError(f"margin must be <= 0 (a non-inferiority margin), got {self.margin}")
        if not self.margin <= self.min_edge < self.bound:
            raise ValueError(f"need margin <= min_edge < bound, got {self.margin}, {self.min_edge}, {self.bound}")
        if self.horizon < 1:
            raise ValueError(f"horizon must be at least 1, got {self.horizon}")


@dataclass(frozen=True, slots=True)
class Judgment:
    """The mean paired difference per batch, its bounds, and the verdict they give."""

    estimate: float | None
    lower: float
    upper: float
    batches: int
    verdict: Verdict
    reason: str
    clipped: int = 0

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for name in ("estimate", "lower", "upper"):
            out[name] = None if out[name] is None else round(out[name], 6)
        return out


@dataclass(slots=True)
class Judge:
    """The streaming judge: ``add`` one batch difference at a time, read ``judgment()`` any time."""

    design: JudgeDesign
    sequence: BettingSequence = field(init=False)
    up_at_edge: float = 0.0  # log K+(min_edge)
    down_at_margin: float = 0.0  # log K-(margin)
    clipped: int = 0
    verdict: Verdict = "running"
    decided_at: int | None = None
    _cached: Judgment | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        d = self.design
        self.sequence = BettingSequence(d.bound, d.alpha, d.beta)

    @property
    def batches(self) -> int:
        return self.sequence.count

    def add(self, difference: float) -> Verdict:
        """One paired batch; ignored once a verdict is reached. Returns the verdict."""
        if self.verdict != "running":
            return self.verdict
        seq, d = self.sequence, self.design
        rate = seq.rate()
        x = seq.add(difference)
        self.clipped += int(x != difference)
        self.up_at_edge += seq.step_up(x, rate, d.min_edge)
        self.down_at_margin += seq.step_down(x, rate, d.margin)
        self._cached = None
        if self.up_at_edge >= math.log(1 / d.alpha):
            self.verdict = "successful"
        elif self.down_at_margin >= math.log(1 / d.beta):
            self.verdict = "failed"
        elif seq.count >= d.horizon:
            self.verdict = "inconclusive"
        if self.verdict != "running":
            self.decided_at = seq.count
        return self.verdict

    def judgment(self) -> Judgment:
        if self._cached is None:
            seq = self.sequence
            lower, upper = seq.lower(), seq.upper()
            self._cached = Judgment(seq.mean, lower, upper, seq.count, self.verdict, self._reason(lower, upper),
                                    self.clipped)
        return self._cached

    def _reason(self, lower: float, upper: float) -> str:
        d, n = self.design, self.sequence.count
        mean = self.sequence.mean
        numbers = (f"mean difference {mean:+.4f} per batch, bounds [{lower:+.4f}, {upper:+.4f}] after {n} paired "
                   f"batch{'es' if n != 1 else ''}" if mean is not None else "no paired batch yet")
        if self.verdict == "successful":
            return f"{numbers}: the lower bound clears min_edge {d.min_edge:+g} (alpha {d.alpha:g})"
        if self.verdict == "failed":
            return f"{numbers}: the upper bound is below the margin {d.margin:+g} (beta {d.beta:g})"
        if self.verdict == "inconclusive":
            return f"{numbers}: horizon {d.horizon} reached with min_edge {d.min_edge:+g} and margin {d.margin:+g} " \
                   "both inside the bounds"
        return f"{numbers}; needs lower > {d.min_edge:+g} or upper < {d.margin:+g}"

    # ---- persistence ------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        return {"sequence": self.sequence.state(), "up_at_edge": self.up_at_edge,
                "down_at_margin": self.down_at_margin, "clipped": self.clipped, "verdict": self.verdict,
                "decided_at": self.decided_at}

    @classmethod
    def from_state(cls, design: JudgeDesign, data: dict[str, Any]) -> Judge:
        judge = cls(design)
        judge.sequence = BettingSequence.from_state(bound=design.bound, alpha=design.alpha, beta=design.beta,
                                                    data=data["sequence"])
        judge.up_at_edge, judge.down_at_margin = float(data["up_at_edge"]), float(data["down_at_margin"])
        judge.clipped, judge.verdict = int(data["clipped"]), data["verdict"]
        judge.decided_at = data.get("decided_at")
        return judge


def judge(differences: Sequence[float], design: JudgeDesign) -> Judgment:
    """Judge a whole series of paired batch differences (in batch order) at once: the verdict the
    streaming judge reaches, stopping at the first decision."""
    run = Judge(design)
    for x in differences:
        if run.add(x) != "running":
            break
    return run.judgment()
