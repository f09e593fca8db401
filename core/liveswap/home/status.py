"""``state/status.json``: the observed state, as a strict pydantic model (:class:`StatusDoc`).

The host rewrites the file atomically at every heartbeat (:func:`write_status`); the CLI reads
it (:func:`read_status`), never the engine's objects. The model is as strict as control.json's:
JSON types, no coercion, no unknown key; a field added to the file is added here first.

The operator's pause (``paused_by_operator``, from control.json) and the host's automatic pause
(``paused_reason``, e.g. "nothing to roll back to") are separate fields; ``paused`` is true if
either holds.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from liveswap.fsutil import atomic_write_json, read_json
from liveswap.home.paths import HomePaths

STALE_HEARTBEATS = 3
"""A heartbeat older than this many intervals means the host is not running."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, populate_by_name=True)


class ActiveInfo(_Strict):
    name: str
    version: str
    wheel_sha256: str = ""
    since: float


class SwapInfo(_Strict):
    """The last activation, rollback, restart or refusal. ``generation`` is the control generation
    that asked for it (None for the host's own restarts and automatic rollbacks); ``state`` how the
    strategy's state crossed."""

    kind: str
    from_: str | None = Field(alias="from")
    to: str
    ok: bool
    reason: str = ""
    pause_ms: float | None
    generation: int | None
    at: float
    state: str = ""
    """How the strategy's state crossed (issue 28): carried directly, converted down, the target's
    own last state plus a replay, or a warm-up without state; empty for a refusal."""


class Tally(_Strict):
    bets: int = 0
    wins: int = 0
    pnl: float = 0.0
    win_rate: float | None = None


class PositionInfo(_Strict):
    order_id: str
    market: str
    side: Literal["up", "down"]
    stake: float
    cost: float = 0.0  # what the contracts cost (fee excluded): shares x price as filled
    price: float
    shares: float
    fee: float
    window_start: int
    window_end: int
    version: str


class OpenOrderInfo(_Strict):
    """An order whose outcome is not known yet (``new``, ``pending``, ``unknown``): exposure."""

    order_id: str
    market: str
    side: Literal["up", "down"]
    stake: float
    status: str
    reason: str = ""
    window_end: int
    version: str


class DailyLossInfo(_Strict):
    """The daily loss limit: the limit, the loss counted today, and whether it is tripped (a latch
    until the next UTC day or ``liveswap resume``)."""

    limit: float
    used: float
    tripped: bool
    tripped_at: float | None = None
    reason: str | None = None
    day: str | None = None


class ReconcileInfo(_Strict):
    """The ledger against the broker's balance and positions; ``halted``: no new positions."""

    ok: bool
    halted: bool
    reason: str | None = None
    error: str | None = None
    checked_at: float | None = None
    checks: int = 0
    interval_seconds: float
    ledger_balance: float | None = None
    broker_balance: float | None = None
    difference: float | None = None
    missing_at_broker: list[str] = Field(default_factory=list)
    unknown_to_ledger: list[str] = Field(default_factory=list)
    different_contracts: list[str] = Field(default_factory=list)


class MissedCandleInfo(_Strict):
    """A candle whose data never arrived, as journaled (``missed_candles``)."""

    market: str
    candle_start: int
    reason: str
    recorded_at: float


class Refusal(_Strict):
    generation: int
    reason: str
    partial: bool = False
    """True when only part of the generation was refused (the reason names it) and the rest applied."""


class ProbationInfo(_Strict):
    old: str
    batches_left: int


class RegistryInfo(_Strict):
    versions: int
    compatible: int
    scanned_at: float


class WorkerInfo(_Strict):
    sandboxed: bool
    pid: int | None = None
    alive: bool | None = None
    network_isolated: bool | None = None
    rss_bytes: int | None = None


class SandboxInfo(_Strict):
    """The isolation level in force and what could not be applied (``liveswap.sandbox.policy``)."""

    level: str
    in_force: list[str] = Field(default_factory=list)
    not_applied: list[str] = Field(default_factory=list)
    refused: str | None = None


class FleetInfo(_Strict):
    """The host's place in its fleet (contract section 4): the markets it holds a lease on, with
    the lease's revision (fencing token), and whether it reaches NATS now."""

    name: str
    host_id: str
    markets_owned: dict[str, int] = Field(default_factory=dict)
    connected: bool
    lease_seconds: float | None = None
    fence_margin_seconds: float | None = None
    error: str | None = None
    desired_generation: int | None = None


