"""Every reply bounded and fully validated (issue 23): hostile workers that pad their replies, send
a million intents a candle, hand over a state that is not JSON or is nested 50,000 deep.

The hostile code patches the worker's own encoder in its process (what a strategy can do), so the
host sees exactly the bytes an attacker would send; judged from the host: its memory, the fault
and whom it blames, the shelf on disk.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from liveswap.engine import Engine
from liveswap.engine.intents import validate_output
from liveswap.runners.base import StrategyFault
from liveswap.sandbox.runner import SandboxRunner
from liveswap.swap.shelf import Shelved, StateShelf

from tests.sandbox.conftest import nine_candles
from tests.support.engine_helpers import advance
from tests.support.hostile import Host, needs_strict
from tests.support.wheelkit import make_wheel

pytestmark = needs_strict
Spawn = Callable[..., SandboxRunner]

PATCH = """
import liveswap.sandbox.protocol as _p
@PATCH@

class Strategy:
    @hookimpl
    def on_candle(self, candle, ctx):
        return @OUT@

    @hookimpl
    def export_state(self):
        return {"n": 1}
"""


def patched(patch: str, out: str = "[Intent(candle.market, 'up', 1.0)]") -> str:
    return PATCH.replace("@PATCH@", patch.strip()).replace("@OUT@", out)


def rss_kib() -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS"))


def test_a_reply_padded_with_18_mb_is_refused_from_its_header_and_the_host_does_not_grow(spawn: Spawn) -> None:
    runner = spawn(patched("""
_orig = _p.encode_outputs
def _padded(outputs):
    body = _orig(outputs)[4:-1] + b',"pad":"' + b"x" * 18_000_000 + b'"}'
    return _p.HEADER.pack(len(body)) + body
_p.encode_outputs = _padded
"""), hook_timeout=10.0)
    before = rss_kib()
    with pytest.raises(StrategyFault) as fault:
        runner.run_batch(nine_candles())
    assert fault.value.kind == "garbage" and "reply, more than the 1245184 bytes allowed" in fault.value.reason
    assert rss_kib() - before < 8 * 1024, "the host read the padding"
    assert not runner.alive


def test_a_reply_with_an_unknown_key_is_a_fault(spawn: Spawn) -> None:
    runner = spawn(patched("""
_orig = _p.encode_outputs
def _extra(outputs):
    body = _orig(outputs)[4:-1] + b',"also":1}'
    return _p.HEADER.pack(len(body)) + body
_p.encode_outputs = _extra
"""))
    with pytest.raises(StrategyFault) as fault:
        runner.run_batch(nine_candles())
    assert fault.value.kind == "garbage" and "unknown: ['also']" in fault.value.reason


def test_a_million_intents_a_candle_cross_as_33_and_the_engine_refuses_them(spawn: Spawn) -> None:
    runner = spawn(patched("", out="[Intent(candle.market, 'up', 1.0, tag='x' * 5000)] * 1_000_000"),
                   hook_timeout=10.0)
    outputs = runner.run_batch(nine_candles()).outputs
    assert [len(out) for out in outputs] == [33] * 9  # one past the engine's 32: refused there as too many
    assert {len(i.tag) for out in outputs for i in out} == {200}
    assert "more than 32 intents" in validate_output(outputs[0], {}, 300)[1][0].reason


def test_a_worker_that_bypasses_the_cut_is_refused_from_the_header(spawn: Spawn) -> None:
    runner = spawn(patched("_p.CANDLE_OUTPUT_CAP = 10**9", out="[Intent(candle.market, 'up', 1.0)] * 100_000"),
                   hook_timeout=20.0)
    before = rss_kib()
    with pytest.raises(StrategyFault) as fault:
        runner.run_batch(nine_candles())
    assert fault.value.kind == "garbage" and "bytes allowed" in fault.value.reason
    assert rss_kib() - before < 8 * 1024


@pytest.mark.parametrize(("state", "why"), [
    (b'{"n": [1}', "not valid JSON"),
    (b'{"n": NaN}', "not valid JSON"),
    (b'{"deep": ' + b"[" * 50_000 + b"]" * 50_000 + b"}", "nested deeper than 100 levels"),
])
def test_a_state_the_host_cannot_take_is_the_exporters_fault_before_it_is_relayed(
        spawn: Spawn, state: bytes, why: str) -> None:
    runner = spawn(patched(f"_p.encode_state_ok = lambda _: _p._frame(_p.STATE_OK_PREFIX + {state!r} + b'}}')"))
    with pytest.raises(StrategyFault) as fault:
        runner.export_state_json()
    assert fault.value.kind == "garbage" and why in fault.value.reason
    assert f"export_state of {runner.name} {runner.version}" in fault.value.reason


def test_a_deep_state_exported_for_a_snapshot_is_the_exporters_fault(spawn: Spawn) -> None:
    runner = spawn(patched("""
