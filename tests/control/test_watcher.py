"""control.json applied by a host engine between batches: pause, params, risk, swaps, refusals.

The engine runs in-process on a manual clock (fast, deterministic); control.json is changed the
way an operator changes it: through the real CLI commands, or by writing the file by hand.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from liveswap.api import Intent, hookimpl
from liveswap.cli.main import main
from liveswap.control import ControlWatcher, SwapRequest, desired_from
from liveswap.engine.active import ActiveStrategy
from liveswap.engine.loop import IDLE_WAKE_SECONDS, Engine
from liveswap.engine.steering import Steering
from liveswap.home.control_store import read_desired, update_control
from liveswap.home.status import read_status
from liveswap.home.wait import check
from liveswap.host import connect
from liveswap.runners.inprocess import InProcessRunner

from tests.support.engine_helpers import T0, Probe, advance, make_engine, status_json


class ParamProbe(Probe):
    """Stakes ``ctx.params["stake"]``; remembers every ``on_params`` and the params each candle saw."""

    def __init__(self) -> None:
        super().__init__()
        self.on_params_calls: list[dict[str, Any]] = []
        self.ctx_params: list[dict[str, Any]] = []

    @hookimpl
    def on_params(self, params: dict[str, Any]) -> None:
        if params.get("explode"):
            raise ValueError("explode is not a param I accept")
        self.on_params_calls.append(dict(params))

    @hookimpl
    def on_candle(self, candle: Any, ctx: Any) -> list[Intent]:
        self.ctx_params.append(dict(ctx.params))
        return super().on_candle(candle, ctx)


def cli(home: Path, *args: str) -> int:
    return main([*args, "--home", str(home)])


def steer(engine: Engine, home: Path, *args: str) -> None:
    """A CLI command, then the host's next idle wake (which applies it). ``activate`` is written to
    control.json as the CLI writes it: these strategies are in-process, not in a registry the CLI
    checks (it refuses an unknown version at once)."""
    if args[0] == "activate":
        spec = args[1]
        update_control(home / "state", lambda doc, g: {**doc, "active": spec, "active_request": g, "rollback": None})
    else:
        assert cli(home, *args) == 0
    idle(engine)


def idle(engine: Engine) -> None:
    """What the host's idle loop does between candle closes: run the between-batches callbacks."""
    engine.between_batches()


def controlled(home: Path, strategy: Any = Probe, **kw: Any) -> tuple[Engine, ControlWatcher]:
    engine = make_engine(home, strategy=strategy, **kw)
    watcher = ControlWatcher(engine.state_dir, started_with=read_desired(home / "state", engine.markets))
    connect(engine, watcher=watcher)
    return engine, watcher


def with_swap(home: Path, refuse: str | None = None, **kw: Any) -> tuple[Engine, FakeSwap]:
    """An engine whose control watcher hands swaps to a :class:`FakeSwap`."""
    engine = make_engine(home, **kw)
    swap = FakeSwap(engine, refuse=refuse)
    connect(engine, watcher=ControlWatcher(engine.state_dir, started_with=read_desired(home / "state", engine.markets),
                                           swaps=swap))
    return engine, swap


def orders(engine: Engine, where: str = "1=1", args: tuple[Any, ...] = ()) -> list[Any]:
    return engine.journal.query(f"SELECT * FROM orders WHERE {where}", args)


def controls(engine: Engine) -> list[tuple[int, int, str]]:
    return [(r["generation"], r["ok"], r["reason"]) for r in engine.journal.query("SELECT * FROM controls")]


def strategy_of(engine: Engine) -> Any:
    return engine.active.runner.strategy  # type: ignore[attr-defined]


# ---- pause / resume ----------------------------------------------------------------------------

