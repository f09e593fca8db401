"""The engine's state and its narrow API: what other rooms may read, and how they steer it.

:class:`EngineState` holds every field of the engine privately; the swap, the control watcher
and the host call its methods (``activate``, ``apply_desired``, ``record_swap_outcome``, ...)
instead of writing attributes, and :meth:`EngineState.report` is the observed state written to
status.json (built by :mod:`liveswap.engine.status_report`). The trading algorithm itself is
:class:`liveswap.engine.loop.Engine`; snapshots and heartbeats are kept by
:mod:`liveswap.engine.snapshotting` and :mod:`liveswap.engine.heartbeat`.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

from loguru import logger

from liveswap.brokers import Broker
from liveswap.clock import Clock
from liveswap.engine.active import ActiveStrategy
from liveswap.engine.books import Books
from liveswap.engine.canary import Canary
from liveswap.engine.desired import Desired
from liveswap.engine.guards import MoneyGuards
from liveswap.engine.heartbeat import Heartbeat
from liveswap.engine.ledger import Ledger
from liveswap.engine.recovery import Recovery
from liveswap.engine.run_end import RunEnd
from liveswap.engine.snapshotting import SnapshotKeeper
from liveswap.engine.status_report import build_status
from liveswap.engine.steering import Steering
from liveswap.engine.swaps import SwapHistory
from liveswap.feeds import Feed
from liveswap.home import HomePaths, Snapshot, StatusDoc, SwapInfo
from liveswap.journal import Journal
from liveswap.markets import Market
from liveswap.settings import Settings


class MarketGate(Protocol):
    """What a fleet's lease table answers, synchronously and without the network."""

    def token_for(self, market: str, batch_end: int) -> int | None:
        """The fencing token if this host may decide ``market``'s candle closing at ``batch_end``
        and open positions on it now, else None."""
        ...


