"""Recovery: how the engine and a strategy are brought back to where the journal says they were.

:class:`Recovery` is the collaborator the :class:`~liveswap.engine.loop.Engine` holds for it: at
start-up it returns where the engine resumes (:class:`Resumed`, the engine keeps its own state);
for a freshly started runner, a replay or a market taken over it feeds the runner. The pure
helpers beneath it read the journal, the broker and the last snapshot and return what to do:

* :func:`opening_balance` -- what a new journal starts from;
* :func:`reconcile_unsent` -- orders journaled whose answer never was, looked up by client order id;
* :func:`replay_start` / :func:`restore_point` -- which snapshot to import and from which batch to
  replay (at start-up; for a freshly started runner);
* :func:`replay_batches` -- feed a runner the journaled batches of a span, outputs discarded;
* :func:`undelivered` -- fills and settlements the strategy has not heard of yet.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from typing import Any

from loguru import logger

from liveswap.api import Candle, Context
from liveswap.brokers import BalanceSource, Broker, BrokerError, OrderRequest, OrderResult
from liveswap.engine.active import ActiveStrategy
from liveswap.engine.ledger import Ledger, to_fill, to_settlement
from liveswap.engine.reconcile import request_of
from liveswap.engine.snapshotting import SnapshotKeeper
from liveswap.feeds import Feed, FeedError
from liveswap.home import Snapshot, read_snapshot
from liveswap.journal import FillRow, Journal, OrderRow, SettlementRow
from liveswap.markets import Market
from liveswap.money import dec
from liveswap.runners import Batch, Runner, StrategyFault

Answer = tuple[OrderRequest, OrderResult, str]
ContextFor = Callable[[int], Callable[[str], Context]]


@dataclass(frozen=True, slots=True)
class ReplayStart:
    """Where a runner resumes: ``snapshot`` to import (None: none), then replay after ``since``
    (None: nothing to replay)."""

    snapshot: Snapshot | None
    since: int | None


@dataclass(frozen=True, slots=True)
class Resumed:
    """Where the engine resumes at start-up: its cursor, how far before it the first feed read looks
    (a restart: candles held late), whether the journal had batches, what the strategy has not heard."""

    cursor: int
    lookback: int
    restarted: bool
    fills: list[FillRow]
    settlements: list[SettlementRow]


class Recovery:
    """Brings a runner to the engine's present from the journal and the last snapshot."""

    def __init__(self, *, journal: Journal, feed: Feed, snapshots: SnapshotKeeper, markets: dict[str, Market],
                 state_dir: Path, warmup_seconds: int) -> None:
        self._journal = journal
        self._feed = feed
        self._snapshots = snapshots
        self._markets = markets
        self._state_dir = state_dir
        self._warmup_seconds = warmup_seconds

    def resume(self, active: ActiveStrategy, *, params: dict[str, Any], ledger: Ledger, fresh_cursor: int,
               context_for: ContextFor) -> Resumed:
        """At start-up (the books open): the strategy set up, its last snapshot imported and every
        journaled batch since fed to it, in order (their decisions exist: nothing is re-decided or
        re-sent). A journal without batches starts at ``fresh_cursor``."""
        active.runner.setup(params)
        journal_end = self._journal.last_batch_end()
        if journal_end is None:
            return Resumed(fresh_cursor, 0, False, *undelivered(self._journal))
        start = replay_start(read_snapshot(self._state_dir), active.name, self._journal, journal_end)
        if start.snapshot is not None:
            if start.snapshot.state is not None:
                active.runner.import_state(start.snapshot.state, start.snapshot.version)
            self._snapshots.adopt(start.snapshot)
        if start.since is not None:
            replay_batches(self._journal, active.runner, start.since, journal_end, context_for)
        fills, setts = undelivered(self._journal)
        # a candle a venue feed was still holding (a market's late quote) when the host stopped ended at or before
        # the cursor: the first read after the restart looks back one candle of the longest market for it (never
        # before this home's first batch: what came before was history it never decided)
        first = self._journal.first_batch_end() or journal_end
        lookback = min(max(m.seconds for m in self._markets.values()), journal_end - first)
        logger.info("recovered: journal at {}, strategy {} replayed from {}, balance {:.2f}, {} open",
                    journal_end, active.spec, start.since, ledger.balance, len(ledger.positions))
        return Resumed(journal_end, lookback, True, fills, setts)

    def restore(self, target: ActiveStrategy, *, until: int | None, context_for: ContextFor) -> None:
        """Bring a freshly started runner to ``until`` (the engine's cursor): the last snapshot, then
        a replay of every journaled batch since (a restarted worker, a rollback after a crash)."""
        start = restore_point(self._snapshots.latest(), target.name, self._journal)
        if start.snapshot is not None and start.snapshot.state is not None:
            target.runner.import_state(start.snapshot.state, start.snapshot.version)
        if start.since is not None and until is not None:
            replay_batches(self._journal, target.runner, start.since, until, context_for)

    def warm_up(self, active: ActiveStrategy, *, market: str, until: int, context_for: ContextFor) -> int:
        """A market taken over in a fleet: feed ``active`` that market's candles of the last
        ``warmup_seconds`` before ``until`` in one round trip, outputs discarded (those candles
        were another host's to decide). Returns the number of candles fed."""
        since = max(0, until - self._warmup_seconds)
        try:
            candles = [c for c in self._feed.closed_candles(since, until) if c.market == market]
        except FeedError as exc:
            logger.warning("warm-up of {}: feed {}: {}", market, self._feed.name, exc)
            return 0
        if not candles:
            return 0
        try:
            active.runner.run_batch(Batch(
                candles=[(c, context_for(c.end)(c.market)) for c in candles], fills=[], settlements=[]))
        except StrategyFault as exc:
            logger.warning("warm-up of {} on {}: {}: {}", market, active.spec, exc.kind, exc.reason)
            return 0
        return len(candles)