def test_pausing_one_market_stops_its_new_orders_while_others_trade_and_open_ones_settle(home: Path) -> None:
    engine, _ = controlled(home)
    advance(engine, 1800)
    open_btc = [p.client_order_id for p in engine.ledger.positions.values() if p.market == "BTC-15m"]
    assert open_btc, "the probe bets every candle: a BTC-15m position is open"

    steer(engine, home, "pause", "--market", "BTC-15m", "--market", "ETH-5m")
    paused_at = engine.cursor
    advance(engine, 3600)

    assert engine.desired.paused_markets == {"BTC-15m", "ETH-5m"}
    later = "batch_end > ?"
    assert orders(engine, f"{later} AND market IN ('BTC-15m', 'ETH-5m')", (paused_at,)) == []
    assert len(orders(engine, f"{later} AND market = 'BTC-5m'", (paused_at,))) >= 10
    settled = {r["client_order_id"] for r in engine.journal.settlements()}
    assert set(open_btc) <= settled  # positions opened before the pause still settled
    rejected = engine.journal.query("SELECT rejected FROM decisions WHERE market='ETH-5m' AND batch_end > ?",
                                    (paused_at,))
    assert all("ETH-5m is paused" in r["rejected"] for r in rejected)

    steer(engine, home, "resume", "--market", "ETH-5m")
    resumed_at = engine.cursor
    advance(engine, 1800)
    assert orders(engine, f"{later} AND market = 'ETH-5m'", (resumed_at,))
    assert orders(engine, f"{later} AND market = 'BTC-15m'", (resumed_at,)) == []
    st = status_json(home / "state")
    assert st is not None and st["paused_markets"] == ["BTC-15m"] and st["observed_generation"] == 2


def test_pause_all_then_resume_all(home: Path) -> None:
    engine, _ = controlled(home)
    advance(engine, 600)
    steer(engine, home, "pause", "--market", "SOL-5m")
    steer(engine, home, "pause")
    at = engine.cursor
    advance(engine, 1800)
    assert orders(engine, "batch_end > ?", (at,)) == []
    assert status_json(home / "state")["paused"] is True  # type: ignore[index]
    steer(engine, home, "resume")  # everything, including SOL-5m
    at = engine.cursor
    advance(engine, 900)
    assert {r["market"] for r in orders(engine, "batch_end > ?", (at,))} >= {"SOL-5m", "BTC-5m"}
    assert engine.desired.paused is False and engine.desired.paused_markets == set()


# ---- params and risk ---------------------------------------------------------------------------

def test_params_reach_the_strategy_through_on_params_and_context(home: Path) -> None:
    engine, _ = controlled(home, strategy=ParamProbe)
    advance(engine, 600)
    steer(engine, home, "set", "stake=2", "mode=fast", "weights=[1,2]")
    at = engine.cursor
    advance(engine, 600)
    probe = strategy_of(engine)
    assert probe.on_params_calls == [{"stake": 2, "mode": "fast", "weights": [1, 2]}]
    assert probe.ctx_params[-1] == {"stake": 2, "mode": "fast", "weights": [1, 2]}
    new = orders(engine, "batch_end > ?", (at,))
    assert new and {r["stake_micros"] for r in new} == {2_000_000}
    steer(engine, home, "set", "mode=null")  # null removes a param
    advance(engine, 300)
    assert probe.ctx_params[-1] == {"stake": 2, "weights": [1, 2]}


def test_risk_limits_apply_to_the_next_intent_and_null_restores_the_setting(home: Path) -> None:
    engine, _ = controlled(home)
    advance(engine, 600)
    steer(engine, home, "set", "risk.stake_cap=0.5")
    at = engine.cursor
    advance(engine, 600)
    assert orders(engine, "batch_end > ?", (at,)) == []
    reasons = engine.journal.query("SELECT rejected FROM decisions WHERE batch_end > ?", (at,))
    assert reasons and all("exceeds the cap 0.50" in r["rejected"] for r in reasons)
    assert status_json(home / "state")["risk"]["stake_cap"] == 0.5  # type: ignore[index]
    steer(engine, home, "set", "risk.stake_cap=null")
    at = engine.cursor
    advance(engine, 300)
    assert orders(engine, "batch_end > ?", (at,))
    assert engine.desired.risk.stake_cap == engine.settings.risk.stake_cap