class EngineState:
    """The engine's state, private, and the narrow API other rooms steer it with:

    * :meth:`activate` flips the active version (the swap's commit, restarts, rollbacks);
    * :meth:`apply_desired` replaces the operator's desired state (the control watcher);
    * :meth:`pause_automatically` is the host's own pause, kept apart from the operator's;
    * :meth:`record_swap_outcome` journals a swap and makes it ``last_swap`` (the one place);
    * :meth:`steer` takes the host's declaration of the parts above (:mod:`liveswap.engine.steering`);
    * :meth:`report` is the observed state, the :class:`~liveswap.home.status.StatusDoc` written
      to status.json at every :meth:`heartbeat`.
    """

    def __init__(
        self,
        *,
        settings: Settings,
        feed: Feed,
        broker: Broker,
        journal: Journal,
        clock: Clock,
        active: ActiveStrategy,
        desired: Desired | None = None,
        last_swap: SwapInfo | None = None,
        gate: MarketGate | None = None,
    ) -> None:
        self._settings = settings
        self._feed = feed
        self._broker = broker
        self._journal = journal
        self._clock = clock
        self._active = active
        self._desired = desired or Desired(risk=settings.risk.model_copy())
        self._started_generation = self._desired.generation
        self._markets: dict[str, Market] = {m: Market.parse(m) for m in feed.markets}
        self._paths = HomePaths(settings.state_dir)
        self._end = RunEnd()  # stop, wake, and why the run ended
        self._guards = MoneyGuards(journal, settings)
        self._books = Books(journal=journal, broker=broker, guards=self._guards)  # the ledger, what is undelivered
        self._cursor: int | None = journal.last_batch_end()
        self._candles_processed = 0
        self._traded_live = False  # a batch of this run was fresh enough to trade (the warm-up is over)
        self._restarted = False  # the journal had batches at start: stale batches are a restart's catch-up
        self._lookback = 0  # seconds before the cursor the next feed read starts (a restart: candles held late)
        self._faults = 0
        self._swaps = SwapHistory(journal, last_swap)
        self._auto_pause: str | None = None
        self._gate = gate  # in a fleet: the lease table (only leased markets are decided and opened on)
        self._last_fault: str | None = None
        self._steering = Steering()
        self._snapshots = SnapshotKeeper(settings.state_dir, every=settings.snapshot_seconds)
        self._heartbeat = Heartbeat(settings.state_dir, self._paths.clock)
        self._recovery = Recovery(journal=journal, feed=feed, snapshots=self._snapshots, markets=self._markets,
                                  state_dir=settings.state_dir, warmup_seconds=settings.warmup_seconds)
        self._started_at = time.time()
        self._running = False
        # clock seconds after a close beyond which an intent is not traded: the setting, but never
        # less than a quarter of a real second (at --speed 3000 a real 10 ms is 30 clock seconds)
        self._stale_after = max(settings.stale_after_seconds, 0.25 * clock.speed)

    # ---- what others may read -----------------------------------------------------------------

    @property
    def active(self) -> ActiveStrategy:
        return self._active

    @property
    def desired(self) -> Desired:
        """The operator's desired state in force (a copy: change it with :meth:`apply_desired`)."""
        return replace(self._desired, paused_markets=set(self._desired.paused_markets),
                       params=dict(self._desired.params))

    @property
    def paused(self) -> bool:
        """No new positions: the operator paused, or the host paused itself."""
        return self._desired.paused or self._auto_pause is not None

    @property
    def auto_pause_reason(self) -> str | None:
        return self._auto_pause

    @property
    def settings(self) -> Settings:
        return self._settings

    @property
    def journal(self) -> Journal:
        return self._journal

    @property
    def feed(self) -> Feed:
        return self._feed

    @property
    def broker(self) -> Broker:
        return self._broker

    @property
    def ledger(self) -> Ledger:
        return self._books.ledger

    @property
    def clock(self) -> Clock:
        return self._clock

    @property
    def markets(self) -> dict[str, Market]:
        return dict(self._markets)

    @property
    def state_dir(self) -> Path:
        return self._paths.state_dir

    @property
    def cursor(self) -> int | None:
        """The close time of the last batch decided."""
        return self._cursor

    @property
    def candles_processed(self) -> int:
        return self._candles_processed

    @property
    def faults(self) -> int:
        return self._faults

    @property
    def last_fault(self) -> str | None:
        return self._last_fault

    @property
    def status_errors(self) -> int:
        """Heartbeats whose status.json could not be built or written (each one logged)."""
        return self._heartbeat.errors

    @property
    def strategy_state(self) -> dict[str, Any] | None:
        """What the active version last exported (at a snapshot, swap or shutdown)."""
        return self._snapshots.strategy_state

    @property
    def last_swap(self) -> SwapInfo | None:
        return self._swaps.last

    @property
    def swap_pauses_ms(self) -> tuple[float, ...]:
        return self._swaps.pauses_ms

    @property
    def last_snapshot(self) -> Snapshot | None:
        return self._snapshots.last

    @property
    def running(self) -> bool:
        return self._running

    @property
    def trading_blocked(self) -> str | None:
        """Why no new position may open now (daily loss limit tripped, ledger != broker), or None."""
        return self._guards.blocked()

    # ---- how others steer it ------------------------------------------------------------------

    def steer(self, steering: Steering) -> None:
        """The parts above the engine (see :mod:`liveswap.engine.steering`), declared once by the
        host: the steps between batches, the fault handler, shutdown steps, where to pull the canary,
        probation and their status from."""
        self._steering = steering

    def activate(self, new: ActiveStrategy) -> ActiveStrategy:
        """Make ``new`` the version deciding from the next batch on; returns the one it replaces."""
        old, self._active = self._active, new
        return old

    def apply_desired(self, desired: Desired, *, reason: str = "") -> None:
        """The operator's new desired state (control.json). The host's automatic pause is kept."""
        self._desired = replace(desired, paused_markets=set(desired.paused_markets), params=dict(desired.params))
        if reason:
            logger.debug("desired state: {}", reason)

    def pause_automatically(self, reason: str) -> None:
        """The host stops opening positions on its own (e.g. a failing version with nothing to roll
        back to). Unrelated control changes keep it; a committed activation or rollback clears it."""
        self._auto_pause = reason

    def abandon_home(self, reason: str, *, cause: str = "the home changed under the host") -> None:
        """The home is no longer this host's (``state/`` removed, journal replaced, a full disk, ...):
        stop opening positions at once, finish the batch under way and stop, writing nothing more
        into ``state/`` but a last status."""
        if self._end.home_lost is not None:
            return
        logger.critical("{}: {}; no new positions, stopping", cause, reason)
        self._auto_pause = f"{cause}: {reason}"
        self._end.lose_home(reason, cause=cause)

    @property
    def exit_reason(self) -> str | None:
        """Why the host stopped when it did not stop on request."""
        return self._end.exit_reason

    @property
    def home_lost(self) -> str | None:
        """Why the host gave up its home, if it did (see :meth:`abandon_home`)."""
        return self._end.home_lost

    @property
    def canary(self) -> Canary | None:
        """A candidate trading some markets for real (pulled from the rollout), or None."""
        return self._steering.canary()

    def note_missed(self, *, market: str, candle_start: int, reason: str) -> None:
        """A candle whose data never arrived (past the feed's deadline): journaled once, in status."""
        self._guards.note_missed(market=market, candle_start=candle_start, reason=reason)

    def record_swap_outcome(self, *, kind: str, from_spec: str | None, to_spec: str, ok: bool, reason: str = "",
                            pause_ms: float | None = None, generation: int | None = None,
                            sha256: str = "", state: tuple[str, str] | None = None) -> SwapInfo:
        """Journal a swap (or its refusal) and make it ``last_swap``: the one place either is built.

        A committed activation or rollback ends the host's automatic pause: a version the
        operator chose is in place. ``state``: ``(mode, sentence)``, how the strategy's state crossed."""
        info = self._swaps.record(kind=kind, from_spec=from_spec, to_spec=to_spec, ok=ok, reason=reason,
                                  pause_ms=pause_ms, generation=generation, sha256=sha256, state=state,
                                  batch_end=self._cursor)
        if ok and kind in ("activate", "rollback", "promote") and self._auto_pause is not None:
            logger.info("{} {}: the automatic pause ends", kind, to_spec)
            self._auto_pause = None
        return info

    def stop(self) -> None:
        """Finish the current batch, then stop (:meth:`run` returns after a final snapshot)."""
        self._end.stop()

    def wake(self) -> None:
        """Run the between-batches steps now instead of at the next idle wake (from any thread):
        a swap prepared off the trading path commits without waiting out the idle sleep."""
        self._end.wake()

    @property
    def stopping(self) -> bool:
        return self._end.stopping

    def report(self) -> StatusDoc:
        """The observed state: what status.json holds."""
        parts = self._steering.status()
        if parts.observed_generation is None:
            parts = replace(parts, observed_generation=self._started_generation)
        return build_status(self, money=self._guards.report(), started_at=self._started_at, parts=parts,
                            last_snapshot_at=self._snapshots.last_written_at)
