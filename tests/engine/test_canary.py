"""The engine's canary split: each market decided and traded by one version, faults kept apart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from liveswap.api import Intent, hookimpl
from liveswap.engine.active import ActiveStrategy
from liveswap.engine.canary import Canary
from liveswap.engine.steering import Steering
from liveswap.runners.inprocess import InProcessRunner

from tests.support.engine_helpers import Probe, advance, make_engine, probe_version


class Greedy(Probe):
    """Bets on BTC-5m whatever candle it decides: it wants a market it may not trade."""

    @hookimpl
    def on_candle(self, candle: Any, ctx: Any) -> list[Intent]:
        self.seen.append([candle.market, candle.start, ctx.version])
        return [Intent("BTC-5m", "up", 1.0)] if candle.market.endswith("-5m") else []


def _canary(obj: Any, version: str, markets: set[str]) -> Canary:
    runner = InProcessRunner(obj, name="probe", version=version)
    return Canary(ActiveStrategy(runner, "probe", version), frozenset(markets))


def test_each_version_decides_only_its_markets_and_may_bet_only_there(home: Path) -> None:
    engine = make_engine(home, strategy=Greedy)
    advance(engine, 600)
    canary = _canary(probe_version("2.0.0"), "2.0.0", {"BTC-5m", "SOL-5m"})
    engine.steer(Steering(canary=lambda: canary))
    cut = engine.cursor
    advance(engine, 1800)
    rows = engine.journal.query("SELECT market, version, rejected FROM decisions WHERE batch_end > ?", (cut,))
    assert {m for m, v, _ in rows if v == "2.0.0"} == {"BTC-5m", "SOL-5m"}
    assert all(v == "1.0.0" for m, v, _ in rows if m not in ("BTC-5m", "SOL-5m"))
    # the active version's bets on BTC-5m (the canary's market) are refused, with the reason
    refused = [r for m, v, r in rows if v == "1.0.0" and "BTC-5m is traded by probe==2.0.0" in r]
    assert refused
    btc = engine.journal.query("SELECT DISTINCT version FROM orders WHERE market='BTC-5m' AND batch_end > ?", (cut,))
    assert [r[0] for r in btc] == ["2.0.0"]
    seen = canary.strategy.runner.export_state()["seen"]
    assert {m for m, _, _ in seen} == {"BTC-5m", "SOL-5m"} and {v for _, _, v in seen} == {"2.0.0"}
    engine.steer(Steering())
    cut = engine.cursor
    advance(engine, 600)
    assert {r[0] for r in engine.journal.query("SELECT version FROM decisions WHERE batch_end > ?", (cut,))} == {
        "1.0.0"}


def test_a_canary_fault_spoils_only_its_candles(home: Path) -> None:
    engine = make_engine(home)
    advance(engine, 600)
    canary = _canary(probe_version("2.0.0", fail_after=0), "2.0.0", {"ETH-5m"})
    engine.steer(Steering(canary=lambda: canary))
    cut = engine.cursor
    advance(engine, 900)
    rows = engine.journal.query("SELECT market, version, fault FROM decisions WHERE batch_end > ?", (cut,))
    assert {(m, v) for m, v, f in rows if f} == {("ETH-5m", "2.0.0")}
    assert engine.faults == 0  # the active version has no fault, and no swap handler was asked
    assert engine.journal.query("SELECT COUNT(*) FROM orders WHERE batch_end > ? AND version='1.0.0'", (cut,))[0][0]