def test_a_strategy_refusing_its_params_refuses_them_and_never_blocks_a_later_pause(home: Path) -> None:
    engine, _ = controlled(home, strategy=ParamProbe)
    steer(engine, home, "set", "stake=2")
    advance(engine, 300)
    steer(engine, home, "set", "explode=true", "stake=3")
    advance(engine, 300)
    assert engine.desired.params == {"stake": 2}  # the refused params are not applied: the previous ones stay
    outcome = check(read_status(home / "state"), 2)
    assert outcome is not None and not outcome.ok
    assert "refused the params in on_params" in outcome.message
    assert "ValueError: explode is not a param I accept" in outcome.message
    assert controls(engine)[-1][:2] == (2, 0)
    calls = len(strategy_of(engine).on_params_calls)
    steer(engine, home, "pause")  # issue 24: the refused params stay in the file; the pause applies all the same
    assert engine.paused and engine.desired.params == {"stake": 2}
    outcome = check(read_status(home / "state"), 3)
    assert outcome is not None and outcome.ok, outcome
    steer(engine, home, "set", "explode=null")  # and the undo the refusal names takes the rest
    assert engine.desired.params == {"stake": 3} and len(strategy_of(engine).on_params_calls) == calls + 1


# ---- activate / rollback through the swap seam -------------------------------------------------

class FakeSwap:
    """Stands in for the integrator's hot swap: records requests; swaps to ``probe==VERSION``."""

    def __init__(self, engine: Engine, refuse: str | None = None) -> None:
        self.engine = engine
        self.refuse = refuse
        self.requests: list[SwapRequest] = []
        self.history = [engine.active.version]

    def request(self, *, kind: Any, spec: str | None, generation: int, done: Any) -> None:
        done(self.swap(SwapRequest(kind=kind, spec=spec, generation=generation)))

    def swap(self, request: SwapRequest) -> str | None:
        self.requests.append(request)
        if self.refuse:
            return self.refuse
        if request.kind == "rollback" and request.spec:
            version = request.spec.partition("==")[2]
        elif request.kind == "rollback":
            if len(self.history) < 2:
                return "nothing to roll back to"
            self.history.pop()
            version = self.history[-1]
        else:
            version = (request.spec or "").partition("==")[2] or "9.9.9"
            self.history.append(version)
        self.engine.activate(ActiveStrategy(InProcessRunner(Probe, name="probe", version=version), "probe", version))
        return None


def test_activate_and_rollback_go_through_the_swap_handler_once_each(home: Path) -> None:
    engine, swap = with_swap(home)
    advance(engine, 300)
    steer(engine, home, "rollback")
    advance(engine, 300)
    assert check(read_status(home / "state"), 1).message.endswith("nothing to roll back to")  # type: ignore[union-attr]

    steer(engine, home, "activate", "probe==2.0.0")
    advance(engine, 300)
    assert engine.active.version == "2.0.0"
    assert swap.requests[-1] == SwapRequest(kind="activate", spec="probe==2.0.0", generation=2)
    steer(engine, home, "set", "stake=1")
    advance(engine, 600)
    assert len(swap.requests) == 2  # an unrelated change does not repeat the swap
    assert orders(engine, "version = '2.0.0'")

    steer(engine, home, "rollback")
    advance(engine, 300)
    assert swap.requests[-1] == SwapRequest(kind="rollback", spec=None, generation=4)
    assert engine.active.version == "1.0.0"
    steer(engine, home, "set", "stake=2")
    advance(engine, 300)
    assert len(swap.requests) == 3  # the rollback request is one-shot
    steer(engine, home, "rollback", "--to", "0.9.0")
    advance(engine, 300)
    assert swap.requests[-1] == SwapRequest(kind="rollback", spec="probe==0.9.0", generation=6)
    assert [(g, ok) for g, ok, _ in controls(engine)] == [(1, 0), (2, 1), (3, 1), (4, 1), (5, 1), (6, 1)]


def test_activation_refused_is_reported_and_retried_only_when_asked_again(home: Path) -> None:
    engine, swap = with_swap(home, refuse="probe==7.0.0 is not in the registry")
    steer(engine, home, "set", "stake=1", "risk.stake_cap=4")
    steer(engine, home, "activate", "probe==7.0.0")
    advance(engine, 300)
    st = status_json(home / "state")
    assert st is not None
    assert st["control_refusal"] == {"generation": 2, "reason": "probe==7.0.0 is not in the registry",
                                   "partial": False}
    assert st["observed_generation"] == 2  # params and risk of that generation are in force
    assert engine.desired.risk.stake_cap == 4 and engine.active.version == "1.0.0"
    steer(engine, home, "set", "stake=2")
    advance(engine, 300)
    assert len(swap.requests) == 1
    steer(engine, home, "activate", "probe==7.0.0")  # same spec, asked again: tried again
    advance(engine, 300)
    assert len(swap.requests) == 2 and swap.requests[-1].generation == 4


