"""A host start never resumes a version that failed its probation, nor one during whose probation
the host died ``max_probation_crashes`` times: it starts the previous one and says why."""

from __future__ import annotations

from pathlib import Path

from tests.support.sandboxed import activate, die
from tests.support.sandboxed import start_host as start
from tests.support.wheelkit import make_wheel

BODY = '''
from liveswap.api import hookimpl, Intent

class Strategy:
    @hookimpl
    def on_candle(self, candle, ctx):
        return [Intent(candle.market, "up", 1.0)]
'''


def test_a_version_on_probation_when_the_host_died_twice_is_not_resumed(home: Path) -> None:
    for version in ("1.0.0", "2.0.0"):
        make_wheel(home / "registry", "probe-strategy", version, ep="probe", module="probe_strategy", body=BODY)
    engine, swaps = start(home)
    engine.catch_up((engine.cursor or 0) + 600)
    assert activate(engine, swaps, "probe==2.0.0") is None
    engine.catch_up((engine.cursor or 0) + 600)
    die(engine, swaps)

    engine, swaps = start(home)  # first death: 2.0.0 is given another chance
    assert engine.active.spec == "probe==2.0.0"
    engine.catch_up((engine.cursor or 0) + 300)
    die(engine, swaps)

    engine, swaps = start(home)  # second death within its probation: the previous version starts
    try:
        assert engine.active.spec == "probe==1.0.0"
        assert engine.last_swap is not None and engine.last_swap.kind == "auto-rollback"
        assert "died 2 time(s)" in engine.last_swap.reason and "starting probe==1.0.0" in engine.last_swap.reason
        history = engine.journal.swaps()
        assert history[0]["kind"] == "auto-rollback" and "died 2 time(s)" in history[0]["reason"]
        assert engine.journal.probations()[0]["outcome"] == "host-died"
        engine.heartbeat()
        assert "died 2" in engine.report().last_swap.reason  # type: ignore[union-attr]
    finally:
        swaps.close()
        engine.active.runner.close()
        engine.journal.close()


def test_a_clean_stop_during_probation_is_not_a_death(home: Path) -> None:
    for version in ("1.0.0", "2.0.0"):
        make_wheel(home / "registry", "probe-strategy", version, ep="probe", module="probe_strategy", body=BODY)
    for _ in range(3):
        engine, swaps = start(home)
        if engine.active.spec == "probe==1.0.0":
            assert activate(engine, swaps, "probe==2.0.0") is None
        engine.catch_up((engine.cursor or 0) + 300)
        swaps.close()
        engine.active.runner.close()
        engine.journal.close()
    engine, swaps = start(home)
    try:
        assert engine.active.spec == "probe==2.0.0"
    finally:
        swaps.close()
        engine.active.runner.close()
        engine.journal.close()
