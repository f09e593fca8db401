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

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from itertools import groupby
from typing import Any

from loguru import logger

from liveswap import __version__
from liveswap.api.types import Candle, Context, Fill, Intent, Settlement
from liveswap.brokers.base import BalanceSource, Broker, BrokerError, OrderRequest, OrderResult
from liveswap.clock import Clock
from liveswap.engine.active import ActiveStrategy
from liveswap.engine.daily_loss import DailyLossGuard
from liveswap.engine.desired import Desired
from liveswap.engine.intents import Rejected, validate_output
from liveswap.engine.ledger import FEE_ALLOWANCE, Ledger, order_dict, position_dict
from liveswap.engine.order_ids import client_order_id
from liveswap.engine.reconcile import Reconciler, ask_open_orders, request_of
from liveswap.engine.risk import check_intent
from liveswap.engine.snapshots import Snapshot, SnapshotWriter, read_snapshot
from liveswap.engine.status import write_status
from liveswap.feeds.base import Feed, FeedError
from liveswap.journal.store import DecisionRow, FillRow, Journal, OrderRow, SettlementRow
from liveswap.markets import Market
from liveswap.money import ONE, ZERO, dec, fl, usd
from liveswap.runners.base import Batch, Runner, StrategyFault
from liveswap.settings import Settings

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


