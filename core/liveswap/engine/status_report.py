"""The engine's observed state as status.json holds it: :func:`build_status` makes the
:class:`~liveswap.home.status.StatusDoc` of an engine at one heartbeat.

It reads the engine through its public properties; what the engine keeps private (the money
guards' report, the steering rooms' notes) is handed in by keyword.
"""

from __future__ import annotations

import math
import os
import time
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from liveswap import __version__
from liveswap.engine.ledger import order_dict, position_dict
from liveswap.engine.state_summary import summarize_state
from liveswap.engine.steering import PartsStatus
from liveswap.feeds import Feed, ReportsMissed
from liveswap.home import (
    ActiveInfo,
    DailyLossInfo,
    MissedCandleInfo,
    OpenOrderInfo,
    PositionInfo,
    ReconcileInfo,
    SandboxInfo,
    StatusDoc,
    Tally,
    WorkerInfo,
)
from liveswap.money import fl
from liveswap.runners import Runner
from liveswap.sandbox import sandbox_status

if TYPE_CHECKING:
    from liveswap.engine.state import EngineState


def build_status(engine: EngineState, *, money: dict[str, Any], started_at: float, parts: PartsStatus,
                 last_snapshot_at: float | None) -> StatusDoc:
    """The observed state of ``engine`` now (``money``: the money guards' report; ``parts``: what the
    parts above it report, pulled by the host)."""
    refusals = parts.refusals
    ledger, desired, settings, active, feed, clock = (engine.ledger, engine.desired, engine.settings, engine.active,
                                                      engine.feed, engine.clock)
    return StatusDoc(
        liveswap_version=__version__, pid=os.getpid(), running=engine.running, heartbeat_at=time.time(),
        heartbeat_seconds=float(settings.heartbeat_seconds), started_at=started_at,
        observed_generation=parts.observed_generation,
        paused=engine.paused, paused_by_operator=desired.paused, paused_reason=engine.auto_pause_reason,
        paused_markets=sorted(desired.paused_markets), params=dict(desired.params),
        risk=desired.risk.model_dump(), risk_ceilings=settings.risk.model_dump(),
        active=ActiveInfo(**active.describe()),
        feed=feed.name, broker=engine.broker.name, markets=list(engine.markets),
        clock=float(clock.now()), speed=float(clock.speed), cursor=engine.cursor,
        balance=fl(ledger.balance), starting_balance=fl(ledger.deposits),
        open_at_cost=fl(_at_cost(ledger)), equity_at_cost=fl(ledger.balance + _at_cost(ledger)),
        open_positions=[PositionInfo(**position_dict(p)) for p in ledger.positions.values()],
        open_orders=[OpenOrderInfo(**order_dict(o)) for o in ledger.open_orders.values()],
        trading_blocked=money["trading_blocked"], daily_loss=DailyLossInfo(**money["daily_loss"]),
        reconcile=ReconcileInfo(**money["reconcile"]),
        missed_candles=[MissedCandleInfo(**m) for m in money["missed_candles"]],
        realized_pnl=fl(ledger.realized_pnl), fees_paid=fl(ledger.fees), win_rate=ledger.win_rate(),
        by_market={k: Tally(**v.to_dict()) for k, v in sorted(ledger.by_market.items())},
        by_version={k: Tally(**v.to_dict()) for k, v in sorted(ledger.by_version.items())},
        candles_processed=engine.candles_processed, strategy_faults=engine.faults, last_fault=engine.last_fault,
        last_snapshot_at=last_snapshot_at, control_error=parts.control_error,
        control_refusal=refusals[-1] if refusals else None, control_refusals=list(refusals),
        last_swap=engine.last_swap, strategy_state=summarize_state(engine.strategy_state),
        worker=_worker_status(active.runner), stale_markets=dict(feed.stale_markets()),
        probation=parts.probation, registry=parts.registry, exit_reason=engine.exit_reason,
        clock_skew_seconds=_clock_skew(feed),
        candidate=parts.candidate, fleet=parts.fleet,
        sandbox=SandboxInfo(**sandbox_status(settings.sandbox)) if active.runner.sandboxed else None,
    )


def _at_cost(ledger: Any) -> Decimal:
    """The open positions at what they cost as filled (contracts x price + fees), exact."""
    return sum((p.outlay for p in ledger.positions.values()), Decimal(0))


def _worker_status(runner: Runner) -> WorkerInfo:
    """Sandbox facts of the active runner (an in-process runner has none)."""
    if not runner.sandboxed:
        return WorkerInfo(sandboxed=False)
    return WorkerInfo(sandboxed=True, pid=runner.pid, alive=runner.alive, network_isolated=runner.network_isolated,
                      rss_bytes=runner.rss_bytes())


def _clock_skew(feed: Feed) -> float | None:
    """The feed's measured clock skew against its venue (the ``ReportsMissed`` capability), if any."""
    if not isinstance(feed, ReportsMissed):
        return None
    skew = feed.clock_skew_seconds
    return float(skew) if isinstance(skew, int | float) and math.isfinite(skew) else None