_orig = _p.encode_ok
_p.encode_ok = lambda v: _p._frame(b'{"ok":{"deep":' + b"[" * 5000 + b"]" * 5000 + b"}}") if v == {"n": 1} else _orig(v)
"""))
    with pytest.raises(StrategyFault) as fault:
        runner.export_state()
    assert fault.value.kind == "garbage" and "nested deeper than 100 levels" in fault.value.reason


def test_the_shelf_keeps_only_bounded_json_and_survives_a_deep_file(tmp_path: Path) -> None:
    shelf = StateShelf(tmp_path)
    deep = b'{"a": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"
    shelf.put(Shelved("s", "1.0.0", 300, deep))
    assert shelf.get("s") is None and not (tmp_path / "strategies" / "s.json").exists()
    (tmp_path / "strategies").mkdir(exist_ok=True)
    (tmp_path / "strategies" / "s.json").write_bytes(
        b'{"name": "s", "version": "1.0.0", "batch_end": 300, "state": ' + deep + b"}\n")
    assert StateShelf(tmp_path).get("s") is None  # a restarted host: logged, starts without it
    shelf.put(Shelved("s", "1.0.0", 600, b'{"n": 2}'))
    assert StateShelf(tmp_path).get("s") == Shelved("s", "1.0.0", 600, {"n": 2})


GOOD = "from liveswap.api import Intent, hookimpl\n" + """
class Strategy:
    @hookimpl
    def on_candle(self, candle, ctx):
        return [Intent(candle.market, "up", 1.0)]
"""
BAD_EXPORTS = {  # the source's export_state is never usable: its bytes (patched in its own process) or a raise
    "invalid-json": "import liveswap.sandbox.protocol as _p\n"
                    "_p.encode_state_ok = lambda _: _p._frame(_p.STATE_OK_PREFIX + b'{\"results\": [}' + b'}')\n",
    "deep-200kb": "import liveswap.sandbox.protocol as _p\n"
                  "_p.encode_state_ok = lambda _: _p._frame(_p.STATE_OK_PREFIX + b'{\"a\": ' + b'[' * 100_000"
                  " + b']' * 100_000 + b'}' + b'}')\n",
    "raising": "",
}
RAISES = """
    @hookimpl
    def export_state(self):
        raise RuntimeError("no state for you")
"""


@pytest.mark.parametrize("bad", sorted(BAD_EXPORTS))
def test_activate_and_rollback_away_from_a_version_whose_export_fails_land_and_blame_it(
        home: Path, host: Callable[..., Host], bad: str) -> None:
    """A version whose export_state is never usable cannot hold the operator hostage: every swap away
    from it lands, the target starting from its own last state or a warm-up, the source blamed."""
    make_wheel(home / "registry", "hostile-strategy", "6.6.6", ep="hostile", module="hostile_strategy",
               body=BAD_EXPORTS[bad] + GOOD + (RAISES if bad == "raising" else
                                               "    @hookimpl\n    def export_state(self):\n        return {}\n"))
    make_wheel(home / "registry", "hostile-strategy", "6.6.7", ep="hostile", module="hostile_strategy", body=GOOD)
    h = host()
    engine = h.start("hostile==6.6.6")
    advance(engine, 600)
    assert h.swap_to("hostile==6.6.7") is None  # an activation away from it lands
    said = _blamed(engine, "6.6.7")
    assert "it warmed up without state" in said
    advance(engine, 300)
    assert h.swap_to(None, "rollback") is None and engine.active.version == "6.6.6"  # during probation
    assert engine.last_swap is not None  # its export killed its warm worker: a fresh one, honest about its state
    assert engine.last_swap.state.startswith(
        "state not carried: 6.6.6 could not export its state at the swap: 6.6.6 has no state of its own")
    advance(engine, 300)
    assert h.swap_to(None, "rollback") is None  # a rollback away from it, after probation, lands too
    _blamed(engine, "6.6.7")
    h.assert_keeps_trading_with_money_intact()
    assert json.dumps(engine.report().model_dump(mode="json"))  # the host still reports


def _blamed(engine: Engine, version: str) -> str:
    """The swap landed on ``version``; journal, history and last_swap blame hostile==6.6.6's export."""
    assert engine.active.version == version and engine.active.runner.alive
    swap = engine.last_swap
    assert swap is not None and swap.ok and swap.from_ == "hostile==6.6.6"
    assert swap.state.startswith("state not carried: hostile==6.6.6 could not export its state (")
    assert "\n" not in swap.state and len(swap.state) < 600 and f"{version} refused" not in swap.state
    row = engine.journal.query("SELECT swaps.ok, swaps.to_version, swap_states.state FROM swaps JOIN swap_states"
                               " ON swap_states.swap_id = swaps.id ORDER BY swaps.id DESC LIMIT 1")[0]
    assert tuple(row) == (1, f"hostile=={version}", swap.state)  # what history shows
    return swap.state


def test_a_host_facing_a_million_intents_a_candle_decides_every_candle_with_flat_memory(
        home: Path, host: Callable[..., Host]) -> None:
    body = ("from liveswap.api import Intent, hookimpl\nclass Strategy:\n    @hookimpl\n"
            "    def on_candle(self, candle, ctx):\n        return [Intent(candle.market, 'up', 1.0)] * 1_000_000\n")
    make_wheel(home / "registry", "flood-strategy", "1.0.0", ep="flood", module="flood_strategy", body=body)
    h = host()
    engine = h.start("flood==1.0.0")
    before, cursor = rss_kib(), engine.cursor or 0
    h.attack(1800)
    assert (engine.cursor or 0) >= cursor + 1800  # every candle decided, as without the attacker
    assert engine.active.version == "1.0.0" and engine.active.runner.alive  # refused intents, not a fault
    assert h.orders() == 0
    assert rss_kib() - before < 16 * 1024