def test_without_a_swap_handler_activation_is_refused_for_its_generation(home: Path) -> None:
    engine, _ = controlled(home)
    steer(engine, home, "activate", "probe==2.0.0")
    steer(engine, home, "rollback")
    advance(engine, 300)
    outcome = check(read_status(home / "state"), 2)
    assert outcome is not None and not outcome.ok and "hot swap not available in this host" in outcome.message
    assert engine.active.version == "1.0.0"


def test_activating_what_already_runs_is_a_no_op(home: Path) -> None:
    engine, _ = controlled(home)
    steer(engine, home, "activate", "probe==1.0.0")  # no swap handler needed: nothing to swap
    advance(engine, 300)
    outcome = check(read_status(home / "state"), 1)
    assert outcome is not None and outcome.ok


# ---- refused files -----------------------------------------------------------------------------

GOOD = {"active": None, "paused": False, "paused_markets": ["BTC-5m"], "params": {"stake": 2}, "risk": {},
        "generation": 1}

BAD_FILES: list[tuple[str, bytes, str]] = [
    ("truncated", b'{"paused": true, "params": {"st', "control.json: not valid JSON"),
    ("empty", b"", "control.json: empty file"),
    ("not utf-8", b'{"params": {"x": "\xff\xfe"}}', "not UTF-8"),
    ("not an object", b"[1, 2]", "(top level): must be a JSON object"),
    ("unknown key", b'{"pause": true, "generation": 2}', "pause: unknown key"),
    ("string for bool", b'{"paused": "yes", "generation": 2}', "paused: Input should be a valid boolean (got 'yes')"),
    ("params not a dict", b'{"params": [1], "generation": 2}', "params: Input should be a valid dictionary"),
    ("generation a string", b'{"generation": "2"}', "generation: Input should be a valid integer"),
    ("negative stake cap", b'{"risk": {"stake_cap": -1}, "generation": 2}',
     "risk.stake_cap: Input should be greater than 0 (got -1)"),
    ("null risk limit", b'{"risk": {"stake_cap": null}, "generation": 2}', "risk.stake_cap: Input should be a valid"),
    ("fractional count", b'{"risk": {"max_open_positions": 1.5}, "generation": 2}',
     "risk.max_open_positions: Input should be a valid integer"),
    ("unknown risk limit", b'{"risk": {"leverage": 10}, "generation": 2}', "risk.leverage: unknown key"),
    ("NaN", b'{"params": {"stake": NaN}, "generation": 2}', "NaN is not allowed"),
    ("market not traded", b'{"paused_markets": ["BTC-1h"], "generation": 2}',
     "paused_markets: unknown market 'BTC-1h' (this host trades BTC-5m"),
    ("market malformed", b'{"paused_markets": ["bitcoin"], "generation": 2}',
     "paused_markets: market 'bitcoin' is not ASSET-TIMEFRAME"),
    ("active malformed", b'{"active": "my strategy", "generation": 2}', "active: 'my strategy' is not NAME or NAME=="),
    ("active bad version", b'{"active": "probe==latest", "generation": 2}', "active: 'latest' is not a version"),
    ("rollback and active", b'{"active": "probe", "rollback": {"to": null, "request": 2}, "generation": 2}',
     "'active' and 'rollback' are exclusive"),
    ("rollback without request", b'{"rollback": {"to": "1.0"}, "generation": 2}', "rollback.request: Field required"),
]


