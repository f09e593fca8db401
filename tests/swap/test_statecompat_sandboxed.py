"""Declared state compatibility with real sandboxed workers (issue 28): how state crosses is
decided before a swap from the versions' ``__liveswap_state__``, a rollback after probation always
lands, ``writes`` converts state down, and a ``writes`` the version does not honour is a one-line
fault with the previous version still trading."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from liveswap.engine.loop import Engine

from tests.support.engine_helpers import advance
from tests.support.sandboxed import activate, decided, die, start_host
from tests.support.wheelkit import make_wheel

PROBE = '''
{declaration}
from liveswap.api import hookimpl, Intent
VERSION = {version!r}
READS = {reads!r}

class Strategy:
    def __init__(self):
        self.seen = []  # [market, start, version] of every candle this lineage decided
    @hookimpl
    def on_candle(self, candle, ctx):
        self.seen.append([candle.market, candle.start, VERSION])
        return [Intent(candle.market, "up" if candle.close >= candle.open else "down", 1.0)]
    @hookimpl
    def export_state({export_args}):
        {export_body}
    @hookimpl
    def import_state(self, state, from_version):
        layout = 1 if "seen" in state else 2 if "candles" in state else None
        if layout not in READS:
            raise ValueError("cannot read state layout " + str(layout) + " of " + from_version)
        self.seen = list(state["seen"] if layout == 1 else state["candles"])
'''
LAYOUT_1 = ("self", 'return {"seen": self.seen}')  # layout 1: {"seen": [...]}
LAYOUT_2 = ("self", 'return {"candles": self.seen}')  # layout 2: {"candles": [...]}
LAYOUT_2_WRITES_1 = ("self, schema", 'return {"seen": self.seen} if schema == 1 else {"candles": self.seen}')
LAYOUT_2_IGNORES_SCHEMA = ("self, schema", 'return {"candles": self.seen}')  # declares writes [1], returns layout 2


def probe(registry: Path, version: str, *, reads: list[int], export: tuple[str, str],
          declaration: str | None) -> None:
    body = PROBE.format(declaration=f"__liveswap_state__ = {declaration}" if declaration else "",
                        version=version, reads=reads, export_args=export[0], export_body=export[1])
    make_wheel(registry, "probe-strategy", version, ep="probe", module="probe_strategy", body=body)


def old_and_new(registry: Path, *, declared: bool, new_export: tuple[str, str] = LAYOUT_2,
                new_declaration: str = '{"schema": 2, "reads": [1, 2]}') -> None:
    """probe 1.0.0 (layout 1, reads only 1) and 1.1.0 (layout 2, reads 1 and 2): the newcomer's pair."""
    probe(registry, "1.0.0", reads=[1], export=LAYOUT_1,
          declaration='{"schema": 1, "reads": [1]}' if declared else None)
    probe(registry, "1.1.0", reads=[1, 2], export=new_export, declaration=new_declaration if declared else None)


def lineage(engine: Engine) -> list[tuple[str, int]]:
    """The candles the active version's state holds; each decided exactly once, none missing."""
    seen = engine.active.runner.export_state()
    assert seen is not None
    keys = [(m, s) for m, s, _ in (seen.get("seen") or seen.get("candles"))]
    assert len(keys) == len(set(keys)) == len(decided(engine))
    assert set(keys) == set(decided(engine))
    return keys


def crossing(engine: Engine) -> tuple[str, str]:
    """How state crossed at the last committed swap, as the journal has it."""
    row = engine.journal.query("SELECT mode, state FROM swap_states ORDER BY swap_id DESC LIMIT 1")[0]
    return row[0], row[1]


@pytest.mark.parametrize("declared", [True, False], ids=["declared", "undeclared"])
def test_the_newcomers_rollback_after_probation_lands_on_its_own_state(
        home: Path, engines: Any, declared: bool) -> None:
    old_and_new(home / "registry", declared=declared)
    engine, swaps = engines(probation=2)
    advance(engine, 900)
    assert activate(engine, swaps, "probe==1.1.0") is None
    assert crossing(engine)[0] == ("direct" if declared else "carried")
    advance(engine, 1200)  # probation (2 batches) passes: 1.0.0's warm worker is gone
    assert not swaps.in_probation
    assert activate(engine, swaps, None, "rollback") is None  # never refused: it lands
    assert engine.active.spec == "probe==1.0.0" and engine.last_swap.ok
    mode, said = crossing(engine)
    assert mode == "own" and "1.0.0 resumed its own last state plus a replay" in said
    if declared:
        assert said.startswith("state not carried (1.0.0 reads none of the schemas 1.1.0 writes)")
    else:
        assert "1.0.0's import_state refused 1.1.0's state" in said and "cannot read state layout 2" in said
    assert engine.last_swap.state == said
    advance(engine, 900)  # and 1.0.0 trades on, from its own state plus the replay
    assert set(decided(engine).values()) == {"1.0.0", "1.1.0"}
    assert len(lineage(engine)) == len(decided(engine))


