"""The analysis run: Argo's verdicts (running, successful, failed, inconclusive), limits, no data;
the money metric is the judge's (liveswap.judge) on paired batches."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st
from liveswap.rollout.analysis import AnalysisRun
from liveswap.rollout.figures import Comparison
from liveswap.rollout.spec import AnalysisSpec


def _batch(cmp: Comparison, run: AnalysisRun, cand: list[bool], act: list[bool], *, stake: float = 1.0,
           fault: bool = False, candles: int = 9) -> str:
    """One batch: the candidate decided ``candles`` candles and settled ``cand``; the active settled ``act``."""
    cmp.candidate.record_batch(candles=candles, fault=fault)
    cmp.active.record_batch(candles=candles, fault=False)
    for won in cand:
        cmp.settle_candidate(won=won, pnl=stake if won else -stake)
    for won in act:
        cmp.settle_active(won=won, pnl=stake if won else -stake)
    if cand or act:  # even-money bets: +1 or -1 per dollar, summed over the batch
        run.pair(sum(1.0 if w else -1.0 for w in cand) - sum(1.0 if w else -1.0 for w in act))
    return run.observe(cmp, settled=bool(cand))


def _run(spec: AnalysisSpec) -> AnalysisRun:
    return AnalysisRun(spec, markets=1)


def _simulate(spec: AnalysisSpec, p_cand: float, p_act: float, seed: int, batches: int = 5000) -> AnalysisRun:
    rng = random.Random(seed)
    cmp, run = Comparison.start("m==2", "m==1"), _run(spec)
    for _ in range(batches):
        if _batch(cmp, run, [rng.random() < p_cand], [rng.random() < p_act]) != "running":
            break
    return run


def test_a_clearly_better_candidate_succeeds_on_money() -> None:
    run = _simulate(AnalysisSpec(min_bets=20), 0.75, 0.45, seed=1)
    assert run.verdict == "successful"
    assert "the lower bound clears min_edge +0" in run.reason


def test_a_clearly_worse_candidate_fails_on_money() -> None:
    run = _simulate(AnalysisSpec(min_bets=20), 0.35, 0.65, seed=1)
    assert run.verdict == "failed"
    assert "the upper bound is below the margin -0.25" in run.reason


def test_an_equal_candidate_is_not_promoted() -> None:
    spec = AnalysisSpec(min_bets=20, horizon=300)
    outcomes = [_simulate(spec, 0.5, 0.5, seed=s).verdict for s in range(20)]
    assert outcomes.count("successful") <= 3  # alpha = 0.05 declared
    assert "inconclusive" in outcomes


def test_no_verdict_before_min_bets_even_past_a_boundary() -> None:
    cmp, run = Comparison.start("m==2", "m==1"), _run(AnalysisSpec(min_bets=50))
    for _ in range(40):  # 40 batches all won by the candidate: far past the lower bound clearing 0
        assert _batch(cmp, run, [True], [False]) == "running"
    assessment = run.assess(cmp)
    assert "waiting for min_bets (40/50)" in assessment.reason
    assert assessment.money["verdict"] == "successful" and assessment.money["lower"] > 0  # the judge decided
    for _ in range(10):
        verdict = _batch(cmp, run, [True], [False])
    assert verdict == "successful"


def test_drawdown_guard_fails_past_the_failure_limit() -> None:
    spec = AnalysisSpec(min_bets=5, max_drawdown=3.0, failure_limit=2)
    cmp, run = Comparison.start("m==2", "m==1"), _run(spec)
    for _ in range(5):
        _batch(cmp, run, [True], [True])
    verdicts = [_batch(cmp, run, [False], [False]) for _ in range(6)]
    # drawdown 1, 2, 3 pass; 4, 5 fail (2 failures tolerated); 6 is the third failure
    assert verdicts == ["running"] * 5 + ["failed"]
    assert run.reason.startswith("max_drawdown: 3 failed measurement(s) > failure_limit 2")


def test_a_dry_run_guard_is_shown_but_never_gates() -> None:
    spec = AnalysisSpec(min_bets=5, max_drawdown=None, max_pnl_shortfall=None, max_bets=30)
    cmp, run = Comparison.start("m==2", "m==1"), _run(spec)
    for _ in range(25):
        _batch(cmp, run, [False], [False], stake=10.0)
    assert run.verdict == "running"
    drawdown = next(m for m in run.assess(cmp).metrics if m.name == "max_drawdown")
    assert drawdown.dry_run and drawdown.measurements == 21 and drawdown.value == 250.0


def test_pnl_shortfall_guard() -> None:
    spec = AnalysisSpec(min_bets=3, max_pnl_shortfall=2.5)
    cmp, run = Comparison.start("m==2", "m==1"), _run(spec)
    for _ in range(2):
        _batch(cmp, run, [False], [True])
    assert _batch(cmp, run, [False], [True]) == "failed"  # -3 vs +3: trails by 6 > 2.5
    assert "pnl_difference" in run.reason


def test_consecutive_faults_end_the_run_as_failed_at_once() -> None:
    cmp, run = Comparison.start("m==2", "m==1"), _run(AnalysisSpec(consecutive_error_limit=2))
    assert [_batch(cmp, run, [], [], fault=True) for _ in range(3)] == ["running", "running", "failed"]
    assert run.reason.startswith("error: the candidate faulted on 3 batches in a row")


def test_fault_rate_guard_counts_faulted_batches() -> None:
    for limit, expected in ((0.3, "failed"), (0.4, "running")):
        spec = AnalysisSpec(min_bets=2, max_fault_rate=limit, consecutive_error_limit=100)
        cmp, run = Comparison.start("m==2", "m==1"), _run(spec)
        _batch(cmp, run, [], [], fault=True)
        assert _batch(cmp, run, [True], [True]) == "running"  # not measured before min_bets
        assert _batch(cmp, run, [True], [True]) == expected  # 1 faulted batch of 3
    assert "fault_rate" in _run(AnalysisSpec()).guards


def test_no_data_when_the_candle_budget_ends_a_silent_candidate() -> None:
    for declared in ("inconclusive", "failed", "successful"):
        spec = AnalysisSpec(max_candles=90, no_data=declared)  # type: ignore[arg-type]
        cmp, run = Comparison.start("m==2", "m==1"), _run(spec)
        verdicts = [_batch(cmp, run, [], [True]) for _ in range(10)]
        assert verdicts[-1] == declared and verdicts[:-1] == ["running"] * 9
        assert run.reason.startswith("no data: candle budget spent")


def test_one_sided_bets_are_paired_against_zero() -> None:
    cmp, run = Comparison.start("m==2", "m==1"), _run(AnalysisSpec(min_bets=3))
    for _ in range(4):
        _batch(cmp, run, [True], [])  # the active version never bets
    assert run.terminate(cmp, "operator ended the rollout") == "inconclusive"
    assert "money judge had not decided" in run.reason
    assert run.money()["batches"] == 4 and run.money()["estimate"] == 1.0


def test_no_paired_batch_at_termination_is_no_data_too() -> None:
    cmp, run = Comparison.start("m==2", "m==1"), _run(AnalysisSpec(min_bets=3))
    for _ in range(4):
        cmp.candidate.record_batch(candles=9, fault=False)
        cmp.settle_candidate(won=True, pnl=1.0)
        run.observe(cmp, settled=True)  # settled, but no batch complete on both sides yet
    assert run.terminate(cmp, "operator ended the rollout") == "inconclusive"
    assert "without a paired batch" in run.reason


def test_an_undecided_judge_at_termination_is_inconclusive() -> None:
    cmp, run = Comparison.start("m==2", "m==1"), _run(AnalysisSpec(min_bets=3))
    for won in (True, False, True, False):
        _batch(cmp, run, [won], [not won])
    assert run.terminate(cmp, "operator ended the rollout") == "inconclusive"
    assert run.reason.startswith("operator ended the rollout; the money judge had not decided")


def test_max_bets_undecided_is_inconclusive() -> None:
    cmp, run = Comparison.start("m==2", "m==1"), _run(AnalysisSpec(min_bets=5, max_bets=12))
    verdicts = [_batch(cmp, run, [True], [True]) for _ in range(12)]  # equal money: no evidence
    assert verdicts[-1] == "inconclusive" and "max_bets 12 reached undecided" in run.reason


def test_a_verdict_never_changes_and_guards_that_held_are_successful() -> None:
    run = _simulate(AnalysisSpec(min_bets=20, max_drawdown=1000.0), 0.8, 0.4, seed=2)
    assert run.verdict == "successful"
    cmp = Comparison.start("m==2", "m==1")
    assert _batch(cmp, run, [False] * 50, [True] * 50) == "successful"
    assessment = run.assess(cmp)
    assert {m.name: m.phase for m in assessment.metrics}["max_drawdown"] == "successful"


@settings(max_examples=30, deadline=None)
@given(outcomes=st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=120),
       cut=st.integers(0, 120))
def test_state_round_trip_resumes_identically(outcomes: list[tuple[bool, bool]], cut: int) -> None:
    spec = AnalysisSpec(min_bets=5, max_drawdown=6.0, failure_limit=1)
    cmp_a, run_a = Comparison.start("m==2", "m==1"), _run(spec)
    cmp_b, run_b = Comparison.start("m==2", "m==1"), _run(spec)
    for i, (c, a) in enumerate(outcomes):
        _batch(cmp_a, run_a, [c], [a])
        if i == cut:  # "kill -9" here: resume B from A's persisted state
            cmp_b = Comparison.from_state(cmp_a.state())
            run_b = AnalysisRun.from_state(spec, run_a.state())
        elif i > cut:
            _batch(cmp_b, run_b, [c], [a])
    if cut < len(outcomes):
        assert (run_b.verdict, run_b.reason) == (run_a.verdict, run_a.reason)
        assert run_b.assess(cmp_b).to_dict() == run_a.assess(cmp_a).to_dict()