@pytest.mark.parametrize(("content", "reason"), [b[1:] for b in BAD_FILES], ids=[b[0] for b in BAD_FILES])
def test_an_invalid_file_is_refused_and_the_last_good_state_stays(home: Path, content: bytes, reason: str) -> None:
    path = home / "state" / "control.json"
    engine, watcher = controlled(home)
    path.write_text(json.dumps(GOOD))
    idle(engine)
    advance(engine, 300)
    assert engine.desired.params == {"stake": 2}

    path.write_bytes(content)  # in place, as an editor or a careless script does
    advance(engine, 900)  # trading goes on
    assert watcher.control_error is not None and reason in watcher.control_error
    assert "\n" not in watcher.control_error
    assert engine.desired.params == {"stake": 2} and engine.desired.paused_markets == {"BTC-5m"}
    assert engine.desired.generation == 1 and watcher.last_good is not None
    assert {r["stake_micros"] for r in orders(engine)} == {2_000_000}
    st = status_json(home / "state")
    assert st is not None and st["control_error"] == watcher.control_error and st["observed_generation"] == 1
    if b'"generation": 2' in content:  # --wait on generation 2 sees the refusal
        assert check(read_status(home / "state"), 2) is not None and not check(read_status(home / "state"), 2).ok  # type: ignore[union-attr]
        assert controls(engine)[-1][:2] == (2, 0)

    path.write_text(json.dumps({**GOOD, "params": {"stake": 3}, "generation": 3}))
    idle(engine)
    assert watcher.control_error is None and engine.desired.params == {"stake": 3}
    assert status_json(home / "state")["control_error"] is None  # type: ignore[index]


