"""The execution loop: closed candles → one batch per close time → strategy → risk → broker.

``Engine.process_batch`` is the whole algorithm for one batch and reads like it:

1. settle what the batch's candles resolve (journal first, then the ledger);
2. one round trip to the active strategy: deliver fills and settlements, decide every candle;
3. validate each intent, apply the host's risk limits, derive deterministic client order ids;
4. journal candles, decisions and orders in one durable transaction -- before anything is sent;
5. send the orders; journal every answer before the strategy hears of it (next batch).

Between batches the engine runs the steps the host declared (:mod:`.steering`: the home check,
swaps, registry rescans, the candidate, the control file): that is the only place the active
version or the desired state can change; then a
snapshot and a heartbeat when due. The steps live beside it: :mod:`.orders` (3, 5),
:mod:`.outcomes` (1, 5), :mod:`.books` (the ledger, what the strategy has not heard of yet, the money
guards' turns), :mod:`.recovery` (start-up, replays, warm-ups), :mod:`.snapshotting`, :mod:`.heartbeat`.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from itertools import groupby

from loguru import logger

from liveswap.api import Candle, Context, Intent
from liveswap.engine.active import ActiveStrategy
from liveswap.engine.canary import decide_split
from liveswap.engine.intents import Rejected, validate_batch
from liveswap.engine.ledger import to_fill, to_settlement
from liveswap.engine.orders import plan_orders, send_orders
from liveswap.engine.recovery import (
    replay_batches,
)
from liveswap.engine.state import EngineState
from liveswap.feeds import FeedError
from liveswap.journal import FillRow, OrderRow, SettlementRow
from liveswap.money import fl, usd
from liveswap.runners import Batch, Runner, StrategyFault

IDLE_WAKE_SECONDS = 0.2  # the idle loop runs between_batches at least this often (control.json latency)


@dataclass(slots=True)
class BatchReport:
    """What one batch did, for logs, tests and benchmarks."""

    batch_end: int
    candles: int
    orders: int
    filled: int
    rejected: list[str]
    fault: str | None
    stale: bool


class Engine(EngineState):
    """The trading loop of one host (its state and API: :class:`~liveswap.engine.state.EngineState`)."""

    # ---- start-up and recovery (the steps: liveswap.engine.recovery and .books) ----------------

    def recover(self, fresh_cursor: int) -> None:
        """Bring the engine to where the journal says it was (orders never answered asked of the broker:
        :meth:`.Books.open`), and the strategy to its snapshot and the batches since (:meth:`.Recovery.resume`)."""
        self._books.open(fallback_balance=self._settings.paper.starting_balance, clock=self._clock,
                         desired=self._desired)
        at = self._recovery.resume(self._active, params=dict(self._desired.params), ledger=self.ledger,
                                   fresh_cursor=fresh_cursor, context_for=self._context_factory)
        self._books.hold(at.fills, at.settlements)
        self._cursor, self._lookback, self._restarted = at.cursor, at.lookback, at.restarted

    def restore_strategy(self, target: ActiveStrategy) -> None:
        """Bring a freshly started runner to the engine's present: the last snapshot, then a
        replay of every journaled batch since (a restarted worker, a rollback after a crash)."""
        self._recovery.restore(target, until=self._cursor, context_for=self._context_factory)

    def replay_into(self, runner: Runner, since: int, until: int) -> None:
        """Feed ``runner`` every journaled batch in ``(since, until]`` with the fills and
        settlements delivered then; its outputs are discarded (those candles are decided)."""
        replay_batches(self._journal, runner, since, until, self._context_factory)

    def warm_up(self, market: str, until: int) -> int:
        """A market taken over in a fleet: the active version fed that market's last candles
        (:meth:`Recovery.warm_up <liveswap.engine.recovery.Recovery.warm_up>`); returns how many."""
        return self._recovery.warm_up(self._active, market=market, until=until, context_for=self._context_factory)

    # ---- one batch --------------------------------------------------------------------------

    def _context_factory(self, now: int) -> Callable[[str], Context]:
        params = dict(self._desired.params)
        balance = fl(self.ledger.balance)
        version = self._active.version

        def make(market: str) -> Context:
            return Context(now=now, balance=balance, open_positions=self.ledger.open_in(market), params=params,
                           version=version)

        return make

    def _decide(self, candles: list[Candle], batch_end: int, fills: list[FillRow],
                settlements: list[SettlementRow]) -> tuple[ActiveStrategy, list[tuple[list[Intent], list[Rejected]]],
                                                           str | None]:
        """One round trip to the active version, validated. On a strategy fault the fault handler
        (the swap manager) may put another runner in place; the same batch is then decided by it,
        so a candle is decided by exactly one version."""
        for attempt in range(2):
            active = self._active
            ctx = self._context_factory(batch_end)
            try:
                outputs = active.runner.run_batch(Batch(
                    candles=[(c, ctx(c.market)) for c in candles],
                    fills=[to_fill(f) for f in fills],
                    settlements=[to_settlement(s) for s in settlements],
                )).outputs
                validated, garbage = validate_batch(outputs, len(candles), self._markets, batch_end,
                                                    max_intents=self._settings.max_intents_per_batch)
                if garbage is None and self._steering.strict():
                    garbage = next((b for _, rej in validated for b in rej), None)
                if garbage is not None:
                    active.runner.close()  # a version at fault is never asked again
                    raise StrategyFault("garbage", f"malformed output: {garbage.reason}")
                return active, validated, None
            except StrategyFault as exc:
                fault = f"{exc.kind}: {exc.reason}"
                self._faults += 1
                self._last_fault = f"{active.spec}: {fault}"
                logger.error("strategy fault in {}: {}", active.spec, fault)
                on_fault = self._steering.on_fault
                if attempt == 0 and on_fault is not None and on_fault(exc):
                    continue
                return active, [([], []) for _ in candles], fault
        raise AssertionError("unreachable")

    def process_batch(self, batch_end: int, candles: list[Candle], now: float | None = None) -> BatchReport:
        now = float(batch_end) if now is None else now
        stale = now - batch_end > self._stale_after  # a late candle's batch is its own end: judged by it too
        self._books.settle(batch_end, candles)
        self._books.check(batch_end, self._desired)
        blocked = self._guards.blocked()
        gate = self._gate
        leases = None
        if gate is not None:  # in a fleet: only the markets this host holds a lease on are decided
            candles = [c for c in candles if gate.token_for(c.market, batch_end) is not None]
            leases = partial(gate.token_for, batch_end=batch_end)
            if not candles:
                self._cursor = batch_end
                return BatchReport(batch_end, 0, 0, 0, [], None, stale)

        fills, setts = self._books.undelivered
        canary = self._steering.canary()
        if canary is None:
            active, validated, fault = self._decide(candles, batch_end, fills, setts)
            deciders: list[tuple[ActiveStrategy, str | None]] = [(active, fault)] * len(candles)
        else:
            active, validated, deciders, fault = decide_split(
                canary, candles, batch_end, fills, setts, decide=self._decide,
                context=self._context_factory(batch_end), markets=self._markets,
                max_intents=self._settings.max_intents_per_batch)

        plan = plan_orders(candles=candles, validated=validated, deciders=deciders, active=active, canary=canary,
                           desired=self._desired, ledger=self.ledger, markets=self._markets, batch_end=batch_end,
                           stale_reason=f"candle closed {now - batch_end:.0f}s ago: too old to act on" if stale
                           else None, blocked=blocked, leases=leases)
        decisions, rejected_all = plan.decisions, plan.rejected
        orders = [o for o in plan.orders if not self._journal.order_exists(o.client_order_id)]
        self._journal.write_batch(batch_end, candles, decisions, orders,
                                 delivered_fills=[f.client_order_id for f in fills],
                                 delivered_settlements=[s.client_order_id for s in setts])
        self._books.delivered()
        for order in orders:
            if order.status == "new":
                self.ledger.order_opened(order)
        self._cursor = batch_end if self._cursor is None else max(self._cursor, batch_end)  # a late one: no step back
        self._candles_processed += len(candles)

        sent = send_orders(self._broker, self.ledger, orders, batch_end)
        rejected_all.extend(sent.rejected)
        self._journal.record_order_results(sent.unconfirmed)
        if sent.unconfirmed:  # an outcome not known: ask the broker at once, not at the next check
            self._guards.reconciler.soon()
        filled = self._books.apply(sent.answers)

        report = BatchReport(batch_end, len(candles), len(orders), filled, rejected_all, fault, stale)
        self._log(report, orders)
        return report

    def _log(self, report: BatchReport, orders: list[OrderRow]) -> None:
        stale = ""
        if not report.stale:
            self._traded_live = True
        else:  # a new home's history, or the candles a restart missed: fed to rebuild state
            stale = (" (late: decided too long after the close, not traded)" if self._traded_live
                     else " (catch-up after a restart: decided, not traded)" if self._restarted
                     else " (warming up: decided, not traded)")
        logger.info("{} | balance {:.2f}", _batch_line(report, orders, self._active.spec, stale), self.ledger.balance)

    # ---- the loop ---------------------------------------------------------------------------

    def next_close_after(self, ts: int) -> int:
        return min(ts - ts % m.seconds + m.seconds for m in self._markets.values())

    def catch_up(self, now: float) -> int:
        """Decide every batch that has closed by ``now``; returns the number of batches."""
        assert self._cursor is not None
        until = int(now)
        if until <= self._cursor:
            return 0
        try:
            candles = self._feed.closed_candles(self._cursor - self._lookback, until)
        except FeedError as exc:
            logger.error("feed {}: {}", self._feed.name, exc)
            return 0
        finally:
            self._guards.record_missed_from(self._feed)
        self._lookback = 0
        # a late candle (a venue feed held its market alone while the others were decided): decided on its own
        # batch, once -- never a second time, and never after it was recorded missed
        late = [c for c in candles if c.end <= self._cursor and not self._journal.candle_handled(c.market, c.start)]
        n = 0
        for end, group in groupby(late + [c for c in candles if c.end > self._cursor], key=lambda c: c.end):
            if self._end.stopping:
                break
            self.process_batch(end, list(group), now=self._clock.now())
            n += 1
            self.between_batches()
        return n

    def between_batches(self) -> None:
        """What happens between two batches and at every idle wake: the steps the host declared
        (:attr:`Steering.between_batches`), then a snapshot and a heartbeat when they are due."""
        for callback in self._steering.between_batches:
            if self._end.home_lost is not None:
                return  # nothing more touches a home that is not this host's
            try:
                callback(self)
            except Exception as exc:  # noqa: BLE001 - a steering failure never stops trading
                logger.exception("between-batches step {} failed: {}", getattr(callback, "__name__", callback), exc)
        if self._end.home_lost is not None:
            return
        if self._cursor is not None:
            self._books.reconcile_if_due(self._clock)
        if self._snapshots.due:
            self.take_snapshot()
        if self._heartbeat.due:
            self.heartbeat()

    def run(self) -> None:
        """Trade until :meth:`stop`; then a final snapshot and a final status."""
        self._running = True
        self.heartbeat()
        try:
            while not self._end.stopping:
                self.catch_up(self._clock.now())
                self.between_batches()
                if self._end.stopping:
                    break
                assert self._cursor is not None
                target = self.next_close_after(max(self._cursor, int(self._clock.now())))
                self._clock.wait_until(target + 0.001, self._end.wake_event,
                                      max_real=min(IDLE_WAKE_SECONDS, self._settings.heartbeat_seconds))
                self._end.wake_event.clear()  # a wake from here on is seen by the next wait
                last_end = self._feed.last_end
                if last_end is not None and self._cursor >= last_end:
                    logger.info("replay finished at {}", last_end)
                    break
        except sqlite3.Error as exc:  # no durable record (a full disk, an I/O error): never trade on without one
            self.abandon_home(" ".join(str(exc).split())[:200], cause="the journal cannot be written")
        except Exception as exc:
            self._end.crashed(" ".join(f"crashed: {type(exc).__name__}: {exc}".split())[:300])
            raise
        finally:
            self.shutdown()

    def shutdown(self) -> None:
        if not self._running:
            return
        self._running = False
        if self._end.home_lost is not None:  # nothing more goes into a state/ that is not this host's
            self._heartbeat.last(self.report)
            return
        try:
            self.take_snapshot(wait=True)
        except StrategyFault as exc:
            logger.error("final snapshot: strategy could not export its state: {}", exc)
        for callback in self._steering.on_shutdown:
            try:
                callback()
            except Exception:  # noqa: BLE001 - shutdown goes on whatever a callback does
                logger.exception("shutdown callback {} failed", getattr(callback, "__qualname__", callback))
        self.heartbeat()
        logger.info("stopped: balance {:.2f}, realized PnL {:+.2f}, {} candles this run",
                    self.ledger.balance, self.ledger.realized_pnl, self._candles_processed)

    def take_snapshot(self, *, wait: bool = False) -> None:
        """Export the active version's state at the cursor and write it (``wait``: until on disk)."""
        self._snapshots.take(self._active, self._cursor, every=self._settings.snapshot_seconds, wait=wait)

    def flush_snapshot(self) -> None:
        """Wait until a snapshot being written on the background thread is on disk."""
        self._snapshots.flush()

    def heartbeat(self) -> None:
        """Write status.json now (and the simulated clock's position). Never raises: a status that
        cannot be built or written is a logged event (``status_errors``), and trading goes on."""
        self._heartbeat.beat(self.report, self._clock, every=self._settings.heartbeat_seconds)


def _batch_line(report: BatchReport, orders: list[OrderRow], spec: str, stale: str) -> str:
    """The log line of a batch: its close, what was bet, refused and faulted (``stale``: why not traded)."""
    bets = ", ".join(f"{o.market} {o.side} ${usd(o.stake)}@{usd(o.price)}" for o in orders) or "no bets"
    extra = f"; refused {len(report.rejected)}: {'; '.join(report.rejected[:3])}" if report.rejected else ""
    fault = f"; FAULT {report.fault}" if report.fault else ""
    hhmm = time.strftime("%Y-%m-%d %H:%M", time.gmtime(report.batch_end))
    return f"batch {hhmm} [{report.candles} candles] {spec}: {bets}{stale}{extra}{fault}"
