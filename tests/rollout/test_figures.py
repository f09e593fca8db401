"""Per-version figures: win rate, PnL, drawdown from the running peak, faults, exact resume."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from liveswap.rollout.figures import Comparison, VersionFigures


def test_drawdown_is_the_largest_fall_from_the_running_peak() -> None:
    f = VersionFigures("m==1")
    for pnl in (2.0, 1.0, -4.0, 3.0, -1.0, -0.5):
        f.record_settlement(won=pnl > 0, pnl=pnl)
        f.mark()
    # cumulative: 2, 3, -1, 2, 1, 0.5 -> peak 3, trough -1
    assert f.max_drawdown == 4.0
    assert (f.bets, f.wins, f.win_rate) == (6, 3, 0.5)


def test_drawdown_is_taken_per_batch_whatever_order_a_batch_settles_in() -> None:
    a, b = VersionFigures("m==1"), VersionFigures("m==1")
    for f, batch in ((a, (3.0, -4.0)), (b, (-4.0, 3.0))):
        for pnl in batch:
            f.record_settlement(won=pnl > 0, pnl=pnl)
        f.mark()
    assert a.max_drawdown == b.max_drawdown == 1.0


def test_figures_as_shown_to_the_operator() -> None:
    cmp = Comparison.start("m==2", "m==1")
    cmp.candidate.record_batch(candles=9, fault=False)
    cmp.candidate.record_batch(candles=9, fault=True)
    cmp.candidate.record_fill()
    cmp.candidate.record_fill()
    cmp.settle_candidate(won=True, pnl=0.93, fee=0.07)
    cmp.settle_active(won=False, pnl=-1.07)
    shown = cmp.to_dict()
    assert shown["candidate"] == {
        "spec": "m==2", "candles": 18, "batches": 2, "bets": 1, "wins": 1, "win_rate": 1.0, "pnl": 0.93,
        "fees": 0.07, "max_drawdown": 0.0, "faults": 1, "fault_rate": 0.5, "open_bets": 1}
    assert shown["pnl_difference"] == 2.0
    assert VersionFigures("x").to_dict()["win_rate"] is None


@given(st.lists(st.floats(-5, 5, allow_nan=False), max_size=50))
def test_drawdown_is_never_negative_and_never_above_the_total_range(pnls: list[float]) -> None:
    f = VersionFigures("m==1")
    for p in pnls:
        f.record_settlement(won=p > 0, pnl=p)
        f.mark()
    assert 0.0 <= f.max_drawdown <= sum(abs(p) for p in pnls) + 1e-9
    assert VersionFigures.from_state(f.state()) == f