def test_a_file_half_written_in_place_is_refused_then_taken_once_complete(home: Path) -> None:
    path = home / "state" / "control.json"
    engine, watcher = controlled(home)
    full = json.dumps({**GOOD, "paused": True})
    path.write_text(full[: len(full) // 2])
    idle(engine)
    assert "not valid JSON" in (watcher.control_error or "") and engine.desired.paused is False
    with path.open("a") as fh:
        fh.write(full[len(full) // 2:])
    idle(engine)
    assert watcher.control_error is None and engine.desired.paused is True


def test_the_cli_refuses_to_overwrite_an_invalid_file(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = home / "state" / "control.json"
    path.write_text('{"paused": "no"}')
    assert cli(home, "set", "stake=2") == 1
    err = capsys.readouterr().err
    assert "paused: Input should be a valid boolean" in err and "nothing was changed" in err
    assert path.read_text() == '{"paused": "no"}'


def test_removing_the_file_keeps_the_current_desired_state(home: Path) -> None:
    engine, watcher = controlled(home)
    steer(engine, home, "pause", "--market", "XRP-5m")
    (home / "state" / "control.json").unlink()
    idle(engine)
    assert engine.desired.paused_markets == {"XRP-5m"} and watcher.control_error is None


# ---- start-up ----------------------------------------------------------------------------------

def test_control_json_is_the_desired_state_at_start(home: Path) -> None:
    assert cli(home, "set", "stake=3", "risk.max_open_positions=2") == 0
    assert cli(home, "pause", "--market", "DOGE-5m") == 0
    doc = read_desired(home / "state")
    assert doc is not None
    engine = make_engine(home, strategy=ParamProbe)
    engine.apply_desired(desired_from(doc, engine.settings.risk))
    engine.active.runner.setup(dict(engine.desired.params))
    connect(engine, watcher=ControlWatcher(engine.state_dir, started_with=doc))
    advance(engine, 1800)
    assert strategy_of(engine).params == {"stake": 3}  # setup got them; no on_params needed
    assert strategy_of(engine).on_params_calls == []
    assert orders(engine) and {r["stake_micros"] for r in orders(engine)} == {3_000_000}
    assert orders(engine, "market = 'DOGE-5m'") == []
    assert len(engine.ledger.positions) <= 2
    assert controls(engine) == [(2, 1, "no change")]


def test_a_rollback_asked_while_the_host_was_down_runs_once(home: Path) -> None:
    assert cli(home, "rollback") == 0
    engine, swap = with_swap(home)
    advance(engine, 600)
    assert [r.kind for r in swap.requests] == ["rollback"]
    engine.journal.close()

    again, swap2 = with_swap(home, t=engine.clock.now())
    advance(again, 600)
    assert swap2.requests == []  # the journal says generation 1 was handled before the restart


def test_read_desired_is_none_for_a_missing_or_invalid_file(home: Path) -> None:
    assert read_desired(home / "state") is None
    (home / "state" / "control.json").write_text("{")
    assert read_desired(home / "state") is None


# ---- latency -----------------------------------------------------------------------------------

class RecordingClock:
    speed = 1.0

    def __init__(self, t: float, stop_after: int) -> None:
        self.t = t
        self.waits: list[float] = []
        self.stop_after = stop_after
        self.at_limit: Callable[[], None] = lambda: None

    def now(self) -> float:
        return self.t

    def wait_until(self, t: float, stop: threading.Event, max_real: float) -> None:
        self.waits.append(max_real)
        self.t += 1
        if len(self.waits) >= self.stop_after:
            self.at_limit()

    def save(self, path: Path) -> None:
        """Nothing to persist."""


def test_the_idle_loop_polls_control_json_at_least_every_200_ms(home: Path) -> None:
    clock = RecordingClock(T0, stop_after=5)
    engine, watcher = controlled(home, t=T0, clock=clock)
    clock.at_limit = engine.stop
    calls: list[int] = []
    engine.steer(Steering(between_batches=(watcher, lambda e: calls.append(1))))
    engine.run()
    assert clock.waits and max(clock.waits) <= IDLE_WAKE_SECONDS <= 0.2
    assert len(calls) >= len(clock.waits)  # every idle wake runs the callbacks (the watcher among them)


def test_risk_limits_may_be_lowered_never_raised_above_the_settings(home: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    engine, _ = controlled(home)
    advance(engine, 300)
    ceiling = engine.settings.risk
    before = (home / "state" / "control.json").read_bytes() if (home / "state" / "control.json").exists() else None
    assert cli(home, "set", "risk.stake_cap=1000", "risk.max_open_positions=1000") == 1  # the CLI refuses at once
    assert "risk.stake_cap 1000 is above 5" in capsys.readouterr().err
    assert ((home / "state" / "control.json").read_bytes() if before is not None else None) == before
    # by hand: the host holds the raise at the previous limit, says why and how to undo it, and applies the rest
    (home / "state" / "control.json").write_text(json.dumps(
        {"generation": 5, "paused": True, "risk": {"stake_cap": 1000, "max_open_positions": 1000}}))
    idle(engine)
    assert engine.desired.risk == ceiling and engine.paused
    st = status_json(home / "state")
    assert st is not None and "risk.stake_cap 1000 is above 5" in str(st["control_error"])
    assert "risk.max_open_positions 1000 is above 9" in str(st["control_error"])
    assert "liveswap set risk.stake_cap=null risk.max_open_positions=null" in str(st["control_error"])
    assert st["control_refusal"]["generation"] == 5 and st["control_refusal"]["partial"] is True
    steer(engine, home, "set", "risk.stake_cap=1", "risk.max_open_positions=2")
    assert (engine.desired.risk.stake_cap, engine.desired.risk.max_open_positions) == (1, 2)  # lowering is applied
    assert status_json(home / "state")["control_error"] is None  # type: ignore[index]


def test_a_control_file_above_the_ceilings_at_start_is_held_at_the_ceilings(home: Path) -> None:
    (home / "state" / "control.json").write_text(json.dumps(
        {"generation": 1, "risk": {"stake_cap": 50, "daily_loss_limit": 10}}))
    engine, _ = controlled(home)
    doc = read_desired(home / "state", engine.markets)
    assert doc is not None
    at_start = desired_from(doc, engine.settings.risk)  # what a starting host takes (host.build_engine)
    assert at_start.risk.stake_cap == engine.settings.risk.stake_cap  # held at the ceiling
    assert at_start.risk.daily_loss_limit == 10  # a lower limit is taken
    idle(engine)  # the running host's watcher holds the limit and says why
    st = status_json(home / "state")
    assert st is not None and "risk.stake_cap 50 is above 5" in str(st["control_error"])
    assert engine.desired.risk.stake_cap == engine.settings.risk.stake_cap
    assert engine.desired.risk.daily_loss_limit == 10  # and the rest of the generation applies
    from liveswap.cli.status_view import control_rows

    assert control_rows(st, 1)[0] == ("control", "generation 1 applied in part")  # never "applied" + "refused"