def test_writes_converts_state_down_and_up_again(home: Path, engines: Any) -> None:
    old_and_new(home / "registry", declared=True, new_export=LAYOUT_2_WRITES_1,
                new_declaration='{"schema": 2, "reads": [1, 2], "writes": [1]}')
    engine, swaps = engines(probation=1)
    advance(engine, 900)
    assert activate(engine, swaps, "probe==1.1.0") is None
    assert crossing(engine) == ("direct", "state carried directly (1.1.0 reads schema 1)")
    advance(engine, 900)
    assert activate(engine, swaps, None, "rollback") is None
    assert crossing(engine) == ("converted", "state converted down: 1.1.0 exports schema 1 (its writes), "
                                             "which 1.0.0 reads")
    held = lineage(engine)  # 1.0.0 holds everything, 1.1.0's candles included: nothing replayed
    assert {v for _, _, v in engine.active.runner.export_state()["seen"]} == {"1.0.0", "1.1.0"}  # type: ignore[index]
    advance(engine, 600)
    assert activate(engine, swaps, "probe==1.1.0") is None
    assert crossing(engine)[0] == "direct"
    assert set(held) < set(lineage(engine))


@pytest.mark.parametrize("export", [LAYOUT_2, LAYOUT_2_IGNORES_SCHEMA], ids=["no-schema-arg", "wrong-layout"])
def test_a_writes_the_version_does_not_honour_is_a_fault_at_the_swap(
        home: Path, engines: Any, export: tuple[str, str]) -> None:
    old_and_new(home / "registry", declared=True, new_export=export,
                new_declaration='{"schema": 2, "reads": [1, 2], "writes": [1]}')
    engine, swaps = engines(probation=1)
    advance(engine, 900)
    assert activate(engine, swaps, "probe==1.1.0") is None
    advance(engine, 900)
    reason = activate(engine, swaps, "probe==1.0.0")
    if export is LAYOUT_2:  # its export_state(schema=1) raises: the source's fault, the activation lands
        assert reason is None and engine.active.spec == "probe==1.0.0"
        mode, said = crossing(engine)
        assert mode == "own" and said.startswith("state not carried: probe==1.1.0 does not honour its declared "
                                                 "writes [1]: ")
        return
    assert reason is not None and "\n" not in reason  # 1.0.0 refused what it got: refused, 1.1.0 keeps trading
    assert reason.startswith("probe==1.1.0 does not honour its declared writes [1]: ")
    assert engine.active.spec == "probe==1.1.0" and engine.active.runner.alive
    advance(engine, 300)
    assert activate(engine, swaps, None, "rollback") is None  # a rollback lands on 1.0.0's own state
    assert engine.active.spec == "probe==1.0.0"
    mode, said = crossing(engine)
    assert mode == "own" and "does not honour its declared writes [1]" in said
    advance(engine, 600)
    lineage(engine)


@pytest.mark.parametrize("declared", [True, False], ids=["declared", "undeclared"])
def test_a_host_start_that_falls_back_to_the_older_version_resumes_its_own_state(home: Path, declared: bool) -> None:
    """The host died twice during 1.1.0's probation: the start falls back to 1.0.0, which cannot read
    1.1.0's snapshot -- it resumes its own state, never the crash-looping 1.1.0."""
    old_and_new(home / "registry", declared=declared)
    engine, swaps = start_host(home)
    engine.catch_up((engine.cursor or 0) + 900)
    assert activate(engine, swaps, "probe==1.1.0") is None
    engine.catch_up((engine.cursor or 0) + 600)
    engine.take_snapshot(wait=True)  # the snapshot is 1.1.0's, layout 2
    die(engine, swaps)
    engine, swaps = start_host(home)  # first death: 1.1.0 gets another chance
    assert engine.active.spec == "probe==1.1.0"
    engine.catch_up((engine.cursor or 0) + 300)
    die(engine, swaps)
    engine, swaps = start_host(home)
    try:
        assert engine.active.spec == "probe==1.0.0"
        engine.catch_up((engine.cursor or 0) + 600)
        held = lineage(engine)  # its own state at the swap, plus the replay of every batch since
        assert {v for _, _, v in engine.active.runner.export_state()["seen"]} == {"1.0.0"}  # type: ignore[index]
        assert len(held) == len(decided(engine))
    finally:
        swaps.close()
        engine.active.runner.close()
        engine.journal.close()
