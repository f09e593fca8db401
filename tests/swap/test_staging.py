"""The state hand-over staged before the flip, with real sandboxed workers: the new version starts
from the old one's latest state whether or not a batch slipped in between staging and the flip,
the flip does not call the old version again when nothing did, and params changed meanwhile
reach the new version."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from liveswap.engine.loop import Engine
from liveswap.swap.manager import SwapManager

from tests.support.engine_helpers import advance
from tests.support.sandboxed import decided, sandboxed_engine
from tests.support.wheelkit import make_wheel

PROBE = '''
from liveswap.api import hookimpl, Intent
VERSION = {version!r}

class Strategy:
    def __init__(self):
        self.seen = []
        self.params = {{}}
        self.imports = 0
    @hookimpl
    def setup(self, params):
        self.params = dict(params)
    @hookimpl
    def on_params(self, params):
        self.params = dict(params)
    @hookimpl
    def on_candle(self, candle, ctx):
        self.seen.append([candle.market, candle.start, VERSION])
        return [Intent(candle.market, "up" if candle.close >= candle.open else "down", 1.0)]
    @hookimpl
    def export_state(self):
        return {{"seen": self.seen, "params": self.params, "imports": self.imports}}
    @hookimpl
    def import_state(self, state, from_version):
        self.seen = state["seen"]
        self.imports += 1
'''


@pytest.fixture
def engine(home: Path) -> Any:
    for version in ("1.0.0", "2.0.0"):
        make_wheel(home / "registry", "probe-strategy", version, ep="probe", module="probe_strategy",
                   body=PROBE.format(version=version))
    engine, swaps = sandboxed_engine(home, probation=0)
    yield engine, swaps
    swaps.close()
    engine.active.runner.close()


def request(swaps: SwapManager, spec: str) -> list[str | None]:
    out: list[str | None] = []
    swaps.request(kind="activate", spec=spec, generation=1, done=out.append)
    assert swaps.wait_prepared(60)  # loaded, set up, and the state handed over: not yet trading
    return out


def seen_keys(engine: Engine) -> list[tuple[str, int]]:
    return [(m, s) for m, s, _ in engine.active.runner.export_state()["seen"]]  # type: ignore[index]


def test_the_flip_after_a_staged_hand_over_does_not_call_the_old_version_again(engine: Any) -> None:
    engine, swaps = engine
    advance(engine, 1800)
    old = engine.active
    out = request(swaps, "probe==2.0.0")
    calls = old.runner.gate.calls
    swaps.tick(engine)  # the batch boundary: only the flip is left
    assert out == [None] and engine.active.spec == "probe==2.0.0"
    assert old.runner.gate.calls == calls  # no export at the flip: it was staged
    keys = seen_keys(engine)
    assert len(keys) == len(set(keys)) == len(decided(engine)) > 0
    assert engine.active.runner.export_state()["imports"] == 1  # type: ignore[index]


def test_a_batch_decided_between_staging_and_flip_is_in_the_new_versions_state(engine: Any) -> None:
    engine, swaps = engine
    advance(engine, 1800)
    out = request(swaps, "probe==2.0.0")
    before = len(decided(engine))
    advance(engine, 300)  # a batch closes after staging: the old version decides it, then the flip
    assert out == [None] and engine.active.spec == "probe==2.0.0"
    assert len(decided(engine)) > before
    assert set(decided(engine).values()) == {"1.0.0"}  # all decided by the old version
    keys = seen_keys(engine)  # the hand-over was done again at the flip: nothing is missing
    assert len(keys) == len(set(keys)) == len(decided(engine))
    assert set(keys) == set(decided(engine))
    advance(engine, 600)
    keys = seen_keys(engine)
    assert len(keys) == len(set(keys)) == len(decided(engine))


def test_params_changed_while_the_version_was_prepared_reach_it_before_it_trades(engine: Any) -> None:
    engine, swaps = engine
    advance(engine, 600)
    out = request(swaps, "probe==2.0.0")
    engine.apply_desired(replace(engine.desired, params={"stake": 2}))
    swaps.tick(engine)
    assert out == [None] and engine.active.spec == "probe==2.0.0"
    assert engine.active.runner.export_state()["params"] == {"stake": 2}  # type: ignore[index]
