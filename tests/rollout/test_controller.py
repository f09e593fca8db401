"""The candidate's lifecycle on a real engine (in-process runners): shadow, resume, promote, reject."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from liveswap.api import Intent, hookimpl
from liveswap.home.control import CandidateRequest
from liveswap.journal import candidates as cj
from liveswap.rollout.controller import RolloutController
from liveswap.swap.loader import InProcessLoader
from liveswap.swap.manager import SwapManager

from tests.support.engine_helpers import Probe, advance, connect_in_step, make_engine, probe_version


class Contrarian(Probe):
    """Bets against the probe: every pair of bets with the probe is discordant."""

    @hookimpl
    def on_candle(self, candle: Any, ctx: Any) -> list[Intent]:
        self.seen.append([candle.market, candle.start, "contra"])
        side = "down" if candle.close >= candle.open else "up"
        return [Intent(candle.market, side, 1.0)]


def _host(home: Path, loader: InProcessLoader, active: str = "probe==1.0.0",
          **kw: Any) -> tuple[Any, SwapManager, RolloutController]:
    version = active.partition("==")[2]
    engine = make_engine(home, strategy=loader.strategies[active], version=version, **kw)
    engine.journal.record_swap(kind="start", from_version=None, to_version=engine.active.spec, ok=True,
                               reason="", batch_end=engine.cursor)
    swaps = SwapManager(engine, loader, probation_batches=3)
    rollouts = RolloutController(engine, loader, swaps, snapshot_every=4)
    connect_in_step(engine, swaps=swaps, rollouts=rollouts)  # the shadow decides on its own thread
    return engine, swaps, rollouts


def _ask(spec: str, request: int = 1, **kw: Any) -> CandidateRequest:
    return CandidateRequest(spec=spec, mode="shadow", markets=[], analysis=kw.pop("analysis", {}),
                        auto_promote=kw.pop("auto_promote", False), request=request, **kw)


def _start(engine: Any, rollouts: RolloutController, ask: CandidateRequest) -> list[str | None]:
    outcome: list[str | None] = []
    rollouts.request(ask, generation=ask.request, done=outcome.append)
    assert rollouts.wait_prepared()
    rollouts.tick(engine)
    return outcome


def _loader() -> InProcessLoader:
    return InProcessLoader({"probe==1.0.0": probe_version("1.0.0"), "probe==2.0.0": probe_version("2.0.0"),
                            "contra==1.0.0": Contrarian})


def test_shadow_decides_every_batch_after_the_active_one_without_sending_an_order(home: Path) -> None:
    engine, _, rollouts = _host(home, _loader())
    advance(engine, 1800)
    real_orders = len(engine.journal.query("SELECT * FROM orders"))
    assert _start(engine, rollouts, _ask("probe==2.0.0")) == [None]
    start = engine.cursor
    advance(engine, 3600)
    slot = rollouts.slot
    assert slot is not None and slot.cursor == engine.cursor
    state = slot.strategy.runner.export_state()
    # it took the active version's state, then decided every candle since, tagged with its version
    assert [s[2] for s in state["seen"] if s[1] < start] == ["1.0.0"] * sum(1 for s in state["seen"] if s[1] < start)
    mine = {(m, st) for m, st, v in state["seen"] if v == "2.0.0"}
    decided_since = {(r[0], r[1]) for r in engine.journal.query(
        "SELECT market, candle_start FROM decisions WHERE batch_end > ?", (start,))}
    assert mine == decided_since
    # its intents became hypothetical orders attributed to it; the real orders are the active's alone
    hypo = cj.hypothetical_orders(engine.journal, slot.candidate_id)
    assert hypo and {r["spec"] for r in hypo} == {"probe==2.0.0"}
    assert {r["version"] for r in engine.journal.query("SELECT version FROM orders")} == {"1.0.0"}
    assert len(engine.journal.query("SELECT * FROM orders")) > real_orders
    # settled like real bets: hypothetical fills hear of it too
    assert any(r["settled_batch"] is not None for r in hypo)
    assert state["fills"] and state["settled"]
    status = rollouts.status()
    assert status is not None and status["spec"] == "probe==2.0.0" and status["verdict"] == "running"
    assert status["active"]["spec"] == "probe==1.0.0" and status["bets"] == slot.comparison.candidate.bets > 0


def test_a_killed_host_resumes_the_shadow_exactly(home: Path, tmp_path: Path) -> None:
    """kill -9 between snapshots: the restarted host resumes from the snapshot and re-decides."""
    reference_home = tmp_path / "ref"
    (reference_home / "state").mkdir(parents=True)
    ref_engine, _, ref = _host(reference_home, _loader())
    advance(ref_engine, 900)
    _start(ref_engine, ref, _ask("probe==2.0.0"))
    advance(ref_engine, 300 * 23)

    engine, _, rollouts = _host(home, _loader())
    advance(engine, 900)
    _start(engine, rollouts, _ask("probe==2.0.0"))
    advance(engine, 300 * 10)  # snapshots every 4 batches: the last one is 2 batches back
    engine.journal.close()  # "kill -9": nothing else is closed or saved
    engine2, _, rollouts2 = _host(home, _loader(), t=engine.clock.now())
    assert _start(engine2, rollouts2, _ask("probe==2.0.0")) == [None]
    assert rollouts2.slot is not None and rollouts2.slot.cursor <= engine2.cursor
    advance(engine2, 300 * 13)

    def rows(e: Any, slot: Any) -> list[tuple[Any, ...]]:
        return [tuple(r)[1:] for r in cj.hypothetical_orders(e.journal, slot.candidate_id)]

    assert rows(engine2, rollouts2.slot) == rows(ref_engine, ref.slot)
    assert rollouts2.slot.comparison.to_dict() == ref.slot.comparison.to_dict()
    assert rollouts2.slot.strategy.runner.export_state() == ref.slot.strategy.runner.export_state()


def test_promote_keeps_the_candidates_own_worker_and_state(home: Path) -> None:
    engine, _, rollouts = _host(home, _loader())
    advance(engine, 900)
    _start(engine, rollouts, _ask("probe==2.0.0"))
    advance(engine, 1800)
    slot = rollouts.slot
    assert slot is not None
    runner = slot.strategy.runner
    outcome: list[str | None] = []
    rollouts.request(_ask("probe==2.0.0", promote=5), generation=5, done=outcome.append)
    assert outcome == [None]
    assert engine.active.runner is runner and engine.active.spec == "probe==2.0.0"
    assert rollouts.slot is None
    seen_before = list(runner.export_state()["seen"])
    advance(engine, 900)
    # the promoted worker simply goes on: the same state plus the new candles, now traded
    assert runner.export_state()["seen"][: len(seen_before)] == seen_before
    assert {r[0] for r in engine.journal.query(
        "SELECT version FROM decisions WHERE batch_end > ?", (slot.cursor,))} == {"2.0.0"}
    guard, row = cj.history(engine.journal)[:2]
    assert row["outcome"] == "promoted" and row["figures"]
    assert engine.journal.query("SELECT kind, to_version FROM swaps ORDER BY id DESC LIMIT 1")[0][:] == (
        "promote", "probe==2.0.0")
    # the replaced version now shadows the promoted one (the guard), for the declared batches
    assert (guard["spec"], guard["mode"], guard["active"], guard["ended_at"]) == (
        "probe==1.0.0", "guard", "probe==2.0.0", None)


def _promoted_with_a_guard(home: Path) -> Any:
    engine, _, rollouts = _host(home, _loader())
    advance(engine, 900)
    _start(engine, rollouts, _ask("probe==2.0.0"))
    advance(engine, 900)
    rollouts.request(_ask("probe==2.0.0", promote=5), generation=5, done=lambda _: None)
    assert rollouts.wait_prepared()
    advance(engine, 300 * 6)  # the guard starts at the next tick, then shadows six batches
    assert rollouts.slot is not None and (rollouts.status() or {}).get("mode") == "guard"
    return engine, rollouts


def test_a_guard_survives_a_restart_and_reject_ends_it_keeping_the_new_version(home: Path) -> None:
    engine, rollouts = _promoted_with_a_guard(home)
    guard_id, decided = rollouts.slot.candidate_id, rollouts.slot.cursor
    engine.journal.close()  # "kill -9"
    engine2, _, rollouts2 = _host(home, _loader(), active="probe==2.0.0", t=engine.clock.now())
    assert rollouts2.wait_prepared()
    rollouts2.tick(engine2)
    slot = rollouts2.slot
    assert slot is not None and slot.candidate_id == guard_id and slot.spec == "probe==1.0.0"
    status = rollouts2.status() or {}
    assert (status["mode"], status["guard_of"]) == ("guard", "probe==2.0.0")
    advance(engine2, 300 * 3)
    assert rollouts2.wait_caught_up() and rollouts2.slot is not None and rollouts2.slot.cursor > decided
    outcome: list[str | None] = []
    rollouts2.request(None, generation=7, done=outcome.append)  # `liveswap reject` during the guard
    assert outcome == [None] and rollouts2.slot is None and engine2.active.spec == "probe==2.0.0"
    row = cj.history(engine2.journal)[0]
    assert (row["id"], row["outcome"], row["reason"]) == (guard_id, "kept", "guard ended by the operator: "
                                                                           "probe==2.0.0 kept")


def test_a_guard_whose_promoted_version_is_no_longer_active_ends_at_the_restart(home: Path) -> None:
    engine, rollouts = _promoted_with_a_guard(home)
    guard_id = rollouts.slot.candidate_id
    engine.journal.close()
    # the host comes back running 1.0.0 (e.g. an operator's rollback while it was down)
    engine2, _, rollouts2 = _host(home, _loader(), active="probe==1.0.0", t=engine.clock.now())
    assert rollouts2.slot is None and rollouts2._preparing is None
    row = cj.history(engine2.journal)[0]
    assert (row["id"], row["outcome"]) == (guard_id, "replaced") and "no longer the active version" in row["reason"]


def test_reject_stops_the_candidate_and_keeps_its_record(home: Path) -> None:
    engine, _, rollouts = _host(home, _loader())
    advance(engine, 900)
    _start(engine, rollouts, _ask("probe==2.0.0"))
    advance(engine, 900)
    outcome: list[str | None] = []
    rollouts.request(None, generation=3, done=outcome.append)
    assert outcome == [None] and rollouts.slot is None
    assert engine.active.spec == "probe==1.0.0"
    row = cj.history(engine.journal)[0]
    assert row["outcome"] == "rejected" and row["reason"] == "rejected by the operator"
    status = rollouts.status()
    assert status is not None and status["phase"] == "rejected"
    # a restarted host shows the last candidate from the journal
    again = RolloutController(engine, _loader(), SwapManager(engine, _loader())).status()
    assert again is not None and again["phase"] == "rejected" and again["spec"] == "probe==2.0.0"
    assert again["figures"]["candidate"]["spec"] == "probe==2.0.0"


class NoExport(Probe):
    """A version whose export_state always raises: it must hold no rollout or promotion hostage."""

    @hookimpl
    def export_state(self) -> dict[str, Any]:
        raise RuntimeError("no state for you")


def test_an_active_version_that_cannot_export_never_blocks_a_candidate_or_its_promotion(home: Path) -> None:
    loader = InProcessLoader({"probe==1.0.0": NoExport, "probe==2.0.0": probe_version("2.0.0")})
    engine, _, rollouts = _host(home, loader)
    advance(engine, 1800)
    assert _start(engine, rollouts, _ask("probe==2.0.0")) == [None]  # it warms up without the state
    advance(engine, 600)
    slot = rollouts.slot
    assert slot is not None and slot.cursor == engine.cursor
    outcome: list[str | None] = []
    rollouts.request(_ask("probe==2.0.0", promote=5), generation=5, done=outcome.append)
    assert outcome == [None] and engine.active.spec == "probe==2.0.0"
    swap = engine.last_swap
    assert swap is not None and swap.ok and swap.state.startswith(
        "probe==1.0.0 could not export its state (export_state raised RuntimeError: no state for you")
    assert swap.state.endswith("2.0.0 keeps its own live state (a candidate)")


def test_a_different_strategy_is_warmed_up_not_given_foreign_state(home: Path) -> None:
    engine, _, rollouts = _host(home, _loader())
    advance(engine, 1800)
    start = engine.cursor
    _start(engine, rollouts, _ask("contra==1.0.0"))
    slot = rollouts.slot
    assert slot is not None
    advance(engine, 300)  # the warm-up runs on the shadow's own thread, before its first batch
    seen = slot.strategy.runner.export_state()["seen"]
    warm = [s for s in seen if s[1] < start]
    assert warm and all(v == "contra" for _, _, v in seen)  # decided the journal's candles itself


def test_auto_promote_acts_on_the_verdict(home: Path) -> None:
    # loose declared rates and a tight bound: the verdict comes within a few paired batches
    analysis = {"min_bets": 1, "alpha": 0.45, "beta": 0.45, "bound_per_market": 0.05, "margin": 0.0,
                "max_fault_rate": None, "guard_batches": 0}
    engine, _, rollouts = _host(home, _loader())
    advance(engine, 900)
    _start(engine, rollouts, _ask("contra==1.0.0", analysis=analysis, auto_promote=True))
    advance(engine, 3000)
    row = cj.history(engine.journal)[0]
    assert row["verdict"] in ("successful", "failed")
    if row["verdict"] == "successful":
        assert row["outcome"] == "promoted" and engine.active.spec == "contra==1.0.0"
    else:
        assert row["outcome"] == "rejected" and engine.active.spec == "probe==1.0.0"
    assert rollouts.slot is None


def test_a_crashing_candidate_is_rejected_automatically(home: Path) -> None:
    loader = _loader()
    loader.add("probe", "3.0.0", probe_version("3.0.0", fail_after=0))
    engine, _, rollouts = _host(home, loader)
    advance(engine, 900)
    _start(engine, rollouts, _ask("probe==3.0.0", auto_promote=True))
    advance(engine, 300 * 8)
    row = cj.history(engine.journal)[0]
    assert row["outcome"] == "rejected" and row["verdict"] == "failed"
    assert "faulted on 5 batches in a row" in row["reason"]
    assert engine.active.spec == "probe==1.0.0"
    # the active version never noticed
    assert engine.journal.query("SELECT COUNT(*) FROM decisions WHERE fault IS NOT NULL")[0][0] == 0


def test_unknown_candidate_and_bad_analysis_are_refused(home: Path) -> None:
    engine, _, rollouts = _host(home, _loader())
    advance(engine, 600)
    assert "unknown" in (_start(engine, rollouts, _ask("nope==1.0.0"))[0] or "")
    out: list[str | None] = []
    rollouts.request(_ask("probe==2.0.0", request=2, analysis={"alpha": 2}), generation=2, done=out.append)
    assert out and out[0] is not None and "alpha" in out[0]
    assert rollouts.slot is None


def _canary(spec: str, markets: list[str], request: int = 1, **kw: Any) -> CandidateRequest:
    return CandidateRequest(spec=spec, mode="canary", markets=markets, request=request, **kw)


def test_canary_trades_its_markets_the_active_trades_the_rest_risk_holds_for_both(home: Path) -> None:
    engine, _, rollouts = _host(home, _loader(), risk={"max_open_positions": 4, "daily_loss_limit": 1e6})
    advance(engine, 900)
    assert _start(engine, rollouts, _canary("probe==2.0.0", ["BTC-5m", "ETH-5m"])) == [None]
    start = engine.cursor
    inherited = len(rollouts.slot.strategy.runner.export_state()["fills"])  # type: ignore[union-attr]
    most_open = 0
    for _ in range(24):
        advance(engine, 300)
        most_open = max(most_open, len(engine.ledger.positions))
    assert most_open <= 4  # one set of limits for both versions together
    decided = engine.journal.query("SELECT market, version FROM decisions WHERE batch_end > ?", (start,))
    assert {m for m, v in decided if v == "2.0.0"} == {"BTC-5m", "ETH-5m"}
    assert {v for m, v in decided if m in ("BTC-5m", "ETH-5m")} == {"2.0.0"}  # each market: one version
    sent = engine.journal.query("SELECT market, version FROM orders WHERE batch_end > ?", (start,))
    assert {m for m, v in sent if v == "2.0.0"} <= {"BTC-5m", "ETH-5m"} and any(v == "2.0.0" for _, v in sent)
    assert not {m for m, v in sent if v == "1.0.0"} & {"BTC-5m", "ETH-5m"}
    slot = rollouts.slot
    assert slot is not None and not cj.hypothetical_orders(engine.journal, slot.candidate_id)
    own = {r[0] for r in engine.journal.query("SELECT client_order_id FROM fills WHERE version='2.0.0'")}
    state = slot.strategy.runner.export_state()
    assert state["fills"][inherited:] and set(state["fills"][inherited:]) <= own  # it hears of its own fills only
    assert slot.comparison.candidate.bets > 0 and slot.comparison.active.bets > 0
    status = rollouts.status()
    assert status is not None and status["mode"] == "canary" and status["markets"] == ["BTC-5m", "ETH-5m"]


def test_rejecting_a_canary_gives_its_markets_back(home: Path) -> None:
    engine, _, rollouts = _host(home, _loader())
    advance(engine, 900)
    _start(engine, rollouts, _canary("probe==2.0.0", ["SOL-5m"]))
    advance(engine, 900)
    rollouts.request(None, generation=2, done=lambda r: None)
    cut = engine.cursor
    advance(engine, 900)
    assert engine.canary is None
    assert {r[0] for r in engine.journal.query("SELECT version FROM decisions WHERE batch_end > ?", (cut,))} == {
        "1.0.0"}


def test_promoting_a_canary_hands_it_every_market(home: Path) -> None:
    engine, _, rollouts = _host(home, _loader())
    advance(engine, 900)
    _start(engine, rollouts, _canary("probe==2.0.0", ["SOL-5m"]))
    advance(engine, 900)
    runner = rollouts.slot.strategy.runner  # type: ignore[union-attr]
    out: list[str | None] = []
    rollouts.request(_canary("probe==2.0.0", ["SOL-5m"], promote=3), generation=3, done=out.append)
    assert out == [None] and engine.active.runner is runner and engine.canary is None
    cut = engine.cursor
    advance(engine, 900)
    assert {r[0] for r in engine.journal.query("SELECT version FROM decisions WHERE batch_end > ?", (cut,))} == {
        "2.0.0"}


def test_canary_refusals(home: Path) -> None:
    engine, _, rollouts = _host(home, _loader())
    advance(engine, 600)
    everything = list(engine.markets)
    assert "at least one market" in (_start(engine, rollouts, _canary("probe==2.0.0", everything))[0] or "")
    assert "version number" in (_start(engine, rollouts, _canary("contra==1.0.0", ["BTC-5m"], request=2))[0] or "")
    assert engine.canary is None and rollouts.slot is None


def test_a_candidate_that_reads_none_of_the_active_schemas_is_warmed_up_not_given_its_state(home: Path) -> None:
    loader = _loader()
    loader.add("probe", "1.1.0", probe_version("1.1.0"), state={"schema": 1, "reads": [1]})
    loader.add("probe", "3.0.0", probe_version("3.0.0"), state={"schema": 3, "reads": [3]})
    engine, swaps, rollouts = _host(home, loader)
    advance(engine, 900)
    done: list[str | None] = []
    swaps.request(kind="activate", spec="probe==1.1.0", generation=1, done=done.append)
    assert swaps.wait_prepared()
    swaps.tick(engine)
    assert done == [None] and engine.active.spec == "probe==1.1.0"
    advance(engine, 900)
    assert _start(engine, rollouts, _ask("probe==3.0.0", request=2)) == [None]
    slot = rollouts.slot
    assert slot is not None
    advance(engine, 300)  # the warm-up runs on the shadow's own thread, before its first batch
    warm = slot.strategy.runner.export_state()["seen"]
    assert warm and all(v == "3.0.0" for *_, v in warm)  # the journal's candles, decided by itself