class Engine:
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
    ) -> None:
        self.settings = settings
        self.feed = feed
        self.broker = broker
        self.journal = journal
        self.clock = clock
        self.active = active
        self.desired = desired or Desired(risk=settings.risk.model_copy())
        self.markets: dict[str, Market] = {m: Market.parse(m) for m in feed.markets}
        self.state_dir = settings.state_dir
        self.stop_event = threading.Event()
        self.ledger = Ledger.from_journal(journal)
        self.daily_loss = DailyLossGuard(journal)
        self.reconciler = Reconciler(journal, interval=settings.reconcile_seconds,
                                     tolerance=settings.reconcile_tolerance)
        self._missed_seen = {(r["market"], r["candle_start"]) for r in journal.missed_candles(10_000)}
        self.cursor: int | None = journal.last_batch_end()
        self.candles_processed = 0
        self.faults = 0
        self.last_swap: dict[str, Any] | None = None
        self.swap_pauses_ms: list[float] = []
        self.control_error: str | None = None
        self.last_fault: str | None = None
        self.strategy_state: dict[str, Any] | None = None
        self.last_snapshot: Snapshot | None = None
        self.extra_status: dict[str, Any] = {}
        self.between_batches: list[Callable[[Engine], None]] = []
        self.fault_handler: Callable[[StrategyFault], bool] | None = None
        self.strict_outputs = False  # probation: any malformed output is a fault of the version
        self.snapshots = SnapshotWriter(self.state_dir)
        self._pending_fills: list[FillRow] = []
        self._pending_settlements: list[SettlementRow] = []
        self._next_heartbeat = 0.0
        self._next_snapshot = time.monotonic() + settings.snapshot_seconds
        self.started_at = time.time()
        self.running = False
        # clock seconds after a close beyond which an intent is not traded: the setting, but never
        # less than a quarter of a real second (at --speed 3000 a real 10 ms is 30 clock seconds)
        self.stale_after = max(settings.stale_after_seconds, 0.25 * clock.speed)

    # ---- start-up and recovery --------------------------------------------------------------

    def recover(self, fresh_cursor: int) -> None:
        """Bring the engine to where the journal says it was, and the strategy to its snapshot.

        Orders journaled but never answered are reconciled with the broker by client order id;
        the strategy imports its last snapshot and is fed every journaled batch since, in order
        (their decisions already exist, so nothing is re-decided or re-sent).
        """
        if not self.journal.has_deposit():
            self.journal.ensure_deposit(self._opening_balance(), int(self.clock.now()))
        self.ledger = Ledger.from_journal(self.journal)
        self._reconcile_unsent()
        self.daily_loss.update(self.ledger, limit=self.desired.risk.daily_loss_limit, ts=int(self.clock.now()),
                               generation=self.desired.generation, resume_request=None)  # a trip today holds
        self.active.runner.setup(dict(self.desired.params))
        journal_end = self.journal.last_batch_end()
        if journal_end is None:
            self.cursor = fresh_cursor
            return
        snap = read_snapshot(self.state_dir)
        replay_from: int | None = None
        if snap is not None and snap.name == self.active.name and snap.batch_end <= journal_end:
            if snap.state is not None:
                self.active.runner.import_state(snap.state, snap.version)
            replay_from = snap.batch_end
            self.last_snapshot = snap
        elif snap is None or snap.batch_end > journal_end:
            # none yet, or newer than the journal (a power cut took the last NORMAL batches): replay it all
            first = self.journal.query("SELECT MIN(batch_end) FROM decisions")[0][0]
            replay_from = int(first) - 1
        if replay_from is not None:
            self.replay_into(self.active.runner, replay_from, journal_end)
        fills, setts = self.journal.undelivered()
        self._pending_fills = [_fill_row(r) for r in fills]
        self._pending_settlements = [_settlement_row(r) for r in setts]
        self.cursor = journal_end
        logger.info("recovered: journal at {}, strategy {} replayed from {}, balance {:.2f}, {} open",
                    journal_end, self.active.spec, replay_from, self.ledger.balance, len(self.ledger.positions))

    def _opening_balance(self) -> Any:
        """A new journal starts from the broker's own balance where it has one (the venue's cash)."""
        if isinstance(self.broker, BalanceSource):
            try:
                return dec(self.broker.balance())
            except BrokerError as exc:
                logger.error("opening balance from {} unavailable ({}); using paper.starting_balance",
                             self.broker.name, exc)
        return self.settings.paper.starting_balance

    def _reconcile_unsent(self) -> None:
        """At start: every order whose answer was never journaled (``new``; ``unknown``: its submit
        failed; ``pending``) is looked up by client order id; one the broker never saw is ``stale``."""
        rows = [r for status in ("new", "unknown", "pending") for r in self.journal.orders_with_status(status)]
        for row in rows:
            coid = row["client_order_id"]
            try:
                known = self.broker.lookup(coid)
            except BrokerError as exc:
                logger.error("cannot reconcile order {} with the broker: {}", coid, exc)
                continue
            if known is None and row["status"] == "pending":
                continue
            if known is None:
                self.journal.record_order_results([(coid, "stale", "not sent before the host stopped", "", None)])
                logger.warning("order {} was journaled but never sent; recorded as stale", coid)
            else:
                self._apply_results([(row_to_request(row), known, row["version"])])
        self.ledger = Ledger.from_journal(self.journal)

    def _money_checks(self, now: int) -> None:
        """Before a batch's risk checks: open orders asked about, the ledger compared with the
        broker (at the first batch, then every ``reconcile_seconds``), the daily loss latch."""
        answers, never_seen = ask_open_orders(self.broker, self.ledger, now)
        self._apply_results(answers)
        if never_seen:
            self.journal.record_order_results([(c, "stale", "the broker never received it", "", None)
                                               for c in never_seen])
            for coid in never_seen:
                self.ledger.order_closed(coid)
        if self.reconciler.due():
            self.reconciler.check(self.broker, self.ledger)
        self.daily_loss.update(self.ledger, limit=self.desired.risk.daily_loss_limit, ts=now,
                               generation=self.desired.generation, resume_request=self.desired.resume_request)

    def trading_blocked(self) -> str | None:
        """Why no new position may be opened whatever the intent (None: they may)."""
        return self.daily_loss.blocked() or self.reconciler.blocked()

    def note_missed(self, *, market: str, candle_start: int, reason: str) -> None:
        """A candle whose data never arrived: journaled once with the reason, shown in status."""
        if (market, candle_start) in self._missed_seen:
            return
        self._missed_seen.add((market, candle_start))
        if self.journal.record_missed(market=market, candle_start=candle_start, reason=reason):
            logger.error("candle {} {} missed: {}", market, _hhmm(candle_start), reason)

    def _record_missed(self) -> None:
        """Candles a feed gave up on (the ``missed()`` capability of venue feeds), journaled once."""
        missed = getattr(self.feed, "missed", None)
        if callable(missed):
            for m in missed():
                self.note_missed(market=m.market, candle_start=m.start, reason=m.reason)

    def restore_strategy(self, target: ActiveStrategy) -> None:
        """Bring a freshly started runner to the engine's present: the last snapshot, then a
        replay of every journaled batch since (a restarted worker, a rollback after a crash)."""
        snap = self.last_snapshot or read_snapshot(self.state_dir)
        since = None
        if snap is not None and snap.name == target.name and snap.state is not None:
            target.runner.import_state(snap.state, snap.version)
            since = snap.batch_end
        if since is None:
            first = self.journal.query("SELECT MIN(batch_end) FROM decisions")[0][0]
            since = int(first) - 1 if first is not None else None
        if since is not None and self.cursor is not None:
            self.replay_into(target.runner, since, self.cursor)

    def replay_into(self, runner: Runner, since: int, until: int) -> None:
        """Feed ``runner`` every journaled batch in ``(since, until]`` with the fills and
        settlements delivered then; its outputs are discarded (those candles are decided)."""
        candles = [Candle.from_dict(c) for c in self.journal.candles_between(since, until)]
        fills, setts = self.journal.delivered_between(since, until)
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
                fills=[_to_fill(_fill_row(r)) for r in fills_by.get(end, [])],
                settlements=[_to_settlement(_settlement_row(r)) for r in setts_by.get(end, [])],
            ))

    # ---- one batch --------------------------------------------------------------------------

    def _context_factory(self, now: int) -> Callable[[str], Context]:
        params = dict(self.desired.params)
        balance = fl(self.ledger.balance)
        version = self.active.version

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
            active = self.active
            ctx = self._context_factory(batch_end)
            try:
                outputs = active.runner.run_batch(Batch(
                    candles=[(c, ctx(c.market)) for c in candles],
                    fills=[_to_fill(f) for f in fills],
                    settlements=[_to_settlement(s) for s in settlements],
                )).outputs
                if len(outputs) != len(candles):
                    raise StrategyFault("garbage", f"{len(outputs)} outputs for {len(candles)} candles")
                validated = [validate_output(o, self.markets, batch_end) for o in outputs]
                if self.strict_outputs:
                    bad = next((b for _, rej in validated for b in rej), None)
                    if bad is not None:
                        raise StrategyFault("garbage", f"malformed output: {bad.reason}")
                return active, validated, None
            except StrategyFault as exc:
                fault = f"{exc.kind}: {exc.reason}"
                self.faults += 1
                self.last_fault = f"{active.spec}: {fault}"
                logger.error("strategy fault in {}: {}", active.spec, fault)
                if attempt == 0 and self.fault_handler is not None and self.fault_handler(exc):
                    continue
                return active, [([], []) for _ in candles], fault
        raise AssertionError("unreachable")

    def process_batch(self, batch_end: int, candles: list[Candle], now: float | None = None) -> BatchReport:
        now = float(batch_end) if now is None else now
        stale = now - batch_end > self.stale_after
        self._settle(batch_end, candles)
        self._money_checks(batch_end)
        blocked = self.trading_blocked()

        fills, setts = self._pending_fills, self._pending_settlements
        active, validated, fault = self._decide(candles, batch_end, fills, setts)

        prices = {c.market: c.up_price for c in candles}
        decisions: list[DecisionRow] = []
        orders: list[OrderRow] = []
        rejected_all: list[str] = []
        pending_stake, pending_count = ZERO, 0
        for candle, (intents, rejected) in zip(candles, validated, strict=True):
            rejected_rows = [{"intent": r.raw, "reason": r.reason} for r in rejected]
            for index, intent in enumerate(intents):
                up = prices.get(intent.market)
                price = None if up is None else (dec(up) if intent.side == "up" else ONE - dec(up))
                reason = check_intent(
                    intent, limits=self.desired.risk, ledger=self.ledger, pending_stake=pending_stake,
                    pending_count=pending_count, ts=batch_end, paused=self.desired.paused,
                    paused_markets=self.desired.paused_markets, price=price, blocked=blocked,
                )
                if reason is not None:
                    label = f"{intent.market} {intent.side} {intent.stake:g}"
                    rejected_rows.append({"intent": label, "reason": reason})
                    continue
                assert price is not None
                market = self.markets[intent.market]
                orders.append(OrderRow(
                    client_order_id=client_order_id(active.name, active.version, candle.market, candle.start, index),
                    market=intent.market, candle_market=candle.market, candle_start=candle.start,
                    intent_index=index, side=intent.side, stake=intent.stake, max_price=intent.max_price,
                    price=price, window_start=batch_end, window_end=batch_end + market.seconds,
                    strategy=active.name, version=active.version, tag=intent.tag,
                    status="stale" if stale else "new",
                    reason=f"candle closed {now - batch_end:.0f}s ago: too old to act on" if stale else "",
                ))
                pending_stake += dec(intent.stake) * FEE_ALLOWANCE
                pending_count += 1
            rejected_all.extend(f"{r['intent']}: {r['reason']}" for r in rejected_rows)
            decisions.append(DecisionRow(candle.market, candle.start, active.name, active.version,
                                         [i.to_dict() for i in intents], rejected_rows, fault))

        orders = [o for o in orders if not self.journal.order_exists(o.client_order_id)]
        self.journal.write_batch(batch_end, candles, decisions, orders,
                                 delivered_fills=[f.client_order_id for f in fills],
                                 delivered_settlements=[s.client_order_id for s in setts])
        self._pending_fills, self._pending_settlements = [], []
        for order in orders:
            if order.status == "new":
                self.ledger.order_opened(order)
        self.cursor = batch_end
        self.candles_processed += len(candles)

        answers: list[tuple[OrderRequest, OrderResult, str]] = []
        unconfirmed: list[tuple[str, str, str, str, None]] = []
        for order in orders:
            request = request_of(order, batch_end)
            try:
                if order.status == "new":
                    result: OrderResult | None = self.broker.submit(request)
                else:  # stale: never sent now, but a batch lost to a power cut may have been sent before
                    result = self.broker.lookup(request.client_order_id)
            except BrokerError as exc:
                logger.error("order {} not confirmed by {}: {} (asked again every batch; counts as exposure)",
                             request.client_order_id, self.broker.name, exc)
                if order.status == "new":
                    unconfirmed.append((order.client_order_id, "unknown", f"submit failed: {exc}", "", None))
                    self.ledger.order_opened(replace(order, status="unknown"))
                continue
            if result is not None:
                answers.append((request, result, order.version))
                if result.status == "rejected":
                    rejected_all.append(f"{order.market} {order.side}: broker: {result.reason}")
        self.journal.record_order_results(unconfirmed)
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
        self.journal.record_order_results(rows)
        for request, result, _ in answers:
            open_order = self.ledger.open_orders.get(request.client_order_id)
            if result.status == "pending" and open_order is not None:
                self.ledger.order_opened(replace(open_order, status="pending", reason=result.reason))
            elif result.status == "rejected":
                self.ledger.order_closed(request.client_order_id)
        for fill in fills:
            self.ledger.apply_fill(fill)
            self._pending_fills.append(fill)
        return len(fills)

    def _settle(self, now: int, candles: list[Candle]) -> None:
        if not self.ledger.positions:
            return
        due = [p.client_order_id for p in self.ledger.positions.values() if p.window_end <= now]
        if not due:
            return
        try:
            reports = self.broker.settlements(now, candles, due)
        except BrokerError as exc:
            logger.error("settlements unavailable from {}: {}", self.broker.name, exc)
            return
        rows = [r for r in (self.ledger.settlement_for(x.client_order_id, x.won, x.payout, x.ts) for x in reports)
                if r is not None]
        for row in self.journal.record_settlements(rows):
            self.ledger.apply_settlement(row)
            self._pending_settlements.append(row)

    def _log(self, report: BatchReport, orders: list[OrderRow]) -> None:
        bets = ", ".join(f"{o.market} {o.side} ${usd(o.stake)}@{usd(o.price)}" for o in orders) or "no bets"
        extra = f"; refused {len(report.rejected)}: {'; '.join(report.rejected[:3])}" if report.rejected else ""
        fault = f"; FAULT {report.fault}" if report.fault else ""
        stale = " (stale, not traded)" if report.stale else ""
        logger.info("batch {} [{} candles] {}: {}{}{}{} | balance {:.2f}", _hhmm(report.batch_end), report.candles,
                    self.active.spec, bets, stale, extra, fault, self.ledger.balance)

    # ---- the loop ---------------------------------------------------------------------------

    def next_close_after(self, ts: int) -> int:
        return min(ts - ts % m.seconds + m.seconds for m in self.markets.values())

    def catch_up(self, now: float) -> int:
        """Decide every batch that has closed by ``now``; returns the number of batches."""
        assert self.cursor is not None
        until = int(now)
        if until <= self.cursor:
            return 0
        try:
            candles = self.feed.closed_candles(self.cursor, until)
        except FeedError as exc:
            logger.error("feed {}: {}", self.feed.name, exc)
            return 0
        finally:
            self._record_missed()
        n = 0
        for end, group in groupby(candles, key=lambda c: c.end):
            if self.stop_event.is_set():
                break
            self.process_batch(end, list(group), now=self.clock.now())
            n += 1
            self._between_batches()
        return n

    def _between_batches(self) -> None:
        for callback in self.between_batches:
            try:
                callback(self)
            except Exception as exc:  # noqa: BLE001 - a steering failure never stops trading
                logger.exception("between-batches step {} failed: {}", getattr(callback, "__name__", callback), exc)
        if time.monotonic() >= self._next_snapshot:
            self.take_snapshot()
        if time.monotonic() >= self._next_heartbeat:
            self.heartbeat()

    def run(self) -> None:
        """Trade until :attr:`stop_event` is set; then a final snapshot and a final status."""
        self.running = True
        self.heartbeat()
        try:
            while not self.stop_event.is_set():
                self.catch_up(self.clock.now())
                self._between_batches()
                if self.stop_event.is_set():
                    break
                assert self.cursor is not None
                target = self.next_close_after(max(self.cursor, int(self.clock.now())))
                self.clock.wait_until(target + 0.001, self.stop_event,
                                      max_real=min(IDLE_WAKE_SECONDS, self.settings.heartbeat_seconds))
                last_end = getattr(self.feed, "last_end", None)
                if last_end is not None and self.cursor >= last_end:
                    logger.info("replay finished at {}", last_end)
                    break
        finally:
            self.shutdown()

    def shutdown(self) -> None:
        if not self.running:
            return
        self.running = False
        try:
            self.take_snapshot(wait=True)
        except StrategyFault as exc:
            logger.error("final snapshot: strategy could not export its state: {}", exc)
        self.heartbeat()
        logger.info("stopped: balance {:.2f}, realized PnL {:+.2f}, {} candles this run",
                    self.ledger.balance, self.ledger.realized_pnl, self.candles_processed)

    def take_snapshot(self, *, wait: bool = False) -> None:
        self._next_snapshot = time.monotonic() + self.settings.snapshot_seconds
        if self.cursor is None:
            return
        try:
            state = self.active.runner.export_state()
        except StrategyFault as exc:
            logger.error("snapshot skipped: {} could not export its state: {}", self.active.spec, exc)
            return
        self.strategy_state = state
        self.last_snapshot = Snapshot(self.cursor, self.active.name, self.active.version, state, time.time())
        self.snapshots.write(self.last_snapshot, wait=wait)

    def heartbeat(self) -> None:
        self._next_heartbeat = time.monotonic() + self.settings.heartbeat_seconds
        write_status(self.state_dir, self.status())
        save = getattr(self.clock, "save", None)
        if save is not None:
            save(self.state_dir / "clock.json")

    def status(self) -> dict[str, Any]:
        positions = [position_dict(p) for p in self.ledger.positions.values()]
        return {
            "liveswap_version": __version__,
            "pid": _pid(),
            "running": self.running,
            "heartbeat_at": time.time(),
            "heartbeat_seconds": self.settings.heartbeat_seconds,
            "started_at": self.started_at,
            "observed_generation": self.desired.generation,
            "paused": self.desired.paused,
            "paused_markets": sorted(self.desired.paused_markets),
            "params": self.desired.params,
            "risk": self.desired.risk.model_dump(),
            "active": self.active.describe(),
            "feed": self.feed.name,
            "broker": self.broker.name,
            "markets": list(self.markets),
            "clock": self.clock.now(),
            "speed": self.clock.speed,
            "cursor": self.cursor,
            "balance": fl(self.ledger.balance),
            "starting_balance": fl(self.ledger.deposits),
            "open_positions": positions,
            "open_orders": [order_dict(o) for o in self.ledger.open_orders.values()],
            "realized_pnl": fl(self.ledger.realized_pnl),
            "fees_paid": fl(self.ledger.fees),
            "trading_blocked": self.trading_blocked(),
            "daily_loss": self.daily_loss.status(),
            "reconcile": self.reconciler.status(),
            "missed_candles": [dict(r) for r in self.journal.missed_candles(20)],
            "win_rate": self.ledger.win_rate(),
            "by_market": {k: v.to_dict() for k, v in sorted(self.ledger.by_market.items())},
            "by_version": {k: v.to_dict() for k, v in sorted(self.ledger.by_version.items())},
            "candles_processed": self.candles_processed,
            "strategy_faults": self.faults,
            "last_fault": self.last_fault,
            "last_snapshot_at": self.snapshots.last_at,
            "control_error": self.control_error,
            "last_swap": self.last_swap,
            "strategy_state": self.strategy_state,
            "worker": _worker_status(self.active.runner),
            "stale_markets": getattr(self.feed, "stale_markets", dict)(),
            **self.extra_status,
        }