def opening_balance(broker: Broker, fallback: Any) -> Any:
    """A new journal starts from the broker's own balance where it has one (the venue's cash)."""
    if isinstance(broker, BalanceSource):
        try:
            return dec(broker.balance())
        except BrokerError as exc:
            logger.error("opening balance from {} unavailable ({}); using paper.starting_balance", broker.name, exc)
    return fallback


def reconcile_unsent(journal: Journal, broker: Broker, ledger: Ledger,
                     apply_results: Callable[[list[Answer]], int]) -> None:
    """At start: every order whose answer was never journaled (``new``; ``unknown``: its submit
    failed; ``pending``) is looked up by client order id; one the broker never saw is ``stale``.
    A known answer goes through ``apply_results`` (the engine's: journal, then ledger)."""
    rows = [r for status in ("new", "unknown", "pending") for r in journal.orders_with_status(status)]
    for row in rows:
        coid = row["client_order_id"]
        try:
            known = broker.lookup(coid)
        except BrokerError as exc:
            logger.error("cannot reconcile order {} with the broker: {}", coid, exc)
            continue
        if known is None and row["status"] == "pending":
            continue
        if known is None:
            journal.record_order_results([(coid, "stale", "not sent before the host stopped", "", None)])
            logger.warning("order {} was journaled but never sent; recorded as stale", coid)
        else:
            ledger.attribute(coid, row["strategy"])
            apply_results([(row_to_request(row), known, row["version"])])


def replay_start(snap: Snapshot | None, name: str, journal: Journal, journal_end: int) -> ReplayStart:
    """At start-up: the snapshot of strategy ``name`` if the journal covers it; a replay of the
    whole journal if there is none or it is newer than the journal (a power cut took the last
    NORMAL batches); nothing to replay for another strategy's snapshot."""
    if snap is not None and snap.name == name and snap.batch_end <= journal_end:
        return ReplayStart(snap, snap.batch_end)
    if snap is None or snap.batch_end > journal_end:
        first = journal.first_batch_end()
        return ReplayStart(None, int(first) - 1)  # type: ignore[arg-type]  # journal_end exists, so first does
    return ReplayStart(None, None)


def restore_point(snap: Snapshot | None, name: str, journal: Journal) -> ReplayStart:
    """For a freshly started runner of ``name``: its last snapshot with a state, else the whole journal."""
    if snap is not None and snap.name == name and snap.state is not None:
        return ReplayStart(snap, snap.batch_end)
    first = journal.first_batch_end()
    return ReplayStart(None, int(first) - 1 if first is not None else None)


def replay_batches(journal: Journal, runner: Runner, since: int, until: int, context_for: ContextFor) -> None:
    """Feed ``runner`` every journaled batch in ``(since, until]`` with the fills and
    settlements delivered then; its outputs are discarded (those candles are decided)."""
    candles = [Candle.from_dict(c) for c in journal.candles_between(since, until)]
    fills, setts = journal.delivered_between(since, until)
    fills_by: dict[int, list[Any]] = {}
    setts_by: dict[int, list[Any]] = {}
    for r in fills:
        fills_by.setdefault(r["delivered_batch"], []).append(r)
    for r in setts:
        setts_by.setdefault(r["delivered_batch"], []).append(r)
    for end, group in groupby(candles, key=lambda c: c.end):
        batch = list(group)
        ctx = context_for(end)
        runner.run_batch(Batch(
            candles=[(c, ctx(c.market)) for c in batch],
            fills=[to_fill(FillRow.from_db(r)) for r in fills_by.get(end, [])],
            settlements=[to_settlement(SettlementRow.from_db(r)) for r in setts_by.get(end, [])],
        ))


def undelivered(journal: Journal) -> tuple[list[FillRow], list[SettlementRow]]:
    """Fills and settlements journaled but not yet handed to the strategy (the next batch delivers them)."""
    fills, setts = journal.undelivered()
    return [FillRow.from_db(r) for r in fills], [SettlementRow.from_db(r) for r in setts]


def row_to_request(row: Any) -> OrderRequest:
    """The broker request of a journaled order row."""
    return request_of(OrderRow.from_db(row), row["batch_end"])

