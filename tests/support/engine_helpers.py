"""Building engines on a home folder with an in-process probe strategy (no sandbox), and the fakes
engine, recovery and swap tests share (a clock moved by hand, a broker that crashes after sending,
versioned probes)."""

from __future__ import annotations

import threading
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from liveswap.api import Intent, hookimpl
from liveswap.brokers.base import BrokerError, OrderRequest, OrderResult
from liveswap.brokers.paper import PaperBroker
from liveswap.engine.active import ActiveStrategy
from liveswap.engine.loop import Engine
from liveswap.feeds.synthetic import SyntheticFeed
from liveswap.home.status import read_status
from liveswap.host import Host, connect, outcome_lookup
from liveswap.journal import Journal
from liveswap.journal.store import FillRow, SettlementRow
from liveswap.runners.inprocess import InProcessRunner
from liveswap.settings import Settings, load_settings

T0 = 1_764_000_000


class ManualClock:
    speed = 1.0

    def __init__(self, t: float) -> None:
        self.t = t

    def now(self) -> float:
        return self.t

    def wait_until(self, t: float, stop: threading.Event, max_real: float) -> None:
        self.t = max(self.t, t)

    def save(self, path: Path) -> None:
        """Nothing to persist: tests move this clock by hand."""


class Probe:
    """Bets up after a green candle, down after a red one; records every candle it decides."""

    def __init__(self) -> None:
        self.seen: list[list[Any]] = []
        self.fills: list[str] = []
        self.settled: list[str] = []
        self.params: dict[str, Any] = {}

    @hookimpl
    def setup(self, params: dict[str, Any]) -> None:
        self.params = dict(params)

    @hookimpl
    def on_candle(self, candle: Any, ctx: Any) -> list[Intent]:
        self.seen.append([candle.market, candle.start])
        side = "up" if candle.close >= candle.open else "down"
        return [Intent(candle.market, side, float(ctx.params.get("stake", 1.0)))]

    @hookimpl
    def on_fill(self, fill: Any) -> None:
        self.fills.append(fill.order_id)

    @hookimpl
    def on_settle(self, settlement: Any) -> None:
        self.settled.append(settlement.order_id)

    @hookimpl
    def export_state(self) -> dict[str, Any]:
        return {"seen": self.seen, "fills": self.fills, "settled": self.settled}

    @hookimpl
    def import_state(self, state: dict[str, Any], from_version: str) -> None:
        self.seen, self.fills, self.settled = state["seen"], state["fills"], state["settled"]


def settings_for(home: Path, **kw: Any) -> Settings:
    return load_settings(home, **kw)


def make_engine(home: Path, *, t: float = T0, broker: Any = None, strategy: Any = Probe, version: str = "1.0.0",
                clock: Any = None, feed_wrapper: Any = None, **kw: Any) -> Engine:
    """An engine on ``home`` (synthetic feed, paper broker unless given, in-process ``strategy``);
    ``feed_wrapper(feed)``, if given, wraps the feed (a test's stand-in for a venue feed)."""
    settings = settings_for(home, **kw)
    feed = SyntheticFeed(settings.markets, seed=settings.seed)
    if feed_wrapper is not None:
        feed = feed_wrapper(feed)
    clock = clock or ManualClock(t)
    broker = broker or PaperBroker(settings.state_dir / "paper_broker.sqlite", settings.paper,
                                   outcome_lookup(feed, clock))
    journal = Journal(settings.state_dir / "journal.sqlite")
    active = ActiveStrategy(InProcessRunner(strategy, name="probe", version=version), "probe", version)
    engine = Engine(settings=settings, feed=feed, broker=broker, journal=journal, clock=clock, active=active)
    engine.recover(int(t))
    return engine


def advance(engine: Engine, seconds: int, *, live: bool = True) -> None:
    """Move the manual clock forward and decide everything that closed.

    ``live``: in 5-minute steps, as a running host sees candles; otherwise in one jump, as a host
    that was down for ``seconds`` sees them when it comes back.
    """
    step = 300 if live else seconds
    for _ in range(seconds // step):
        engine.clock.t += step  # type: ignore[attr-defined]
        engine.catch_up(engine.clock.now())


def money_invariant(journal: Journal, start: float) -> Decimal:
    """Start - (cost + fee of every fill) + payouts, exactly, from the journal's rows."""
    fills = [FillRow.from_db(r) for r in journal.fills()]
    setts = [SettlementRow.from_db(r) for r in journal.settlements()]
    return Decimal(str(start)) - sum((f.outlay for f in fills), Decimal(0)) + sum((s.payout for s in setts), Decimal(0))


class CrashAfterSend:
    """A paper broker that fills the order, then 'crashes' before the host journals the answer.
    ``unreachable``: every lookup fails too (the host died: nothing asks until it restarts)."""

    name = "paper"

    def __init__(self, inner: PaperBroker, *, unreachable: bool = False) -> None:
        self.inner = inner
        self.sent: list[str] = []
        self.unreachable = unreachable

    def submit(self, order: OrderRequest) -> OrderResult:
        self.sent.append(order.client_order_id)
        self.inner.submit(order)
        raise BrokerError("connection reset after the order was placed")

    def lookup(self, coid: str) -> OrderResult | None:
        if self.unreachable:
            raise BrokerError("the host is down: nothing asks")
        return self.inner.lookup(coid)

    def settlements(self, *a: Any) -> Any:
        return self.inner.settlements(*a)

    def close(self) -> None:
        self.inner.close()


class NeverSends(CrashAfterSend):
    def submit(self, order: OrderRequest) -> OrderResult:
        raise BrokerError("host died before sending")


def probe_version(version: str, *, fail_after: int | None = None, refuse_import: bool = False,
                  garbage: bool = False, export: bool = True) -> type:
    """A probe class whose decisions and faults differ by version."""

    class Versioned(Probe):
        @hookimpl
        def on_candle(self, candle: Any, ctx: Any) -> Any:
            if fail_after is not None and len(self.seen) >= fail_after:
                raise RuntimeError(f"{version} broke")
            out = super().on_candle(candle, ctx)
            self.seen[-1].append(version)
            return [{"market": candle.market, "side": "up", "stake": "lots"}] if garbage else out

        @hookimpl
        def import_state(self, state: dict[str, Any], from_version: str) -> None:
            if refuse_import:
                raise ValueError(f"cannot read state of {from_version}")
            super().import_state(state, from_version)

    if not export:
        del Versioned.export_state  # type: ignore[attr-defined]
        Versioned.export_state = None  # type: ignore[attr-defined,assignment]
    return Versioned


def status_json(state_dir: Path) -> dict[str, Any] | None:
    """status.json as the CLI's ``--json`` prints it (validated by the home's model), or None."""
    doc = read_status(state_dir)
    return None if doc is None else doc.to_json()


def connect_in_step(engine: Engine, *, swaps: Any, rollouts: Any) -> Host:
    """:func:`liveswap.host.connect`, plus a last step that waits for a shadow candidate's own
    thread to decide every batch the engine has: in-process tests stay in step with it."""
    host = connect(engine, swaps=swaps, rollouts=rollouts)
    steering = host.steering()
    engine.steer(replace(steering, between_batches=(*steering.between_batches,
                                                    lambda _engine: rollouts.wait_caught_up())))
    return host