def _worker_status(runner: Runner) -> dict[str, Any]:
    """Sandbox facts of the active runner (an in-process runner has none)."""
    if not hasattr(runner, "network_isolated"):
        return {"sandboxed": False}
    rss = getattr(runner, "rss_bytes", lambda: None)()
    return {"sandboxed": True, "pid": getattr(runner, "pid", None), "alive": getattr(runner, "alive", None),
            "network_isolated": runner.network_isolated, "rss_bytes": rss}


def _pid() -> int:
    import os

    return os.getpid()


def _hhmm(ts: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.gmtime(ts))


def row_to_request(row: Any) -> OrderRequest:
    return request_of(OrderRow.from_db(row), row["batch_end"])


def _fill_row(r: Any) -> FillRow:
    return FillRow.from_db(r)


def _settlement_row(r: Any) -> SettlementRow:
    return SettlementRow.from_db(r)


def _to_fill(f: FillRow) -> Fill:
    """The strategy API's float view of a fill: ``stake`` is what the fill cost (fee excluded)."""
    return Fill(order_id=f.client_order_id, market=f.market, side=f.side, stake=fl(f.cost),  # type: ignore[arg-type]
                price=fl(f.price), shares=fl(f.shares), ts=f.ts)  # type: ignore[arg-type]


def _to_settlement(s: SettlementRow) -> Settlement:
    return Settlement(order_id=s.client_order_id, market=s.market, side=s.side, won=s.won,  # type: ignore[arg-type]
                      payout=fl(s.payout), pnl=fl(s.pnl), ts=s.ts)  # type: ignore[arg-type]