class StatusDoc(_Strict):
    """The whole of ``status.json``."""

    liveswap_version: str
    pid: int
    running: bool
    heartbeat_at: float
    heartbeat_seconds: float
    started_at: float
    observed_generation: int
    paused: bool
    paused_by_operator: bool = False
    paused_reason: str | None = None
    paused_markets: list[str] = Field(default_factory=list)
    params: dict[str, Any] = Field(default_factory=dict)
    risk: dict[str, float | int] = Field(default_factory=dict)
    risk_ceilings: dict[str, float | int] = Field(default_factory=dict)
    """The risk limits the host started with (its settings): at run time a limit may only be lowered below them."""
    active: ActiveInfo
    feed: str
    broker: str
    markets: list[str] = Field(default_factory=list)
    clock: float
    speed: float
    cursor: int | None = None
    balance: float
    starting_balance: float
    open_at_cost: float | None = None
    """What the open positions cost as filled: contracts x price + fees."""
    equity_at_cost: float | None = None
    """``balance`` + ``open_at_cost``: the money the host holds, its open positions at what they cost."""
    open_positions: list[PositionInfo] = Field(default_factory=list)
    open_orders: list[OpenOrderInfo] = Field(default_factory=list)
    trading_blocked: str | None = None
    daily_loss: DailyLossInfo | None = None
    reconcile: ReconcileInfo | None = None
    missed_candles: list[MissedCandleInfo] = Field(default_factory=list)
    realized_pnl: float
    fees_paid: float = 0.0
    win_rate: float | None = None
    by_market: dict[str, Tally] = Field(default_factory=dict)
    by_version: dict[str, Tally] = Field(default_factory=dict)
    candles_processed: int = 0
    strategy_faults: int = 0
    last_fault: str | None = None
    last_snapshot_at: float | None = None
    control_error: str | None = None
    control_refusal: Refusal | None = None
    control_refusals: list[Refusal] = Field(default_factory=list)
    last_swap: SwapInfo | None = None
    strategy_state: dict[str, Any] | None = None
    worker: WorkerInfo = Field(default_factory=lambda: WorkerInfo(sandboxed=False))
    stale_markets: dict[str, str] = Field(default_factory=dict)
    probation: ProbationInfo | None = None
    registry: RegistryInfo | None = None
    clock_skew_seconds: float | None = None
    """A live feed's clock against the venue's server time (local minus venue), where it measures it."""
    exit_reason: str | None = None
    """Why the host stopped, when it did not stop on request (a crash, a home pulled from under it)."""
    sandbox: SandboxInfo | None = None
    candidate: dict[str, Any] | None = None  # the rollout's candidate (liveswap.rollout.controller.status)
    fleet: FleetInfo | None = None

    # ---- reading ------------------------------------------------------------------------------

    def heartbeat_age(self, now: float | None = None) -> float:
        return (time.time() if now is None else now) - self.heartbeat_at

    def alive(self, now: float | None = None) -> bool:
        """Running, with a heartbeat younger than :data:`STALE_HEARTBEATS` intervals."""
        return self.running and self.heartbeat_age(now) <= STALE_HEARTBEATS * self.heartbeat_seconds

    def refusal_of(self, generation: int) -> str | None:
        """The host's reason for refusing ``generation``, if it did (:func:`liveswap.home.wait.refusal_of`)."""
        from liveswap.home.wait import refusal_of

        return refusal_of(self.to_json(), generation)

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


def write_status(state_dir: Path, status: StatusDoc) -> None:
    """Replace status.json atomically. Not fsync'd: a status lost to a power cut is rewritten one
    heartbeat later."""
    atomic_write_json(HomePaths(state_dir).status, status.to_json(), durable=False, make_parents=False)


def read_status(state_dir: Path) -> StatusDoc | None:
    """The last status a host wrote, or None (no file, half a file, or one this model refuses)."""
    try:
        raw = read_json(HomePaths(state_dir).status)
        return StatusDoc.model_validate(raw, strict=True)
    except (FileNotFoundError, ValueError, ValidationError):
        return None
