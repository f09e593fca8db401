"""Recovery: how the engine and a strategy are brought back to where the journal says they were.

Pure helpers the :class:`~liveswap.engine.loop.Engine` calls at start-up and when a runner is
(re)started; they read the journal, the broker and the last snapshot and return what to do, the
engine keeps its own state:

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
from typing import Any

from loguru import logger

from liveswap.api import Candle, Context
from liveswap.brokers import BalanceSource, Broker, BrokerError, OrderRequest, OrderResult
from liveswap.engine.ledger import Ledger, to_fill, to_settlement
from liveswap.engine.reconcile import request_of
from liveswap.home import Snapshot
from liveswap.journal import FillRow, Journal, OrderRow, SettlementRow
from liveswap.money import dec
from liveswap.runners import Batch, Runner

Answer = tuple[OrderRequest, OrderResult, str]
ContextFor = Callable[[int], Callable[[str], Context]]


@dataclass(frozen=True, slots=True)
class ReplayStart:
    """Where a runner resumes: ``snapshot`` to import (None: none), then replay after ``since``
    (None: nothing to replay)."""

    snapshot: Snapshot | None
    since: int | None


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

