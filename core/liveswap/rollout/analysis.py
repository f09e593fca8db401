"""The analysis run of a rollout: metrics, measurements and the verdict, with Argo's semantics.

Argo Rollouts' AnalysisRun (analysis/analysis.go, docs/features/analysis.md), and how it maps:

* A run is made of metrics; each takes measurements that are Successful, Failed or Inconclusive.
  A metric is **Failed** once its failed measurements exceed ``failure_limit`` (default 0, so the
  first failure fails it) and **Inconclusive** once its inconclusive ones exceed
  ``inconclusive_limit``; too many consecutive errors make it Error (here: the candidate faulted
  on more than ``consecutive_error_limit`` batches in a row -- reported as ``failed``, since our
  verdicts have no separate Error and Argo aborts on both).
* The gating metric is ``money`` (:mod:`liveswap.judge`): the candidate's minus the active
  version's PnL per dollar staked, paired candle by candle, one batch = one observation, with a
  confidence sequence valid under continuous monitoring: Successful when its lower bound clears
  ``min_edge`` (false-promotion rate ``alpha``), Failed when its upper bound falls below
  ``margin`` (false-failure rate ``beta``), Inconclusive at ``horizon`` paired batches or at
  ``max_bets`` candidate bets. Three guards are measured after every batch in which the
  candidate settled bets: ``max_drawdown``, ``pnl_difference`` and ``fault_rate``. A guard whose
  limit is None is a **dry-run** metric: measured and shown, never gating (Argo's ``dryRun``).
  Measurements start once the candidate has ``min_bets`` settled bets (Argo's ``initialDelay``);
  until then the run is ``running`` ("Pending" in Argo). Win rate is reported, never judged.
* The run **terminates** when a gating metric fails or turns inconclusive, when the money metric
  decides, when the candle budget (``max_candles``) is spent, or when the operator ends it. At
  termination the guards that never failed are Successful (Argo: a terminated indefinite metric
  succeeds) and the verdict is the worst gating result, in Argo's order successful < running <
  inconclusive < failed. A verdict, once reached, never changes.
* **No data.** Argo calls a run terminated before any measurement Successful. Promoting a
  trading strategy on no evidence is unsafe, so here a run that ends with no measurement -- and
  a money metric that ends without a single paired batch -- takes the declared ``no_data``
  verdict (default ``inconclusive``) with the reason "no data".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from liveswap.judge import Judge
from liveswap.rollout.figures import Comparison
from liveswap.rollout.spec import AnalysisSpec

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
    money: dict[str, Any]  # the judge's estimate, bounds, paired batches and the declared rates

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "reason": self.reason, "money": self.money,
                "metrics": [m.to_dict() for m in self.metrics]}


@dataclass(slots=True)
class AnalysisRun:
    """The stateful run: feed it the comparison after every batch (``observe``), read ``assess``."""

    spec: AnalysisSpec
    guards: dict[str, MetricResult] = field(default_factory=dict)
    verdict: Verdict = "running"
    reason: str = ""
    markets: int = 9  # markets in one batch (the judge's bound is per market times this)
    judge: Judge | None = None
    paired_candles: int = 0  # candles in the paired batches the judge has taken

    def __post_init__(self) -> None:
        if self.judge is None:
            self.judge = Judge(self.spec.design(self.markets))
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
        comparison.mark()
        if self.done:
            return self.verdict
        cand = comparison.candidate
        if cand.consecutive_faults > self.spec.consecutive_error_limit:
            return self._finish("failed", f"error: the candidate faulted on {cand.consecutive_faults} batches in a "
                                          f"row (> consecutive_error_limit {self.spec.consecutive_error_limit})")
        if settled and cand.bets >= self.spec.min_bets:
            for name in GUARDS:
                self._measure(self.guards[name], comparison)
        ended = self._gate()
        if ended is not None:
            return ended
        if self._money_phase(comparison) != "running":
            money = self._money(comparison)
            return self._finish(money.phase, money.message)
        if self.spec.max_candles is not None and cand.candles >= self.spec.max_candles:
            return self.terminate(comparison, f"candle budget spent ({cand.candles} >= max_candles "
                                              f"{self.spec.max_candles})")
        return self.verdict

    def _gate(self) -> Verdict | None:
        """The verdict a gating guard's limits end the run with, if any (Argo's failure/inconclusive limits)."""
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
        return None

    def terminate(self, comparison: Comparison, why: str) -> Verdict:
        """End the run now (budget spent, operator): Argo's termination, with the explicit no-data verdict."""
        if self.done:
            return self.verdict
        measured = any(g.measurements for g in self.guards.values())
        if not measured:
            return self._finish(self.spec.no_data, f"no data: {why} before the candidate settled "
                                                   f"{self.spec.min_bets} bets (no_data = {self.spec.no_data})")
        if self._money_phase(comparison) == "running":
            if self.money_judge.batches == 0:
                return self._finish(self.spec.no_data, f"no data: {why} without a paired batch to compare "
                                                       f"(no_data = {self.spec.no_data})")
            money = self._money(comparison)
            return self._finish("inconclusive", f"{why}; the money judge had not decided ({money.message})")
        money = self._money(comparison)
        return self._finish(money.phase, money.message)

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

    # ---- the money judge ------------------------------------------------------------------------

    @property
    def money_judge(self) -> Judge:
        assert self.judge is not None
        return self.judge

    def pair(self, difference: float, *, candles: int = 0) -> None:
        """One paired batch's difference (:func:`liveswap.judge.pair_by_batch`), in batch order, and
        how many candles (either side bet on) it pairs."""
        if not self.done and self.money_judge.verdict == "running":
            self.money_judge.add(difference)
            self.paired_candles += candles

    def _money_phase(self, comparison: Comparison) -> Verdict:
        """The money metric's phase, cheaply (no bounds computed): the judge's verdict once the
        candidate has ``min_bets`` bets, inconclusive at ``max_bets``."""
        if comparison.candidate.bets < self.spec.min_bets:
            return "running"
        verdict = self.money_judge.verdict
        return "inconclusive" if verdict == "running" and comparison.candidate.bets >= self.spec.max_bets else verdict

    def _money(self, comparison: Comparison) -> MetricResult:
        judge, spec, cand = self.money_judge, self.spec, comparison.candidate
        design = judge.design
        result = MetricResult("money", condition=f"lower bound > {design.min_edge:+g} promotes, upper bound < "
                                                 f"{design.margin:+g} fails (per batch, per dollar staked)")
        result.value = judge.sequence.mean
        result.phase = self._money_phase(comparison)
        reason = judge.judgment().reason
        if cand.bets < spec.min_bets:
            result.message = f"waiting for min_bets ({cand.bets}/{spec.min_bets}); {reason}"
        elif result.phase == "inconclusive" and judge.verdict == "running":
            result.message = f"max_bets {spec.max_bets} reached undecided: {reason}"
        else:
            result.message = reason
        return result

    def money(self) -> dict[str, Any]:
        """What ``rollout --json`` shows of the judge: estimate, bounds, paired batches, declared rates."""
        judge = self.money_judge
        d = judge.design
        return {**judge.judgment().to_dict(), "paired_candles": self.paired_candles, "alpha": d.alpha,
                "beta": d.beta, "min_edge": d.min_edge, "margin": d.margin, "horizon": d.horizon, "bound": d.bound}

    def assess(self, comparison: Comparison) -> Assessment:
        money = self._money(comparison)
        if self.done and self.verdict != "failed":
            for guard in self.guards.values():
                if guard.phase == "running" and guard.measurements:
                    guard.phase = "successful"  # terminated indefinite metrics succeed (Argo)
        reason = self.reason or money.message
        return Assessment(self.verdict, reason, [money, *self.guards.values()], self.money())

    # ---- persistence --------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "reason": self.reason, "markets": self.markets,
                "guards": {name: asdict(g) for name, g in self.guards.items()}, "judge": self.money_judge.state(),
                "paired_candles": self.paired_candles}

    @classmethod
    def from_state(cls, spec: AnalysisSpec, data: dict[str, Any]) -> AnalysisRun:
        guards = {name: MetricResult(**g) for name, g in data.get("guards", {}).items() if name in GUARDS}
        markets = int(data.get("markets", 9))
        judge = Judge.from_state(spec.design(markets), data["judge"]) if "judge" in data else None
        return cls(spec, guards, data.get("verdict", "running"), data.get("reason", ""), markets, judge,
                   int(data.get("paired_candles", 0)))
