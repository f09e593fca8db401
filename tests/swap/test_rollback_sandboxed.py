"""Every failure of a new version leaves a working version, with real sandboxed workers: the
rollback lands on a live worker of the previous version holding its own state at the swap plus a
replay, even when the previous version refuses the new version's state, its warm worker is gone,
or the old version's export fails; switching strategy names never hands over foreign state."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import pytest
from liveswap.engine.loop import Engine

from tests.support.engine_helpers import advance
from tests.support.sandboxed import activate, decided
from tests.support.wheelkit import make_wheel

STRICT = '''
import os, time
from liveswap.api import hookimpl, Intent
VERSION = {version!r}
NAME = {name!r}

class Strategy:
    def __init__(self):
        self.seen = []
    @hookimpl
    def on_candle(self, candle, ctx):
        self.n = getattr(self, "n", 0) + 1  # candles decided by this worker
        {fault}
        self.seen.append([candle.market, candle.start, VERSION])
        return [Intent(candle.market, "up" if candle.close >= candle.open else "down", 1.0)]
    @hookimpl
    def export_state(self):
        {export_fault}
        return {{"seen": self.seen, "layout": VERSION, "name": NAME}}
    @hookimpl
    def import_state(self, state, from_version):
        if from_version > VERSION or state.get("name") != NAME:  # reads older layouts only
            raise ValueError("cannot read state layout " + str(state.get("layout")) + " of " + str(state.get("name")))
        self.seen = state["seen"]
'''

FAULTS = {  # each starts misbehaving after deciding 12 candles
    "crash": "if self.n > 12: os._exit(3)",
    "hang": "if self.n > 12: time.sleep(60)",
    "memory": "if self.n > 12: self.hog = bytearray(2_000_000_000)",
    "garbage": "if self.n > 12: return [Intent(candle.market, 'up', 10**400)]",
    "nan": "if self.n > 12: return [{'market': candle.market, 'side': 'up', 'stake': float('nan')}]",
}


def wheel(registry: Path, version: str, *, name: str = "probe", fault: str = "pass",
          export_fault: str = "pass") -> None:
    make_wheel(registry, f"{name}-strategy", version, ep=name, module=f"{name.replace('-', '_')}_strategy",
               body=STRICT.format(version=version, name=name, fault=fault, export_fault=export_fault))


def exactly_once(engine: Engine) -> None:
    """Every candle the strategy state holds was decided once, and every decided candle is in it."""
    seen = engine.active.runner.export_state()["seen"]  # type: ignore[index]
    keys = [(m, s) for m, s, _ in seen]
    assert len(keys) == len(set(keys)) == len(decided(engine))
    assert set(keys) == set(decided(engine))


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_fault_in_probation_lands_on_a_live_previous_version_that_refuses_the_new_state(
        home: Path, engines: Any, fault: str) -> None:
    wheel(home / "registry", "1.0.0")
    wheel(home / "registry", "2.0.0", fault=FAULTS[fault])
    engine, swaps = engines()
    advance(engine, 900)
    assert activate(engine, swaps, "probe==2.0.0") is None
    advance(engine, 1800)
    assert engine.active.spec == "probe==1.0.0" and engine.active.runner.alive, fault
    assert engine.last_swap.kind == "auto-rollback" and engine.last_swap.ok
    assert "during probation" in engine.last_swap.reason
    assert set(decided(engine).values()) == {"1.0.0", "2.0.0"}
    exactly_once(engine)
    row = engine.journal.probations()[0]
    assert row["spec"] == "probe==2.0.0" and row["outcome"] == "rolled-back"
    advance(engine, 600)  # and it keeps trading
    exactly_once(engine)


def test_a_dead_warm_worker_is_replaced_by_a_fresh_one(home: Path, engines: Any) -> None:
    wheel(home / "registry", "1.0.0")
    wheel(home / "registry", "2.0.0", fault=FAULTS["crash"])
    engine, swaps = engines()
    advance(engine, 900)
    warm = engine.active.runner
    assert activate(engine, swaps, "probe==2.0.0") is None
    os.kill(warm.pid, signal.SIGKILL)  # type: ignore[attr-defined]
    advance(engine, 1800)
    assert engine.active.spec == "probe==1.0.0" and engine.active.runner.alive
    assert engine.active.runner is not warm
    exactly_once(engine)


def test_the_operator_rolling_back_during_probation_gets_the_previous_state_back(home: Path, engines: Any) -> None:
    wheel(home / "registry", "1.0.0")
    wheel(home / "registry", "2.0.0")
    engine, swaps = engines()
    advance(engine, 900)
    assert activate(engine, swaps, "probe==2.0.0") is None
    advance(engine, 600)
    assert activate(engine, swaps, None, "rollback") is None
    assert engine.active.spec == "probe==1.0.0"
    advance(engine, 600)
    exactly_once(engine)
    assert engine.journal.probations()[0]["outcome"] == "rolled-back"


def test_a_rollback_asked_as_the_probation_ends_still_lands_on_the_previous_version(home: Path, engines: Any) -> None:
    """The operator's rollback arrives during probation; the batch that ends the probation is
    decided before the rollback commits: the warm previous version must not be stopped under it."""
    wheel(home / "registry", "1.0.0")
    wheel(home / "registry", "2.0.0")
    engine, swaps = engines(probation=2)
    advance(engine, 900)
    assert activate(engine, swaps, "probe==2.0.0") is None
    advance(engine, 300)  # one of the two probation batches
    out: list[str | None] = []
    swaps.request(kind="rollback", spec=None, generation=2, done=out.append)
    advance(engine, 300)  # the last probation batch, then the boundary where the rollback commits
    assert out == [None]
    assert engine.active.spec == "probe==1.0.0"
    assert engine.journal.probations()[0]["outcome"] == "rolled-back"
    advance(engine, 600)
    exactly_once(engine)


@pytest.mark.parametrize("export_fault", ["raise RuntimeError('no')", "time.sleep(60)", "os._exit(4)"])
def test_a_failed_or_hung_export_never_blocks_a_swap_away_from_it(home: Path, engines: Any, export_fault: str) -> None:
    """The source's export is its own fault: the activation lands, the target on its own last state
    plus a replay (else a warm-up), blaming the source; nothing of the source is kept as its state."""
    wheel(home / "registry", "1.0.0", export_fault=f"if len(self.seen) > 10: {export_fault}")
    wheel(home / "registry", "2.0.0")
    engine, swaps = engines(probation=0)
    advance(engine, 900)
    assert activate(engine, swaps, "probe==2.0.0") is None
    assert engine.active.spec == "probe==2.0.0" and engine.active.runner.alive
    said = engine.last_swap.state
    assert engine.last_swap.ok and said.startswith("state not carried: probe==1.0.0 could not export its state")
    assert said.endswith("2.0.0 has no state of its own; it warmed up without state on recent candles")
    advance(engine, 600)
    state = engine.active.runner.export_state()
    assert state is not None and {v for _, _, v in state["seen"]} == {"2.0.0"}  # never 1.0.0's state
    assert set(decided(engine).values()) == {"1.0.0", "2.0.0"} and engine.active.runner.alive
    assert not (home / "state" / "strategies" / "versions" / "probe" / "1.0.0.json").exists()  # nothing bad kept


def test_a_failed_export_never_blocks_a_switch_to_another_strategy(home: Path, engines: Any) -> None:
    wheel(home / "registry", "1.0.0", export_fault="if len(self.seen) > 10: raise RuntimeError('no')")
    wheel(home / "registry", "1.0.0", name="other")
    engine, swaps = engines(probation=0)
    advance(engine, 900)
    assert activate(engine, swaps, "other") is None
    assert engine.active.spec == "other==1.0.0" and engine.last_swap.ok
    assert engine.last_swap.state.startswith("probe==1.0.0 could not export its state (export_state raised "
                                             "RuntimeError: no")
    assert "so it is not kept; another strategy: other warmed up without state" in engine.last_swap.state
    assert not (home / "state" / "strategies" / "probe.json").exists()  # the shelf keeps no failed state
    advance(engine, 300)
    traded = {r[0] for r in engine.journal.query("SELECT DISTINCT strategy FROM decisions")}
    assert engine.active.runner.alive and traded == {"probe", "other"}


def test_switching_strategy_names_never_hands_over_foreign_state_and_switching_back_resumes(
        home: Path, engines: Any) -> None:
    wheel(home / "registry", "1.0.0")
    wheel(home / "registry", "1.0.0", name="other")
    engine, swaps = engines(probation=0)
    advance(engine, 1800)
    probe_seen = len(engine.active.runner.export_state()["seen"])  # type: ignore[index]
    assert activate(engine, swaps, "other") is None  # would raise "cannot read state layout" if handed probe's
    assert engine.active.spec == "other==1.0.0"
    other_state = engine.active.runner.export_state()
    assert other_state["name"] == "other" and other_state["seen"]  # warmed on recent journaled candles
    advance(engine, 900)
    assert activate(engine, swaps, "probe") is None
    state = engine.active.runner.export_state()
    assert engine.active.spec == "probe==1.0.0" and state["name"] == "probe"
    assert len(state["seen"]) >= probe_seen  # its own state, plus a replay of what it missed
    keys = [(m, s) for m, s, _ in state["seen"]]
    assert len(keys) == len(set(keys)) == len(decided(engine))
    assert "other==1.0.0" in {f"{r['strategy']}=={r['version']}" for r in
                              engine.journal.query("SELECT DISTINCT strategy, version FROM decisions")}


def test_a_second_request_supersedes_the_first_and_no_worker_leaks(home: Path, engines: Any) -> None:
    wheel(home / "registry", "1.0.0")
    wheel(home / "registry", "2.0.0")
    wheel(home / "registry", "3.0.0")
    engine, swaps = engines()
    advance(engine, 600)
    answers: list[tuple[int, str | None]] = []
    swaps.request(kind="activate", spec="probe==2.0.0", generation=1, done=lambda r: answers.append((1, r)))
    assert swaps.wait_prepared(60)
    first = swaps._pending.prepared  # noqa: SLF001 - the prepared worker that must be stopped
    swaps.request(kind="activate", spec="probe==3.0.0", generation=2, done=lambda r: answers.append((2, r)))
    assert swaps.wait_prepared(60)
    swaps.tick(engine)
    assert answers[0][0] == 1 and "superseded by generation 2" in (answers[0][1] or "")
    assert answers[1] == (2, None) and engine.active.spec == "probe==3.0.0"
    assert first is not None and not first.runner.alive


def test_activate_name_means_newest_also_when_that_name_is_active(home: Path, engines: Any) -> None:
    wheel(home / "registry", "1.0.0")
    wheel(home / "registry", "2.0.0")
    engine, swaps = engines()
    advance(engine, 600)
    assert activate(engine, swaps, "probe") is None
    assert engine.active.spec == "probe==2.0.0"
    assert activate(engine, swaps, "probe") is None  # already the newest: applied, nothing changes
    assert engine.active.spec == "probe==2.0.0"
