"""The execution loop: closed candles → one batch per close time → strategy → risk → broker.

``Engine.process_batch`` is the whole algorithm for one batch and reads like it:

1. settle what the batch's candles resolve (journal first, then the ledger);
2. one round trip to the active strategy: deliver fills and settlements, decide every candle;
3. validate each intent, apply the host's risk limits, derive deterministic client order ids;
4. journal candles, decisions and orders in one durable transaction -- before anything is sent;
5. send the orders; journal every answer before the strategy hears of it (next batch).

Between batches the engine runs its ``between_batches`` callbacks (control file, swaps, registry
rescans): that is the only place the active version or the desired state can change.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from itertools import groupby
from typing import Any

from loguru import logger

from liveswap.api.types import Candle, Context, Intent
from liveswap.brokers.base import BalanceSource, BrokerError, OrderRequest, OrderResult
from liveswap.engine.active import ActiveStrategy
from liveswap.engine.canary import decide_split
from liveswap.engine.intents import Rejected, validate_batch
from liveswap.engine.ledger import FEE_ALLOWANCE, Ledger, to_fill, to_settlement
from liveswap.engine.order_ids import client_order_id
from liveswap.engine.reconcile import ask_open_orders, request_of
from liveswap.engine.risk import check_intent
from liveswap.engine.state import EngineState
from liveswap.feeds.base import FeedError
from liveswap.home.identity import release_room
from liveswap.home.snapshots import Snapshot, read_snapshot
from liveswap.home.status import (
    write_status,
)
from liveswap.journal.store import DecisionRow, FillRow, OrderRow, SettlementRow
from liveswap.money import ONE, ZERO, dec, fl, usd
from liveswap.runners.base import Batch, Runner, StrategyFault

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

    # ---- start-up and recovery --------------------------------------------------------------

    def recover(self, fresh_cursor: int) -> None:
        """Bring the engine to where the journal says it was, and the strategy to its snapshot.

        Orders journaled but never answered are reconciled with the broker by client order id;
        the strategy imports its last snapshot and is fed every journaled batch since, in order
        (their decisions already exist, so nothing is re-decided or re-sent).
        """
        if not self._journal.has_deposit():
            self._journal.ensure_deposit(self._opening_balance(), int(self._clock.now()))
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
        snap = read_snapshot(self._paths.state_dir)
        replay_from: int | None = None
        if snap is not None and snap.name == self._active.name and snap.batch_end <= journal_end:
            if snap.state is not None:
                self._active.runner.import_state(snap.state, snap.version)
            replay_from = snap.batch_end
            self._last_snapshot = snap
        elif snap is None or snap.batch_end > journal_end:
            # none yet, or newer than the journal (a power cut took the last NORMAL batches): replay it all
            first = self._journal.first_batch_end()
            replay_from = int(first) - 1
        if replay_from is not None:
            self.replay_into(self._active.runner, replay_from, journal_end)
        fills, setts = self._journal.undelivered()
        self._pending_fills = [_fill_row(r) for r in fills]
        self._pending_settlements = [_settlement_row(r) for r in setts]
        self._cursor = journal_end
        logger.info("recovered: journal at {}, strategy {} replayed from {}, balance {:.2f}, {} open",
                    journal_end, self._active.spec, replay_from, self._ledger.balance, len(self._ledger.positions))

    def _opening_balance(self) -> Any:
        """A new journal starts from the broker's own balance where it has one (the venue's cash)."""
        if isinstance(self._broker, BalanceSource):
            try:
                return dec(self._broker.balance())
            except BrokerError as exc:
                logger.error("opening balance from {} unavailable ({}); using paper.starting_balance",
                             self._broker.name, exc)
        return self._settings.paper.starting_balance

    def _reconcile_unsent(self) -> None:
        """At start: every order whose answer was never journaled (``new``; ``unknown``: its submit
        failed; ``pending``) is looked up by client order id; one the broker never saw is ``stale``."""
        rows = [r for status in ("new", "unknown", "pending") for r in self._journal.orders_with_status(status)]
        for row in rows:
            coid = row["client_order_id"]
            try:
                known = self._broker.lookup(coid)
            except BrokerError as exc:
                logger.error("cannot reconcile order {} with the broker: {}", coid, exc)
                continue
            if known is None and row["status"] == "pending":
                continue
            if known is None:
                self._journal.record_order_results([(coid, "stale", "not sent before the host stopped", "", None)])
                logger.warning("order {} was journaled but never sent; recorded as stale", coid)
            else:
                self._ledger.strategies[coid] = row["strategy"]
                self._apply_results([(row_to_request(row), known, row["version"])])
        self._ledger = Ledger.from_journal(self._journal)

    def _money_checks(self, now: int) -> None:
        """Before a batch's risk checks: the broker asked about open orders (``pending``, or
        ``unknown`` after a failed submit), then the money guards (reconciliation, daily loss)."""
        answers, never_seen = ask_open_orders(self._broker, self._ledger, now)
        self._apply_results(answers)
        if never_seen:
            self._journal.record_order_results([(c, "stale", "the broker never received it", "", None)
                                                for c in never_seen])
            for coid in never_seen:
                self._ledger.order_closed(coid)
        self._guards.check(broker=self._broker, ledger=self._ledger, risk=self._desired.risk, ts=now,
                           generation=self._desired.generation, resume_request=self._desired.resume_request)

    def restore_strategy(self, target: ActiveStrategy) -> None:
        """Bring a freshly started runner to the engine's present: the last snapshot, then a
        replay of every journaled batch since (a restarted worker, a rollback after a crash)."""
        snap = self._last_snapshot or read_snapshot(self._paths.state_dir)
        since = None
        if snap is not None and snap.name == target.name and snap.state is not None:
            target.runner.import_state(snap.state, snap.version)
            since = snap.batch_end
        if since is None:
            first = self._journal.first_batch_end()
            since = int(first) - 1 if first is not None else None
        if since is not None and self._cursor is not None:
            self.replay_into(target.runner, since, self._cursor)

    def replay_into(self, runner: Runner, since: int, until: int) -> None:
        """Feed ``runner`` every journaled batch in ``(since, until]`` with the fills and
        settlements delivered then; its outputs are discarded (those candles are decided)."""
        candles = [Candle.from_dict(c) for c in self._journal.candles_between(since, until)]
        fills, setts = self._journal.delivered_between(since, until)
        fills_by: dict[int, list[Any]] = {}
        setts_by: dict[int, list[Any]] = {}
        for r in fills:
            fills_by.setdefault(r["delivered_batch"], []).append(r)
        for r in setts:
            setts_by.setdefault(r["delivered_batch"], []).append(r)
        for end, group in groupby(candles, key=lambda c: c.end):
            batch = list(group)
            ctx = self._context_factory(end)
            runner.run_batch(Batch(
                candles=[(c, ctx(c.market)) for c in batch],
                fills=[to_fill(_fill_row(r)) for r in fills_by.get(end, [])],
                settlements=[to_settlement(_settlement_row(r)) for r in setts_by.get(end, [])],
            ))

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
                if garbage is None and self._probation is not None:
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
                if attempt == 0 and self._fault_handler is not None and self._fault_handler(exc):
                    continue
                return active, [([], []) for _ in candles], fault
        raise AssertionError("unreachable")

    def process_batch(self, batch_end: int, candles: list[Candle], now: float | None = None) -> BatchReport:
        now = float(batch_end) if now is None else now
        stale = now - batch_end > self._stale_after
        self._settle(batch_end, candles)
        self._money_checks(batch_end)
        blocked = self._guards.blocked()

        fills, setts = self._pending_fills, self._pending_settlements
        canary = self._canary
        if canary is None:
            active, validated, fault = self._decide(candles, batch_end, fills, setts)
            deciders: list[tuple[ActiveStrategy, str | None]] = [(active, fault)] * len(candles)
        else:
            active, validated, deciders, fault = decide_split(
                canary, candles, batch_end, fills, setts, decide=self._decide,
                context=self._context_factory(batch_end), markets=self._markets,
                max_intents=self._settings.max_intents_per_batch)

        prices = {c.market: c.up_price for c in candles}
        decisions: list[DecisionRow] = []
        orders: list[OrderRow] = []
        rejected_all: list[str] = []
        pending_stake, pending_count = ZERO, 0
        for candle, (intents, rejected), (decider, decider_fault) in zip(candles, validated, deciders, strict=True):
            rejected_rows = [{"intent": r.raw, "reason": r.reason} for r in rejected]
            for index, intent in enumerate(intents):
                if canary is not None and (intent.market in canary.markets) != (decider is canary.strategy):
                    owner = canary.strategy if intent.market in canary.markets else active
                    rejected_rows.append({"intent": f"{intent.market} {intent.side} {intent.stake:g}",
                                          "reason": f"{intent.market} is traded by {owner.spec}"})
                    continue
                up = prices.get(intent.market)
                price = None if up is None else (dec(up) if intent.side == "up" else ONE - dec(up))
                reason = check_intent(
                    intent, limits=self._desired.risk, ledger=self._ledger, pending_stake=pending_stake,
                    pending_count=pending_count, ts=batch_end, paused=self._desired.paused,
                    paused_markets=self._desired.paused_markets, price=price, blocked=blocked,
                )
                if reason is not None:
                    label = f"{intent.market} {intent.side} {intent.stake:g}"
                    rejected_rows.append({"intent": label, "reason": reason})
                    continue
                assert price is not None
                market = self._markets[intent.market]
                orders.append(OrderRow(
                    client_order_id=client_order_id(decider.name, decider.version, candle.market, candle.start,
                                                    index),
                    market=intent.market, candle_market=candle.market, candle_start=candle.start,
                    intent_index=index, side=intent.side, stake=intent.stake, max_price=intent.max_price,
                    price=price, window_start=batch_end, window_end=batch_end + market.seconds,
                    strategy=decider.name, version=decider.version, tag=intent.tag,
                    status="stale" if stale else "new",
                    reason=f"candle closed {now - batch_end:.0f}s ago: too old to act on" if stale else "",
                ))
                pending_stake += dec(intent.stake) * FEE_ALLOWANCE
                pending_count += 1
            rejected_all.extend(f"{r['intent']}: {r['reason']}" for r in rejected_rows)
            decisions.append(DecisionRow(candle.market, candle.start, decider.name, decider.version,
                                         [i.to_dict() for i in intents], rejected_rows, decider_fault))

        orders = [o for o in orders if not self._journal.order_exists(o.client_order_id)]
        self._journal.write_batch(batch_end, candles, decisions, orders,
                                 delivered_fills=[f.client_order_id for f in fills],
                                 delivered_settlements=[s.client_order_id for s in setts])
        self._pending_fills, self._pending_settlements = [], []
        for order in orders:
            if order.status == "new":
                self._ledger.order_opened(order)
        self._cursor = batch_end
        self._candles_processed += len(candles)

        answers: list[tuple[OrderRequest, OrderResult, str]] = []
        unconfirmed: list[tuple[str, str, str, str, None]] = []
        for order in orders:
            request = request_of(order, batch_end)
            try:
                if order.status == "new":
                    result: OrderResult | None = self._broker.submit(request)
                else:  # stale: never sent now, but a batch lost to a power cut may have been sent before
                    result = self._broker.lookup(request.client_order_id)
            except BrokerError as exc:
                logger.error("order {} not confirmed by {}: {} (asked again every batch; counts as exposure)",
                             request.client_order_id, self._broker.name, exc)
                if order.status == "new":
                    unconfirmed.append((order.client_order_id, "unknown", f"submit failed: {exc}", "", None))
                    self._ledger.order_opened(replace(order, status="unknown"))
                continue
            if result is not None:
                answers.append((request, result, order.version))
                self._ledger.strategies[order.client_order_id] = order.strategy
                if result.status == "rejected":
                    rejected_all.append(f"{order.market} {order.side}: broker: {result.reason}")
        self._journal.record_order_results(unconfirmed)
        filled = self._apply_results(answers)

        report = BatchReport(batch_end, len(candles), len(orders), filled, rejected_all, fault, stale)
        self._log(report, orders)
        return report

    def _apply_results(self, answers: list[tuple[OrderRequest, OrderResult, str]]) -> int:
        """Journal broker answers (one FULL commit), then update the ledger; returns fills."""
        rows: list[tuple[str, str, str, str, FillRow | None]] = []
        fills: list[FillRow] = []
        for request, result, version in answers:
            fill = None
            if result.status == "filled":
                fill = FillRow(request.client_order_id, result.ts or request.ts, request.market, request.side,
                               request.stake, result.price, result.shares, result.fee, request.window_start,
                               request.window_end, version, cost=result.cost)
                fills.append(fill)
            rows.append((request.client_order_id, result.status, result.reason, result.venue_order_id, fill))
        self._journal.record_order_results(rows)
        for request, result, _ in answers:  # pending: still exposure; refused: no longer
            open_order = self._ledger.open_orders.get(request.client_order_id)
            if result.status == "pending" and open_order is not None:
                self._ledger.order_opened(replace(open_order, status="pending", reason=result.reason))
            elif result.status == "rejected":
                self._ledger.order_closed(request.client_order_id)
        for fill in fills:
            self._ledger.apply_fill(fill)
            self._pending_fills.append(fill)
        return len(fills)

    def _settle(self, now: int, candles: list[Candle]) -> None:
        if not self._ledger.positions:
            return
        due = [p.client_order_id for p in self._ledger.positions.values() if p.window_end <= now]
        if not due:
            return
        try:
            reports = self._broker.settlements(now, candles, due)
        except BrokerError as exc:
            logger.error("settlements unavailable from {}: {}", self._broker.name, exc)
            return
        rows = [r for r in (self._ledger.settlement_for(x.client_order_id, x.won, x.payout, x.ts) for x in reports)
                if r is not None]
        for row in self._journal.record_settlements(rows):
            self._ledger.apply_settlement(row)
            self._pending_settlements.append(row)

    def _log(self, report: BatchReport, orders: list[OrderRow]) -> None:
        bets = ", ".join(f"{o.market} {o.side} ${usd(o.stake)}@{usd(o.price)}" for o in orders) or "no bets"
        extra = f"; refused {len(report.rejected)}: {'; '.join(report.rejected[:3])}" if report.rejected else ""
        fault = f"; FAULT {report.fault}" if report.fault else ""
        if not report.stale:
            self._traded_live = True
        stale = ""
        if report.stale:  # a new home's history, or the candles a restart missed: fed to rebuild state
            stale = (" (late: decided too long after the close, not traded)" if self._traded_live
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
            candles = self._feed.closed_candles(self._cursor, until)
        except FeedError as exc:
            logger.error("feed {}: {}", self._feed.name, exc)
            return 0
        finally:
            self._guards.record_missed_from(self._feed)
        n = 0
        for end, group in groupby(candles, key=lambda c: c.end):
            if self._stop.is_set():
                break
            self.process_batch(end, list(group), now=self._clock.now())
            n += 1
            self.between_batches()
        return n

    def between_batches(self) -> None:
        """What happens between two batches and at every idle wake: the steering callbacks (control
        file, swaps, registry rescans), then a snapshot and a heartbeat when they are due."""
        for callback in self._callbacks:
            if self._home_lost is not None:
                return  # nothing more touches a home that is not this host's
            try:
                callback(self)
            except Exception as exc:  # noqa: BLE001 - a steering failure never stops trading
                logger.exception("between-batches step {} failed: {}", getattr(callback, "__name__", callback), exc)
        if self._home_lost is not None:
            return
        if time.monotonic() >= self._next_snapshot:
            self.take_snapshot()
        if time.monotonic() >= self._next_heartbeat:
            self.heartbeat()

    def run(self) -> None:
        """Trade until :meth:`stop`; then a final snapshot and a final status."""
        self._running = True
        self.heartbeat()
        try:
            while not self._stop.is_set():
                self.catch_up(self._clock.now())
                self.between_batches()
                if self._stop.is_set():
                    break
                assert self._cursor is not None
                target = self.next_close_after(max(self._cursor, int(self._clock.now())))
                self._clock.wait_until(target + 0.001, self._wake,
                                      max_real=min(IDLE_WAKE_SECONDS, self._settings.heartbeat_seconds))
                self._wake.clear()  # a wake from here on is seen by the next wait
                last_end = self._feed.last_end
                if last_end is not None and self._cursor >= last_end:
                    logger.info("replay finished at {}", last_end)
                    break
        except sqlite3.Error as exc:  # no durable record (a full disk, an I/O error): never trade on without one
            self.abandon_home(" ".join(str(exc).split())[:200], cause="the journal cannot be written")
        except Exception as exc:
            self._exit_reason = " ".join(f"crashed: {type(exc).__name__}: {exc}".split())[:300]
            raise
        finally:
            self.shutdown()

    def shutdown(self) -> None:
        if not self._running:
            return
        self._running = False
        if self._home_lost is not None:
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
        for callback in self._on_shutdown:
            try:
                callback()
            except Exception:  # noqa: BLE001 - shutdown goes on whatever a callback does
                logger.exception("shutdown callback {} failed", getattr(callback, "__qualname__", callback))
        self.heartbeat()
        logger.info("stopped: balance {:.2f}, realized PnL {:+.2f}, {} candles this run",
                    self._ledger.balance, self._ledger.realized_pnl, self._candles_processed)

    def take_snapshot(self, *, wait: bool = False) -> None:
        self._next_snapshot = time.monotonic() + self._settings.snapshot_seconds
        if self._cursor is None:
            return
        try:
            state = self._active.runner.export_state()
        except StrategyFault as exc:
            logger.error("snapshot skipped: {} could not export its state: {}", self._active.spec, exc)
            return
        self._strategy_state = state
        self._last_snapshot = Snapshot(self._cursor, self._active.name, self._active.version, state, time.time())
        try:
            self._snapshots.write(self._last_snapshot, wait=wait)
        except Exception as exc:  # noqa: BLE001 - a snapshot write never stops trading
            logger.error("snapshot not written: {}: {}", type(exc).__name__, exc)

    def flush_snapshot(self) -> None:
        """Wait until a snapshot being written on the background thread is on disk."""
        self._snapshots.flush()

    def heartbeat(self) -> None:
        """Write status.json now (and the simulated clock's position). Never raises: a status that
        cannot be built or written is a logged event (``status_errors``), and trading goes on."""
        self._next_heartbeat = time.monotonic() + self._settings.heartbeat_seconds
        try:
            write_status(self._paths.state_dir, self.report())
        except Exception as exc:  # noqa: BLE001 - a status write never stops trading
            self._status_errors += 1
            logger.opt(exception=exc).error("status.json not written ({} so far): {}: {}", self._status_errors,
                                            type(exc).__name__, str(exc)[:300])
        try:
            self._clock.save(self._paths.clock)
        except Exception as exc:  # noqa: BLE001
            logger.error("clock position not saved: {}: {}", type(exc).__name__, exc)


def _hhmm(ts: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.gmtime(ts))


def row_to_request(row: Any) -> OrderRequest:
    return request_of(OrderRow.from_db(row), row["batch_end"])


def _fill_row(r: Any) -> FillRow:
    return FillRow.from_db(r)


def _settlement_row(r: Any) -> SettlementRow:
    return SettlementRow.from_db(r)

