"""The hot swap for real: wheels in registry/, isolated installs, sandboxed workers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from liveswap.brokers.paper import PaperBroker
from liveswap.engine.loop import Engine
from liveswap.feeds.synthetic import SyntheticFeed
from liveswap.host import outcome_lookup
from liveswap.journal import Journal
from liveswap.registry.registry import Registry
from liveswap.sandbox.limits import SandboxLimits
from liveswap.settings import load_settings
from liveswap.swap.manager import SwapManager
from liveswap.swap.registry_loader import RegistryLoader

from tests.support.engine_helpers import T0, ManualClock, advance
from tests.support.wheelkit import make_wheel

PROBE = '''
import os, time
from liveswap.api import hookimpl, Intent
VERSION = {version!r}

class Strategy:
    def __init__(self):
        self.seen = []
    @hookimpl
    def on_candle(self, candle, ctx):
        {fault}
        self.seen.append([candle.market, candle.start, VERSION])
        return [Intent(candle.market, "up" if candle.close >= candle.open else "down", 1.0)]
    @hookimpl
    def export_state(self):
        return {{"seen": self.seen, "env": sorted(os.environ)}}
    @hookimpl
    def import_state(self, state, from_version):
        self.seen = state["seen"]
'''

FAULTS = {  # each starts misbehaving a few candles after the swap
    "raises": "if len(self.seen) > 25: raise RuntimeError('boom')",
    "hangs": "if len(self.seen) > 25: time.sleep(60)",
    "memory": "if len(self.seen) > 25: self.hog = bytearray(2_000_000_000)",
    "garbage": "if len(self.seen) > 25: return [object()]",
    "exits": "if len(self.seen) > 25: os._exit(3)",
}


def probe_wheel(registry: Path, version: str, fault: str = "pass", body: str | None = None) -> Path:
    return make_wheel(registry, "probe-strategy", version, ep="probe", module="probe_strategy",
                      body=body or PROBE.format(version=version, fault=fault))


def sandboxed_engine(home: Path, start: str = "probe==1.0.0", probation: int = 30) -> tuple[Engine, SwapManager]:
    settings = load_settings(home, hook_timeout_seconds=1.0,
                             sandbox=SandboxLimits(memory_bytes=512 * 1024 * 1024))
    feed = SyntheticFeed(settings.markets, seed=settings.seed)
    clock = ManualClock(T0)
    broker = PaperBroker(settings.state_dir / "paper_broker.sqlite", settings.paper, outcome_lookup(feed, clock))
    journal = Journal(settings.state_dir / "journal.sqlite")
    loader = RegistryLoader(Registry.from_settings(settings), limits=settings.sandbox,
                            hook_timeout=settings.hook_timeout_seconds, state_dir=settings.state_dir)
    active = loader.load(start)
    engine = Engine(settings=settings, feed=feed, broker=broker, journal=journal, clock=clock, active=active)
    engine.recover(T0)
    journal.record_swap(kind="start", from_version=None, to_version=active.spec, ok=True,
                        reason="", batch_end=engine.cursor)
    return engine, SwapManager(engine, loader, probation_batches=probation)


def activate(engine: Engine, swaps: SwapManager, spec: str | None, kind: str = "activate") -> str | None:
    out: list[str | None] = []
    swaps.request(kind=kind, spec=spec, generation=1, done=out.append)  # type: ignore[arg-type]
    assert swaps.wait_prepared(60)
    swaps.tick(engine)
    return out[0]


def decided(engine: Engine) -> dict[tuple[str, int], str]:
    return {(r[0], r[1]): r[2] for r in engine.journal.query("SELECT market, candle_start, version FROM decisions")}


@pytest.fixture
def shutdown() -> Any:
    engines: list[tuple[Engine, SwapManager]] = []
    yield engines.append
    for engine, swaps in engines:
        swaps.close()
        engine.active.runner.close()


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_faulty_version_is_contained_and_the_previous_keeps_trading(home: Path, fault: str, shutdown: Any) -> None:
    probe_wheel(home / "registry", "1.0.0")
    probe_wheel(home / "registry", "2.0.0", FAULTS[fault])
    engine, swaps = sandboxed_engine(home)
    shutdown((engine, swaps))
    advance(engine, 900)
    balance_before = engine.ledger.balance
    assert activate(engine, swaps, "probe==2.0.0") is None
    advance(engine, 1800)
    assert engine.active.spec == "probe==1.0.0", fault
    assert engine.last_swap.kind == "auto-rollback"
    assert engine.ledger.balance != balance_before or engine.ledger.positions  # still trading
    seen = engine.active.runner.export_state()["seen"]  # type: ignore[index]
    keys = [(m, s) for m, s, _ in seen]
    assert len(keys) == len(set(keys)) == len(decided(engine))
    assert {(m, s): v for m, s, v in seen} == decided(engine)


def test_version_that_fails_to_import_is_refused_and_nothing_changes(home: Path, shutdown: Any) -> None:
    probe_wheel(home / "registry", "1.0.0")
    probe_wheel(home / "registry", "2.0.0", body="import not_a_module_anywhere\n")
    engine, swaps = sandboxed_engine(home)
    shutdown((engine, swaps))
    advance(engine, 600)
    reason = activate(engine, swaps, "probe==2.0.0")
    assert reason is not None and "not_a_module_anywhere" in reason
    assert engine.active.spec == "probe==1.0.0"
    advance(engine, 600)
    assert set(decided(engine).values()) == {"1.0.0"}


def test_strategy_cannot_see_host_secrets(home: Path, shutdown: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIVESWAP_VENUES__KALSHI__KEY_ID", "secret-key-id")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "hunter2")
    probe_wheel(home / "registry", "1.0.0")
    engine, swaps = sandboxed_engine(home)
    shutdown((engine, swaps))
    advance(engine, 300)
    env = engine.active.runner.export_state()["env"]  # type: ignore[index]
    assert "AWS_SECRET_ACCESS_KEY" not in env and not any(k.startswith("LIVESWAP") for k in env)


def test_swap_pause_is_measured_and_positions_untouched(home: Path, shutdown: Any) -> None:
    probe_wheel(home / "registry", "1.0.0")
    probe_wheel(home / "registry", "1.1.0")
    engine, swaps = sandboxed_engine(home, probation=2)
    shutdown((engine, swaps))
    for i in range(6):
        advance(engine, 300)
        positions, balance = dict(engine.ledger.positions), engine.ledger.balance
        assert activate(engine, swaps, "probe==1.1.0" if i % 2 == 0 else "probe==1.0.0") is None
        assert engine.ledger.positions == positions and engine.ledger.balance == balance
        assert 0 < engine.last_swap.pause_ms < 1000
    advance(engine, 600)
    seen = engine.active.runner.export_state()["seen"]  # type: ignore[index]
    assert {(m, s): v for m, s, v in seen} == decided(engine)
    assert len(engine.swap_pauses_ms) == 6


def test_check_runs_a_sandboxed_load_test(home: Path) -> None:
    bad = make_wheel(home / "wheels", "probe-strategy", "3.0.0", ep="probe", module="probe_strategy",
                     body="from liveswap.api import hookimpl\nclass Strategy:\n    @hookimpl\n"
                          "    def on_candle(self, candle, context):\n        return []\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVESWAP_")}
    env["LIVESWAP_INSTALLED_STRATEGIES"] = "false"  # hermetic: only this home's wheels
    cli = [sys.executable, "-m", "liveswap.cli.main"]
    loaded = subprocess.run([*cli, "check", str(bad), "--home", str(home)], capture_output=True, text=True, env=env)
    assert loaded.returncode == 1
    assert "load test" in loaded.stderr and "context" in loaded.stderr
    static = subprocess.run([*cli, "check", str(bad), "--static", "--home", str(home)], capture_output=True,
                            text=True, env=env)
    assert static.returncode == 0, static.stderr
