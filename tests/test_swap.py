"""The hot swap: commit between batches, probation, automatic rollback, restarts (in-process
runners, so each test is about the swap logic; tests/test_swap_sandboxed.py does it for real)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from liveswap.api import hookimpl
from liveswap.swap.loader import InProcessLoader
from liveswap.swap.manager import SwapManager

from .engine_helpers import Probe, advance, make_engine


def probe_version(version: str, *, fail_after: int | None = None, refuse_import: bool = False,
                  garbage: bool = False, export: bool = True) -> type:
    """A probe class whose decisions and faults differ by version."""

    class Versioned(Probe):
        @hookimpl
        def on_candle(self, candle: Any, ctx: Any) -> Any:
            if fail_after is not None and len(self.seen) >= fail_after:
                raise RuntimeError(f"{version} broke")
            out = super().on_candle(candle, ctx)
            self.seen[-1].append(version)
            return [{"market": candle.market, "side": "up", "stake": "lots"}] if garbage else out

        @hookimpl
        def import_state(self, state: dict[str, Any], from_version: str) -> None:
            if refuse_import:
                raise ValueError(f"cannot read state of {from_version}")
            super().import_state(state, from_version)

    if not export:
        del Versioned.export_state  # type: ignore[attr-defined]
        Versioned.export_state = None  # type: ignore[attr-defined,assignment]
    return Versioned


def setup_swaps(home: Path, loader: InProcessLoader, probation: int = 3, **kw: Any) -> tuple[Any, SwapManager]:
    engine = make_engine(home, strategy=loader.strategies["probe==1.0.0"], **kw)
    engine.journal.record_swap("start", None, engine.active.spec, True, "", None, engine.cursor)
    return engine, SwapManager(engine, loader, probation_batches=probation)


def activate(engine: Any, swaps: SwapManager, spec: str, kind: str = "activate") -> list[str | None]:
    outcome: list[str | None] = []
    swaps.request(kind, spec, 1, outcome.append)  # type: ignore[arg-type]
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
    assert engine.last_swap["ok"] and engine.last_swap["pause_ms"] < 1000
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
    # the version recorded in the journal is the one that really decided each candle
    assert {(m, s): v for m, s, v in seen} == decided_by(engine)


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
    assert engine.last_swap["kind"] == "auto-rollback" and "2.0.0 broke" in engine.last_swap["reason"]
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
    assert "malformed output" in engine.last_swap["reason"]


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
    assert engine.desired.paused
    assert "nothing to roll back to" in engine.extra_status["paused_reason"]
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
