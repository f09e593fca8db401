"""The hot swap: commit between batches, probation, automatic rollback, restarts (in-process
runners, so each test is about the swap logic; tests/swap/test_manager_sandboxed.py does it for real)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from liveswap.api import hookimpl
from liveswap.cli.main import main
from liveswap.control import ControlWatcher
from liveswap.host import connect
from liveswap.swap.loader import InProcessLoader
from liveswap.swap.manager import SwapManager

from tests.support.engine_helpers import Probe, advance, make_engine, probe_version, status_json


def setup_swaps(home: Path, loader: InProcessLoader, probation: int = 3, **kw: Any) -> tuple[Any, SwapManager]:
    engine = make_engine(home, strategy=loader.strategies["probe==1.0.0"], **kw)
    engine.journal.record_swap(kind="start", from_version=None, to_version=engine.active.spec, ok=True,
                               reason="", batch_end=engine.cursor)
    swaps = SwapManager(engine, loader, probation_batches=probation)
    connect(engine, swaps=swaps)
    return engine, swaps


def activate(engine: Any, swaps: SwapManager, spec: str, kind: str = "activate") -> list[str | None]:
    outcome: list[str | None] = []
    swaps.request(kind=kind, spec=spec, generation=1, done=outcome.append)  # type: ignore[arg-type]
    assert swaps.wait_prepared()
    swaps.tick(engine)
    return outcome


def decided_by(engine: Any) -> dict[tuple[str, int], str]:
    return {(r[0], r[1]): r[2] for r in engine.journal.query("SELECT market, candle_start, version FROM decisions")}


def test_commit_between_batches_carries_state_and_positions(home: Path) -> None:
    loader = InProcessLoader({"probe==1.0.0": probe_version("1.0.0"), "probe==2.0.0": probe_version("2.0.0")})
    engine, swaps = setup_swaps(home, loader)
    advance(engine, 1800)
    positions, balance = dict(engine.ledger.positions), engine.ledger.balance
    assert activate(engine, swaps, "probe==2.0.0") == [None]
    assert engine.active.spec == "probe==2.0.0"
    assert engine.ledger.positions == positions and engine.ledger.balance == balance
    assert engine.last_swap.ok and engine.last_swap.pause_ms < 1000
    advance(engine, 1800)
    state = engine.active.runner.export_state()
    versions = [x[2] for x in state["seen"]]
    assert "1.0.0" in versions and "2.0.0" in versions  # 2.0.0 carried 1.0.0's state
    assert len(state["seen"]) == len(decided_by(engine))


def test_many_swaps_every_candle_decided_once(home: Path) -> None:
    loader = InProcessLoader({f"probe=={v}": probe_version(v) for v in ("1.0.0", "1.1.0", "2.0.0")})
    engine, swaps = setup_swaps(home, loader, probation=2)
    specs = ["probe==1.1.0", "probe==2.0.0", "probe==1.0.0"]
    for i in range(12):
        advance(engine, 300 * (1 + i % 3))
        kind = "rollback" if i % 4 == 3 else "activate"
        activate(engine, swaps, None if kind == "rollback" else specs[i % 3], kind)  # type: ignore[arg-type]
    advance(engine, 900)
    seen = engine.active.runner.export_state()["seen"]
    keys = [(m, s) for m, s, _ in seen]
    assert len(keys) == len(set(keys)) == len(decided_by(engine))
    # the strategy saw every decided candle exactly once (a rollback replays the batches since the swap
    # into the previous version, so its state tags them with its own version; the journal says who decided)
    assert set(keys) == set(decided_by(engine))


def test_refused_import_changes_nothing(home: Path) -> None:
    loader = InProcessLoader({"probe==1.0.0": probe_version("1.0.0"),
                              "probe==2.0.0": probe_version("2.0.0", refuse_import=True)})
    engine, swaps = setup_swaps(home, loader)
    advance(engine, 900)
    outcome = activate(engine, swaps, "probe==2.0.0")
    assert outcome[0] is not None and "refused the state" in outcome[0]
    assert engine.active.spec == "probe==1.0.0"
    advance(engine, 900)
    assert set(decided_by(engine).values()) == {"1.0.0"}
    assert engine.journal.query("SELECT ok, reason FROM swaps ORDER BY id DESC LIMIT 1")[0][0] == 0


def test_unknown_version_is_refused(home: Path) -> None:
    engine, swaps = setup_swaps(home, InProcessLoader({"probe==1.0.0": probe_version("1.0.0")}))
    assert "unknown strategy version probe==9.9.9" in (activate(engine, swaps, "probe==9.9.9")[0] or "")
    assert engine.active.spec == "probe==1.0.0"


def test_fault_in_probation_rolls_back_and_old_decides_that_batch(home: Path) -> None:
    loader = InProcessLoader({"probe==1.0.0": probe_version("1.0.0"),
                              "probe==2.0.0": probe_version("2.0.0", fail_after=40)})
    engine, swaps = setup_swaps(home, loader, probation=30)
    advance(engine, 1800)
    activate(engine, swaps, "probe==2.0.0")
    advance(engine, 1800)
    assert engine.active.spec == "probe==1.0.0"
    assert engine.last_swap.kind == "auto-rollback" and "2.0.0 broke" in engine.last_swap.reason
    seen = engine.active.runner.export_state()["seen"]
    assert len(seen) == len({(m, s) for m, s, _ in seen}) == len(decided_by(engine))
    assert engine.journal.query("SELECT COUNT(*) FROM decisions WHERE fault IS NOT NULL")[0][0] == 0


def test_garbage_in_probation_rolls_back(home: Path) -> None:
    loader = InProcessLoader({"probe==1.0.0": probe_version("1.0.0"),
                              "probe==2.0.0": probe_version("2.0.0", garbage=True)})
    engine, swaps = setup_swaps(home, loader)
    advance(engine, 600)
    activate(engine, swaps, "probe==2.0.0")
    advance(engine, 300)
    assert engine.active.spec == "probe==1.0.0"
    assert "malformed output" in engine.last_swap.reason


def test_rollback_command_during_probation_uses_the_warm_version(home: Path) -> None:
    loader = InProcessLoader({"probe==1.0.0": probe_version("1.0.0"), "probe==2.0.0": probe_version("2.0.0")})
    engine, swaps = setup_swaps(home, loader, probation=30)
    advance(engine, 900)
    warm = engine.active
    activate(engine, swaps, "probe==2.0.0")
    advance(engine, 900)
    assert activate(engine, swaps, None, "rollback") == [None]  # type: ignore[arg-type]
    assert engine.active is warm
    assert not swaps.in_probation


def test_rollback_with_nothing_to_roll_back_to(home: Path) -> None:
    engine, swaps = setup_swaps(home, InProcessLoader({"probe==1.0.0": probe_version("1.0.0")}))
    assert activate(engine, swaps, None, "rollback") == ["nothing to roll back to"]  # type: ignore[arg-type]


def test_crash_outside_probation_restarts_from_snapshot(home: Path) -> None:
    flaky = {"n": 0}

    class Flaky(Probe):
        @hookimpl
        def on_candle(self, candle: Any, ctx: Any) -> Any:
            flaky["n"] += 1
            if flaky["n"] == 60:
                raise RuntimeError("transient")
            return super().on_candle(candle, ctx)

    loader = InProcessLoader({"probe==1.0.0": Flaky})
    engine, swaps = setup_swaps(home, loader)
    advance(engine, 900)
    engine.take_snapshot(wait=True)
    advance(engine, 3600)
    assert engine.faults == 1
    assert engine.journal.query("SELECT kind FROM swaps ORDER BY id DESC LIMIT 1")[0][0] == "restart"
    seen = engine.active.runner.export_state()["seen"]
    assert len(seen) == len({tuple(x) for x in seen}) == len(decided_by(engine))


def test_past_restart_budget_with_nothing_to_roll_back_to_pauses(home: Path) -> None:
    loader = InProcessLoader({"probe==1.0.0": probe_version("1.0.0", fail_after=0)})
    engine, swaps = setup_swaps(home, loader)
    advance(engine, 1800)
    assert engine.paused and not engine.desired.paused  # the host's pause, not the operator's
    assert "nothing to roll back to" in (engine.auto_pause_reason or "")
    assert engine.journal.query("SELECT COUNT(*) FROM orders")[0][0] == 0


def test_past_restart_budget_rolls_back_to_previous(home: Path) -> None:
    loader = InProcessLoader({"probe==1.0.0": probe_version("1.0.0"),
                              "probe==2.0.0": probe_version("2.0.0", fail_after=45)})
    engine, swaps = setup_swaps(home, loader, probation=1)
    advance(engine, 600)
    activate(engine, swaps, "probe==2.0.0")
    advance(engine, 3600)
    assert engine.active.spec == "probe==1.0.0"
    assert engine.journal.query("SELECT kind FROM swaps ORDER BY id DESC LIMIT 1")[0][0] == "auto-rollback"


def test_an_automatic_pause_survives_an_unrelated_set(home: Path) -> None:
    """Issue 11 (b): the host's own pause ("nothing to roll back to") is not undone by an operator's
    ``liveswap set`` that says nothing about pausing; status keeps ``paused: true`` with its reason."""
    loader = InProcessLoader({"probe==1.0.0": probe_version("1.0.0", fail_after=0)})
    engine, swaps = setup_swaps(home, loader)
    connect(engine, swaps=swaps, watcher=ControlWatcher(engine.state_dir, swaps=swaps))
    advance(engine, 1800)
    assert engine.paused

    assert main(["set", "stake=2", "--home", str(home)]) == 0
    engine.between_batches()  # the host's next idle wake applies generation 1
    engine.heartbeat()
    st = status_json(home / "state")
    assert st is not None and st["observed_generation"] == 1 and st["params"] == {"stake": 2}
    assert st["paused"] is True and st["paused_by_operator"] is False
    assert "nothing to roll back to" in st["paused_reason"]
    reasons = [r["reason"] for r in engine.journal.query("SELECT reason FROM controls")]
    assert reasons == ['params {"stake": 2}']  # not "resumed"

    assert main(["pause", "--home", str(home)]) == 0
    assert main(["resume", "--home", str(home)]) == 0
    engine.between_batches()
    engine.heartbeat()
    st = status_json(home / "state")
    assert st is not None and st["paused"] is True and "nothing to roll back to" in st["paused_reason"]


def test_figures_are_keyed_by_name_and_version(home: Path) -> None:
    """momentum 1.0.0 and my-strategy 1.0.0 are two rows of status, not one."""
    loader = InProcessLoader({"probe==1.0.0": probe_version("1.0.0"), "other==1.0.0": probe_version("1.0.0")})
    engine, swaps = setup_swaps(home, loader, probation=0)
    advance(engine, 3600)
    assert activate(engine, swaps, "other==1.0.0") == [None]
    advance(engine, 3600)
    keys = set(engine.report().by_version)
    assert {"probe==1.0.0", "other==1.0.0"} <= keys, keys
    engine.heartbeat()
    st = status_json(engine.state_dir)
    assert st is not None and {"probe==1.0.0", "other==1.0.0"} <= set(st["by_version"])
