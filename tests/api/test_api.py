"""The strategy API as a strategy author meets it."""

from __future__ import annotations

import pytest
from liveswap.api import Candle, Intent, hookimpl
from liveswap.runners.base import Batch, StrategyFault
from liveswap.runners.inprocess import InProcessRunner


def candle(close: float = 101.0) -> Candle:
    return Candle("BTC-5m", "5m", 0, 300, 100.0, 102.0, 99.0, close, 5.0, 0.5)


def test_wrong_hookimpl_signature_is_refused_with_pluggys_reason() -> None:
    class Bad:
        @hookimpl
        def on_candle(self, candle, context):  # "context" is not an argument of the spec
            return []

    with pytest.raises(StrategyFault) as err:
        InProcessRunner(Bad, name="bad", version="1.0.0")
    assert err.value.kind == "load"
    assert "context" in str(err.value)


def test_misspelt_hook_is_refused() -> None:
    class Typo:
        @hookimpl
        def on_candle(self, candle):
            return []

        @hookimpl
        def on_candel(self, candle):
            return []

    with pytest.raises(StrategyFault, match="on_candel"):
        InProcessRunner(Typo, name="typo", version="1.0.0")


def test_on_candle_is_required() -> None:
    class NoCandle:
        @hookimpl
        def setup(self, params):
            pass

    with pytest.raises(StrategyFault, match="on_candle"):
        InProcessRunner(NoCandle, name="x", version="1.0.0")


def test_subset_of_arguments_is_allowed_and_outputs_pass_through() -> None:
    class Up:
        @hookimpl
        def on_candle(self, candle):
            return [Intent(candle.market, "up", 1.0)]

    runner = InProcessRunner(Up, name="up", version="1.0.0")
    from liveswap.api import Context

    out = runner.run_batch(Batch(candles=[(candle(), Context(now=300, balance=10.0))]))
    assert out.outputs == [[Intent("BTC-5m", "up", 1.0)]]
    assert runner.export_state() is None


def test_strategy_exception_is_a_fault_with_a_one_line_reason() -> None:
    class Boom:
        @hookimpl
        def on_candle(self, candle):
            raise ZeroDivisionError("division by zero")

    runner = InProcessRunner(Boom, name="boom", version="1.0.0")
    from liveswap.api import Context

    with pytest.raises(StrategyFault) as err:
        runner.run_batch(Batch(candles=[(candle(), Context(now=300, balance=10.0))]))
    assert err.value.kind == "exception"
    assert "ZeroDivisionError" in str(err.value) and "\n" not in str(err.value)


def test_export_state_must_be_json() -> None:
    class Weird:
        @hookimpl
        def on_candle(self, candle):
            return None

        @hookimpl
        def export_state(self):
            return {"when": object()}

    with pytest.raises(StrategyFault) as err:
        InProcessRunner(Weird, name="w", version="1").export_state()
    assert err.value.kind == "garbage"
