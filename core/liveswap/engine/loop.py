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
:mod:`.outcomes` (1, 5), :mod:`.recovery` (start-up, replays), :mod:`.snapshotting`, :mod:`.heartbeat`.
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
from liveswap.brokers import OrderRequest, OrderResult
from liveswap.engine.active import ActiveStrategy
from liveswap.engine.canary import decide_split
from liveswap.engine.intents import Rejected, validate_batch
from liveswap.engine.ledger import Ledger, to_fill, to_settlement
from liveswap.engine.orders import plan_orders, send_orders
from liveswap.engine.outcomes import close_never_seen, journal_answers, settle_due
from liveswap.engine.reconcile import ask_open_orders
from liveswap.engine.recovery import (
    opening_balance,
    reconcile_unsent,
    replay_batches,
    replay_start,
    restore_point,
    undelivered,
)
from liveswap.engine.state import EngineState
from liveswap.feeds import FeedError
from liveswap.home import read_snapshot, release_room, write_status
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

    # ---- start-up and recovery (the helpers: liveswap.engine.recovery) ----------------------

    def recover(self, fresh_cursor: int) -> None:
        """Bring the engine to where the journal says it was, and the strategy to its snapshot.

        Orders journaled but never answered are reconciled with the broker by client order id;
        the strategy imports its last snapshot and is fed every journaled batch since, in order
        (their decisions already exist, so nothing is re-decided or re-sent).
        """
        if not self._journal.has_deposit():
            self._journal.ensure_deposit(opening_balance(self._broker, self._settings.paper.starting_balance),
                                         int(self._clock.now()))
        self._ledger = Ledger.from_journal(self._journal)
        self._reconcile_unsent()
        self._guards.daily_loss.update(self._ledger, limit=self._desired.risk.daily_loss_limit,
                                       ts=int(self._clock.now()), generation=self._desired.generation,
                                       resume_request=None)  # a trip earlier today holds from the start
        self._active.runner.setup(dict(self._desired.params))
        journal_end = self._journal.last_batch_end()
        if journal_end is None:
            self._cursor = fresh_cursor
            return
        start = replay_start(read_snapshot(self._paths.state_dir), self._active.name, self._journal, journal_end)
        if start.snapshot is not None:
            if start.snapshot.state is not None:
                self._active.runner.import_state(start.snapshot.state, start.snapshot.version)
            self._snapshots.adopt(start.snapshot)
        if start.since is not None:
            self.replay_into(self._active.runner, start.since, journal_end)
        self._pending_fills, self._pending_settlements = undelivered(self._journal)
        self._cursor = journal_end
        self._restarted = True
        # a candle a venue feed was still holding (a market's late quote) when the host stopped ended at or before
        # the cursor: the first read after the restart looks back one candle of the longest market for it (never
        # before this home's first batch: what came before was history it never decided)
        first = self._journal.first_batch_end() or journal_end
        self._lookback = min(max(m.seconds for m in self._markets.values()), journal_end - first)
        logger.info("recovered: journal at {}, strategy {} replayed from {}, balance {:.2f}, {} open",
                    journal_end, self._active.spec, start.since, self._ledger.balance, len(self._ledger.positions))

    def _reconcile_unsent(self) -> None:
        """At start: orders whose answer was never journaled, asked of the broker (see
        :func:`~liveswap.engine.recovery.reconcile_unsent`); the ledger is then rebuilt."""
        reconcile_unsent(self._journal, self._broker, self._ledger, self._apply_results)
        self._ledger = Ledger.from_journal(self._journal)

    def _money_checks(self, now: int) -> None:
        """Before a batch's risk checks: the broker asked about open orders (``pending``, or
        ``unknown`` after a failed submit), then the money guards (reconciliation, daily loss)."""
        answers, never_seen = ask_open_orders(self._broker, self._ledger, now)
        self._apply_results(answers)
        close_never_seen(self._journal, self._ledger, never_seen)
        self._guards.check(broker=self._broker, ledger=self._ledger, risk=self._desired.risk, ts=now,
                           generation=self._desired.generation, resume_request=self._desired.resume_request)

    def _reconcile_if_due(self) -> None:
        """Reconciliation on its own clock (``reconcile_seconds``), between batches too: a discrepancy at the venue
        is in status within that time even while no batch closes; open orders are asked about first."""
        if self._cursor is None or not self._guards.reconciler.due():
            return
        now = int(self._clock.now())
        answers, never_seen = ask_open_orders(self._broker, self._ledger, now)
        self._apply_results(answers)
        close_never_seen(self._journal, self._ledger, never_seen)
        self._guards.reconciler.check(self._broker, self._ledger)

    def restore_strategy(self, target: ActiveStrategy) -> None:
        """Bring a freshly started runner to the engine's present: the last snapshot, then a
        replay of every journaled batch since (a restarted worker, a rollback after a crash)."""
        start = restore_point(self._snapshots.latest(), target.name, self._journal)
        if start.snapshot is not None and start.snapshot.state is not None:
            target.runner.import_state(start.snapshot.state, start.snapshot.version)
        if start.since is not None and self._cursor is not None:
            self.replay_into(target.runner, start.since, self._cursor)

    def replay_into(self, runner: Runner, since: int, until: int) -> None:
        """Feed ``runner`` every journaled batch in ``(since, until]`` with the fills and
        settlements delivered then; its outputs are discarded (those candles are decided)."""
        replay_batches(self._journal, runner, since, until, self._context_factory)

    # ---- one batch --------------------------------------------------------------------------

    def _context_factory(self, now: int) -> Callable[[str], Context]:
        params = dict(self._desired.params)
        balance = fl(self._ledger.balance)
        version = self._active.version

        def make(market: str) -> Context:
            return Context(now=now, balance=balance, open_positions=self._ledger.open_in(market), params=params,
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
        self._settle(batch_end, candles)
        self._money_checks(batch_end)
        blocked = self._guards.blocked()
        gate = self._gate
        leases = None
        if gate is not None:  # in a fleet: only the markets this host holds a lease on are decided
            candles = [c for c in candles if gate.token_for(c.market, batch_end) is not None]
            leases = partial(gate.token_for, batch_end=batch_end)
            if not candles:
                self._cursor = batch_end
                return BatchReport(batch_end, 0, 0, 0, [], None, stale)

        fills, setts = self._pending_fills, self._pending_settlements
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
                           desired=self._desired, ledger=self._ledger, markets=self._markets, batch_end=batch_end,
                           stale_reason=f"candle closed {now - batch_end:.0f}s ago: too old to act on" if stale
                           else None, blocked=blocked, leases=leases)
        decisions, rejected_all = plan.decisions, plan.rejected
        orders = [o for o in plan.orders if not self._journal.order_exists(o.client_order_id)]
        self._journal.write_batch(batch_end, candles, decisions, orders,
                                 delivered_fills=[f.client_order_id for f in fills],
                                 delivered_settlements=[s.client_order_id for s in setts])
        self._pending_fills, self._pending_settlements = [], []
        for order in orders:
            if order.status == "new":
                self._ledger.order_opened(order)
        self._cursor = batch_end if self._cursor is None else max(self._cursor, batch_end)  # a late one: no step back
        self._candles_processed += len(candles)

        sent = send_orders(self._broker, self._ledger, orders, batch_end)
        rejected_all.extend(sent.rejected)
        self._journal.record_order_results(sent.unconfirmed)
        if sent.unconfirmed:  # an outcome not known: ask the broker at once, not at the next check
            self._guards.reconciler.soon()
        filled = self._apply_results(sent.answers)

        report = BatchReport(batch_end, len(candles), len(orders), filled, rejected_all, fault, stale)
        self._log(report, orders)
        return report

    def warm_up(self, market: str, until: int) -> int:
        """A market taken over in a fleet: feed the active version that market's candles of the last
        ``warmup_seconds`` before ``until`` in one round trip, outputs discarded (those candles
        were another host's to decide). Returns the number of candles fed."""
        since = max(0, until - self._settings.warmup_seconds)
        try:
            candles = [c for c in self._feed.closed_candles(since, until) if c.market == market]
        except FeedError as exc:
            logger.warning("warm-up of {}: feed {}: {}", market, self._feed.name, exc)
            return 0
        if not candles:
            return 0
        try:
            self._active.runner.run_batch(Batch(
                candles=[(c, self._context_factory(c.end)(c.market)) for c in candles], fills=[], settlements=[]))
        except StrategyFault as exc:
            logger.warning("warm-up of {} on {}: {}: {}", market, self._active.spec, exc.kind, exc.reason)
            return 0
        return len(candles)

    def _apply_results(self, answers: list[tuple[OrderRequest, OrderResult, str]]) -> int:
        """Journal broker answers (one FULL commit), then update the ledger; returns fills."""
        fills = journal_answers(self._journal, self._ledger, answers)
        self._pending_fills.extend(fills)
        return len(fills)

    def _settle(self, now: int, candles: list[Candle]) -> None:
        self._pending_settlements.extend(settle_due(self._broker, self._journal, self._ledger, now, candles))

    def _log(self, report: BatchReport, orders: list[OrderRow]) -> None:
        bets = ", ".join(f"{o.market} {o.side} ${usd(o.stake)}@{usd(o.price)}" for o in orders) or "no bets"
        extra = f"; refused {len(report.rejected)}: {'; '.join(report.rejected[:3])}" if report.rejected else ""
        fault = f"; FAULT {report.fault}" if report.fault else ""
        if not report.stale:
            self._traded_live = True
        stale = ""
        if report.stale:  # a new home's history, or the candles a restart missed: fed to rebuild state
            stale = (" (late: decided too long after the close, not traded)" if self._traded_live
                     else " (catch-up after a restart: decided, not traded)" if self._restarted
                     else " (warming up: decided, not traded)")
        logger.info("batch {} [{} candles] {}: {}{}{}{} | balance {:.2f}", _hhmm(report.batch_end), report.candles,
                    self._active.spec, bets, stale, extra, fault, self._ledger.balance)

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
        self._reconcile_if_due()
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
        if self._end.home_lost is not None:
            # nothing more goes into a state/ that is not this host's: no snapshot, no clock; a last
            # status only where the folder still stands (it says why the host stopped)
            if self._paths.state_dir.is_dir():
                release_room(self._paths.state_dir)  # a full disk: the reserve makes room for this status
                try:
                    write_status(self._paths.state_dir, self.report())
                except OSError as exc:
                    logger.error("last status not written: {}", exc)
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
                    self._ledger.balance, self._ledger.realized_pnl, self._candles_processed)

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


def _hhmm(ts: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.gmtime(ts))
