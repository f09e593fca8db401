"""The analysis run of a rollout: metrics, measurements and the verdict, with Argo's semantics.

Argo Rollouts' AnalysisRun (analysis/analysis.go, docs/features/analysis.md), and how it maps:

* A run is made of metrics; each takes measurements that are Successful, Failed or Inconclusive.
  A metric is **Failed** once its failed measurements exceed ``failure_limit`` (default 0, so the
  first failure fails it) and **Inconclusive** once its inconclusive ones exceed
  ``inconclusive_limit``; too many consecutive errors make it Error (here: the candidate faulted
  on more than ``consecutive_error_limit`` batches in a row -- reported as ``failed``, since our
  verdicts have no separate Error and Argo aborts on both).
* Our metrics: ``win_rate`` (the SPRT of :mod:`.sprt`: Successful when it accepts H1, Failed
  when it accepts H0, Inconclusive when ``max_bets`` is reached undecided -- like an Argo metric
  whose ``count`` was reached without meeting its success condition) and three guards measured
  after every batch in which the candidate settled bets: ``max_drawdown``, ``pnl_difference``
  and ``fault_rate``. A guard whose limit is None is a **dry-run** metric: measured and shown,
  never gating (Argo's ``dryRun``). Measurements start once the candidate has ``min_bets`` settled
  bets (Argo's ``initialDelay``); until then the run is ``running`` ("Pending" in Argo).
* The run **terminates** when a gating metric fails or turns inconclusive, when the SPRT decides,
  when the candle budget (``max_candles``) is spent, or when the operator ends it. At termination
  the guards that never failed are Successful (Argo: a terminated indefinite metric succeeds) and
  the verdict is the worst gating result, in Argo's order successful < running < inconclusive <
  failed. A verdict, once reached, never changes.
* **No data.** Argo calls a run terminated before any measurement Successful. Promoting a
  trading strategy on no evidence is unsafe, so here a run that ends with no measurement -- and
  an SPRT that ends without a single pair of bets -- takes the declared ``no_data`` verdict
  (default ``inconclusive``) with the reason "no data".
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from liveswap.rollout.figures import Comparison
from liveswap.rollout.spec import AnalysisSpec
from liveswap.rollout.sprt import SprtDesign, discordant_theta

Verdict = Literal["running", "successful", "failed", "inconclusive"]
ORDER: tuple[Verdict, ...] = ("successful", "running", "inconclusive", "failed")
GUARDS = ("max_drawdown", "pnl_difference", "fault_rate")


def worst(a: Verdict, b: Verdict) -> Verdict:
    return a if ORDER.index(a) >= ORDER.index(b) else b


@dataclass(slots=True)
class MetricResult:
    name: str
    phase: Verdict = "running"
    dry_run: bool = False
    measurements: int = 0
    successful: int = 0
    failed: int = 0
    inconclusive: int = 0
    value: float | None = None
    condition: str = ""
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["value"] = None if self.value is None else round(self.value, 6)
        return out


@dataclass(slots=True)
class Assessment:
    """What ``rollout`` and ``status.json`` show: the verdict, its reason and its numbers."""

    verdict: Verdict
    reason: str
    metrics: list[MetricResult]
    sprt: dict[str, Any]
    bets_to_decision: int | None

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "reason": self.reason, "bets_to_decision": self.bets_to_decision,
                "sprt": self.sprt, "metrics": [m.to_dict() for m in self.metrics]}


@dataclass(slots=True)
class AnalysisRun:
    """The stateful run: feed it the comparison after every batch (``observe``), read ``assess``."""

    spec: AnalysisSpec
    guards: dict[str, MetricResult] = field(default_factory=dict)
    verdict: Verdict = "running"
    reason: str = ""
    design: SprtDesign = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.design = self.spec.design()
        limits = {"max_drawdown": self.spec.max_drawdown, "pnl_difference": self.spec.max_pnl_shortfall,
                  "fault_rate": self.spec.max_fault_rate}
        for name in GUARDS:
            self.guards.setdefault(name, MetricResult(name, dry_run=limits[name] is None))

    @property
    def done(self) -> bool:
        return self.verdict != "running"

    # ---- measuring ----------------------------------------------------------------------------

    def observe(self, comparison: Comparison, *, settled: bool) -> Verdict:
        """After a batch: ``settled`` says whether the candidate settled bets in it."""
        if self.done:
            return self.verdict
        cand = comparison.candidate
        if cand.consecutive_faults > self.spec.consecutive_error_limit:
            return self._finish("failed", f"error: the candidate faulted on {cand.consecutive_faults} batches in a "
                                          f"row (> consecutive_error_limit {self.spec.consecutive_error_limit})")
        if settled and cand.bets >= self.spec.min_bets:
            for name in GUARDS:
                self._measure(self.guards[name], comparison)
        for name in GUARDS:
            guard = self.guards[name]
            if guard.dry_run or guard.phase != "running":
                continue
            if guard.failed > self.spec.failure_limit:
                guard.phase = "failed"
                return self._finish("failed", f"{name}: {guard.failed} failed measurement(s) > failure_limit "
                                              f"{self.spec.failure_limit} ({guard.message})")
            if guard.inconclusive > self.spec.inconclusive_limit:
                guard.phase = "inconclusive"
                return self._finish("inconclusive", f"{name}: {guard.inconclusive} inconclusive measurement(s) > "
                                                    f"inconclusive_limit {self.spec.inconclusive_limit}")
        sprt = self._sprt(comparison)
        if sprt.phase != "running":
            return self._finish(sprt.phase, sprt.message)
        if self.spec.max_candles is not None and cand.candles >= self.spec.max_candles:
            return self.terminate(comparison, f"candle budget spent ({cand.candles} >= max_candles "
                                              f"{self.spec.max_candles})")
        return self.verdict

    def terminate(self, comparison: Comparison, why: str) -> Verdict:
        """End the run now (budget spent, operator): Argo's termination, with the explicit no-data verdict."""
        if self.done:
            return self.verdict
        measured = any(g.measurements for g in self.guards.values())
        if not measured:
            return self._finish(self.spec.no_data, f"no data: {why} before the candidate settled "
                                                   f"{self.spec.min_bets} bets (no_data = {self.spec.no_data})")
        sprt = self._sprt(comparison)
        if sprt.phase == "running":
            if comparison.paired.pairs == 0:
                return self._finish(self.spec.no_data, f"no data: {why} without a pair of bets to compare "
                                                       f"(no_data = {self.spec.no_data})")
            return self._finish("inconclusive", f"{why}; the SPRT had not decided ({sprt.message})")
        return self._finish(sprt.phase, sprt.message)

    def _finish(self, verdict: Verdict, reason: str) -> Verdict:
        self.verdict, self.reason = verdict, reason
        return verdict

    def _measure(self, guard: MetricResult, comparison: Comparison) -> None:
        cand, spec = comparison.candidate, self.spec
        if guard.name == "max_drawdown":
            value, limit = cand.max_drawdown, spec.max_drawdown
            ok = limit is None or value <= limit + 1e-9
            guard.condition = "drawdown <= " + ("(dry run)" if limit is None else f"{limit:.2f}")
        elif guard.name == "pnl_difference":
            value, limit = comparison.pnl_difference, spec.max_pnl_shortfall
            ok = limit is None or value >= -limit - 1e-9
            guard.condition = "pnl difference >= " + ("(dry run)" if limit is None else f"{-limit:.2f}")
        else:
            rate, limit = cand.fault_rate, spec.max_fault_rate
            guard.condition = "fault rate <= " + ("(dry run)" if limit is None else f"{limit:.4f}")
            if rate is None:
                guard.measurements += 1
                self._no_data(guard)
                return
            value = rate
            ok = limit is None or value <= limit + 1e-12
        guard.measurements += 1
        guard.value = value
        if ok:
            guard.successful += 1
            guard.message = f"{value:.4f} meets {guard.condition}"
        else:
            guard.failed += 1
            guard.message = f"{value:.4f} breaks {guard.condition}"

    def _no_data(self, guard: MetricResult) -> None:
        guard.message = f"no data (counted {self.spec.no_data})"
        if self.spec.no_data == "failed":
            guard.failed += 1
        elif self.spec.no_data == "inconclusive":
            guard.inconclusive += 1
        else:
            guard.successful += 1

    # ---- the SPRT -----------------------------------------------------------------------------

    def _sprt(self, comparison: Comparison) -> MetricResult:
        design, paired, cand = self.design, comparison.paired, comparison.candidate
        llr = design.llr(paired.wins, paired.losses)
        result = MetricResult("win_rate", value=llr,
                              condition=f"SPRT LLR >= {design.upper:.3f} promotes, <= {design.lower:.3f} rejects")
        numbers = (f"LLR {llr:.3f} after {paired.pairs} pairs, {paired.discordant} discordant "
                   f"(candidate won {paired.wins}, active {paired.losses}); win rate "
                   f"{_rate(cand.win_rate)} vs {_rate(comparison.active.win_rate)}")
        if cand.bets < self.spec.min_bets:
            result.message = f"waiting for min_bets ({cand.bets}/{self.spec.min_bets}); {numbers}"
            return result
        decision = design.decide(llr)
        if decision == "h1":
            result.phase = "successful"
            result.message = (f"SPRT accepts H1 (better by >= {self.spec.min_effect:g} win rate): {numbers}; "
                              f"LLR >= {design.upper:.3f} (alpha {self.spec.alpha:g})")
        elif decision == "h0":
            result.phase = "failed"
            result.message = (f"SPRT accepts H0 (not better): {numbers}; LLR <= {design.lower:.3f} "
                              f"(beta {self.spec.beta:g})")
        elif cand.bets >= self.spec.max_bets:
            result.phase = "inconclusive"
            result.message = f"max_bets {self.spec.max_bets} reached undecided: {numbers}"
        else:
            result.message = numbers
        return result

    def bets_to_decision(self, comparison: Comparison) -> int | None:
        """About how many more candidate bets until the SPRT decides (None once decided)."""
        if self.done:
            return None
        spec, design, cand, act = self.spec, self.design, comparison.candidate, comparison.active
        llr = design.llr(comparison.paired.wins, comparison.paired.losses)
        base, lift = spec.baseline_win_rate, spec.baseline_win_rate + spec.min_effect
        if comparison.paired.discordant >= 10 and cand.win_rate is not None and act.win_rate is not None:
            p_c = min(0.99, max(0.01, cand.win_rate))
            p_a = min(0.99, max(0.01, act.win_rate))
            scenarios = [(p_c, p_a)]
        else:  # too little data to estimate: the mean of the two declared hypotheses
            scenarios = [(base, base), (lift, base)]
        expected = []
        for p_c, p_a in scenarios:
            theta = discordant_theta(p_c, p_a)
            p_disc = p_c * (1 - p_a) + p_a * (1 - p_c)
            if theta is None or p_disc <= 0:
                continue
            expected.append(design.asn(theta, start=llr) / p_disc)
        if not expected:
            return spec.max_bets - cand.bets
        remaining = max(sum(expected) / len(expected), float(spec.min_bets - cand.bets))
        return int(min(math.ceil(remaining), max(0, spec.max_bets - cand.bets)))

    def assess(self, comparison: Comparison) -> Assessment:
        design, paired = self.design, comparison.paired
        sprt = self._sprt(comparison)
        if self.done and self.verdict != "failed":
            for guard in self.guards.values():
                if guard.phase == "running" and guard.measurements:
                    guard.phase = "successful"  # terminated indefinite metrics succeed (Argo)
        reason = self.reason or sprt.message
        numbers = {"llr": round(design.llr(paired.wins, paired.losses), 6), "upper": round(design.upper, 6),
                   "lower": round(design.lower, 6), "odds_ratio": round(design.odds_ratio, 6),
                   "alpha": self.spec.alpha, "beta": self.spec.beta, "min_effect": self.spec.min_effect,
                   "pairs": paired.pairs, "discordant": paired.discordant, "candidate_won": paired.wins,
                   "active_won": paired.losses}
        return Assessment(self.verdict, reason, [sprt, *self.guards.values()], numbers,
                          self.bets_to_decision(comparison))

    # ---- persistence --------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "reason": self.reason,
                "guards": {name: asdict(g) for name, g in self.guards.items()}}

    @classmethod
    def from_state(cls, spec: AnalysisSpec, data: dict[str, Any]) -> AnalysisRun:
        guards = {name: MetricResult(**g) for name, g in data.get("guards", {}).items() if name in GUARDS}
        return cls(spec, guards, data.get("verdict", "running"), data.get("reason", ""))


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"
