"""The swap's state relay: a sandboxed worker's exported state crosses to another worker as JSON
bytes the host never parses; the importing strategy still gets a dict, and bad state is refused."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from liveswap.api import hookimpl
from liveswap.runners.base import StrategyFault
from liveswap.runners.inprocess import InProcessRunner
from liveswap.sandbox.runner import SandboxRunner
from liveswap.swap.staging import export_state, import_state

from tests.support.engine_helpers import Probe

KEEPER = """
class Strategy:
    def __init__(self):
        self.state = {"n": 1, "pi": 3.25, "name": "BTC-5m \\u00e9\\u2603", "nested": {"xs": [1, 2.5, None, True]}}
        self.got = None
    @hookimpl
    def on_candle(self, candle, ctx):
        return []
    @hookimpl
    def export_state(self):
        return {"state": self.state, "got": self.got}
    @hookimpl
    def import_state(self, state, from_version):
        assert type(state) is dict, type(state)
        self.got = {"state": state, "from": from_version}
"""

LISTER = """
class Strategy:
    @hookimpl
    def on_candle(self, candle, ctx):
        return []
    @hookimpl
    def export_state(self):
        return [1, 2]
"""


def test_state_crosses_between_workers_unchanged_and_arrives_as_a_dict(spawn: Callable[..., SandboxRunner]) -> None:
    old, new = spawn(KEEPER, version="1.0.0"), spawn(KEEPER, version="2.0.0")
    relayed = export_state(old)
    assert isinstance(relayed, bytes)  # the host holds bytes, not a parsed dict
    assert json.loads(relayed) == old.export_state()
    import_state(new, relayed, "1.0.0")
    got = new.export_state()["got"]  # type: ignore[index]
    assert got == {"state": old.export_state(), "from": "1.0.0"}
    assert got["state"]["state"]["name"] == "BTC-5m \u00e9\u2603"


def test_relayed_state_reaches_an_in_process_runner_as_a_dict(spawn: Callable[..., SandboxRunner]) -> None:
    class Importer(Probe):
        got: object = None

        @hookimpl
        def import_state(self, state: dict[str, object], from_version: str) -> None:
            self.got = (state, from_version)

    target = Importer()
    import_state(InProcessRunner(target, name="probe", version="2.0.0"), export_state(spawn(KEEPER)), "1.0.0")
    assert isinstance(target.got, tuple) and target.got[0]["state"]["n"] == 1 and target.got[1] == "1.0.0"


@pytest.mark.parametrize("garbage", [b"[1, 2]", b"{not json", b"\xff\xfe", b'"a string"'])
def test_garbage_state_is_refused_by_the_importing_worker(spawn: Callable[..., SandboxRunner], garbage: bytes) -> None:
    new = spawn(KEEPER, version="2.0.0")
    with pytest.raises(StrategyFault) as err:
        new.import_state_json(garbage, "1.0.0")
    assert err.value.kind == "garbage" and "state to import" in err.value.reason
    assert not new.alive


def test_an_export_that_is_not_a_dict_is_the_exporters_fault(spawn: Callable[..., SandboxRunner]) -> None:
    old = spawn(LISTER)
    with pytest.raises(StrategyFault) as err:
        export_state(old)
    assert err.value.kind == "garbage" and "not dict" in err.value.reason


def test_no_export_hook_relays_nothing(spawn: Callable[..., SandboxRunner]) -> None:
    silent = spawn("class Strategy:\n    @hookimpl\n    def on_candle(self, candle, ctx):\n        return []\n")
    assert export_state(silent) is None
    assert silent.export_state() is None
