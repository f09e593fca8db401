"""The backtest's lean loop: one version, its own sandboxed worker, the engine's own steps.

Per batch, a live host (:meth:`liveswap.engine.loop.Engine.process_batch`) settles what the
batch resolves, checks the daily loss latch, lets the version decide (delivering the fills and
settlements since its last batch), validates the outputs, applies the risk limits, and sends the
orders to the broker. This loop does the same with the same functions -- ``settle_due``,
``DailyLossGuard.update``, ``validate_batch``, ``plan_orders``, ``send_orders``,
``journal_answers`` and the paper broker -- minus the journal, the clock and the steering.

What makes it fast is the round trip: until the strategy trades, every batch's context is known
ahead -- only settlements change it, and they follow from the candles
(:mod:`liveswap.backtest.projection`) -- so a whole run of batches goes to the worker at once
(:mod:`liveswap.sandbox.chunk`), with what settles in which batch; the worker stops after the
first batch that wants to trade, the host books the run's settlements as live (and checks they
are the ones announced), trades that batch, and the next run starts after it. The strategy sees
the very calls, in the very order, of a live host on the same candles.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import astuple

from liveswap.api import Candle
from liveswap.backtest.book import PaperBook
from liveswap.backtest.figures import Figures
from liveswap.backtest.projection import Event, Projection, Settled
from liveswap.backtest.sources import BatchRows
from liveswap.engine import (
    ActiveStrategy,
    Desired,
    journal_answers,
    plan_orders,
    send_orders,
    settle_due,
    to_fill,
    to_settlement,
    validate_batch,
)
from liveswap.journal import FillRow, SettlementRow
from liveswap.markets import Market
from liveswap.money import fl
from liveswap.runners import StrategyFault
from liveswap.sandbox import ChunkRunner
from liveswap.settings import Settings

MAX_BATCHES = 512
MAX_CANDLES = 4096
FIRST_BATCHES = 8
"""A run's size adapts like a window: it doubles while the worker decides whole runs without
trading, and shrinks to twice the stretch it went before trading when it stops early (a run cut
short is sent again from where it stopped, so oversized runs cost encoding twice)."""


class Lookahead:
    """An iterator of batches that takes back the batches of a run left undecided (at most a run's)."""

    def __init__(self, batches: Iterator[BatchRows]) -> None:
        self._it = batches
        self._back: deque[BatchRows] = deque()

    def next(self) -> BatchRows | None:
        if self._back:
            return self._back.popleft()
        return next(self._it, None)

    def give_back(self, batches: list[BatchRows]) -> None:
        self._back.extendleft(reversed(batches))


class VersionReplay:
    """Replays batches through one version (see the module docstring); figures in :attr:`figures`."""

    def __init__(self, *, runner: ChunkRunner, settings: Settings, desired: Desired,
                 markets: dict[str, Market]) -> None:
        self.runner = runner
        self.active = ActiveStrategy(runner=runner, name=runner.name, version=runner.version)
        self.figures = Figures(self.active.spec)
        self._settings = settings
        self._desired = desired
        self._markets = markets
        self.book = PaperBook(settings.paper)
        self._fills: list[FillRow] = []
        self._settlements: list[SettlementRow] = []
        self._size = FIRST_BATCHES

    def run(self, batches: Iterator[BatchRows], progress: Callable[[int], None] | None = None) -> None:
        """Decide every batch (or up to a fault: :attr:`figures`.fault says which)."""
        ahead = Lookahead(batches)
        while (first := ahead.next()) is not None:
            self._settle(*first)
            projection = Projection(self.book.ledger)
            balance, positions = fl(self.book.ledger.balance), self._positions()  # as the first batch sees them
            chunk, events = self._chunk(first, ahead, projection)
            try:
                done, outputs = self.runner.run_chunk(
                    batches=chunk, balance=balance, params=self._desired.params, positions=positions,
                    fills=[astuple(to_fill(f)) for f in self._fills],
                    settlements=[astuple(to_settlement(s)) for s in self._settlements], events=events)
            except StrategyFault as exc:
                self._book(chunk[:self.runner.chunk_done + 1], projection)  # settled before it decided
                self._count(chunk[:self.runner.chunk_done])
                self.figures.fault = f"{exc.kind}: {exc.reason}"
                return
            self._fills, self._settlements = [], []
            self._book(chunk[:done], projection)
            self._count(chunk[:done])
            self._size = min(MAX_BATCHES, self._size * 2 if outputs is None else max(FIRST_BATCHES, 2 * done))
            ahead.give_back(chunk[done:])
            if outputs is not None and not self._trade(chunk[done - 1], outputs):
                return
            if progress is not None:
                progress(sum(len(rows) for _, rows in chunk[:done]))

    def close(self) -> None:
        self.runner.close()
        self.book.close()

    # ---- the steps ----------------------------------------------------------------------------

    def _chunk(self, first: BatchRows, ahead: Lookahead, projection: Projection
               ) -> tuple[list[BatchRows], dict[int, Event]]:
        """``first`` and the batches after it (the run's size), with what settles in each."""
        chunk, candles = [first], len(first[1])
        events: dict[int, Event] = {}
        while len(chunk) < self._size and candles < MAX_CANDLES:
            nxt = ahead.next()
            if nxt is None:
                break
            event = projection.step(len(chunk), *nxt)
            if event is not None:
                events[len(chunk)] = event
            chunk.append(nxt)
            candles += len(nxt[1])
        return chunk, events

    def _book(self, decided: list[BatchRows], projection: Projection) -> None:
        """Book the settlements of a run's batches after its first, as live (the engine's
        ``settle_due``, the paper broker, the daily loss latch), and check they are the ones the
        worker was told of (they were delivered in the run: nothing is left to deliver)."""
        ledger = self.book.ledger
        for index, (end, rows) in enumerate(decided[1:], start=1):
            fresh: list[SettlementRow] = []
            if any(p.window_end <= end for p in ledger.positions.values()):
                fresh = settle_due(self.book.broker, self.book.journal, ledger, end, [Candle(*r) for r in rows])
                self.figures.settled_now(fresh, ledger, end)
                self._check_daily_loss(end)
            announced = projection.announced.get(index, [])
            if [Settled.of(r) for r in fresh] != announced:
                raise AssertionError(f"backtest: the settlements booked at {end} differ from those announced "
                                     f"to the worker ({fresh} != {announced})")

    def _settle(self, end: int, rows: list[tuple[object, ...]]) -> None:
        """A run's first batch: its settlements booked, to be delivered with it."""
        ledger = self.book.ledger
        if any(p.window_end <= end for p in ledger.positions.values()):
            fresh = settle_due(self.book.broker, self.book.journal, ledger, end, [Candle(*r) for r in rows])
            self._settlements.extend(fresh)
            self.figures.settled_now(fresh, ledger, end)
        self._check_daily_loss(end)

    def _check_daily_loss(self, end: int) -> None:
        self.book.daily_loss.update(self.book.ledger, limit=self._desired.risk.daily_loss_limit, ts=end,
                                    generation=self._desired.generation, resume_request=None)

    def _positions(self) -> dict[str, list[dict[str, object]]]:
        ledger = self.book.ledger
        return {m: ledger.open_in(m) for m in {p.market for p in ledger.positions.values()}}

    def _count(self, batches: list[BatchRows]) -> None:
        for end, rows in batches:
            self.figures.decided(end, len(rows))

    def _trade(self, batch: BatchRows, outputs: list[object]) -> bool:
        """The engine's steps for a batch that wants to trade; False if the version faulted."""
        end, rows = batch
        candles = [Candle(*r) for r in rows]
        validated, garbage = validate_batch(outputs, len(candles), self._markets, end,
                                            max_intents=self._settings.max_intents_per_batch)
        if garbage is not None:
            self.runner.close()  # as live: a version at fault is never asked again
            self.figures.fault = f"garbage: malformed output: {garbage.reason}"
            return False
        self._check_daily_loss(end)
        ledger = self.book.ledger
        plan = plan_orders(candles=candles, validated=validated, deciders=[(self.active, None)] * len(candles),
                           active=self.active, canary=None, desired=self._desired, ledger=ledger,
                           markets=self._markets, batch_end=end, stale_reason=None,
                           blocked=self.book.daily_loss.blocked())
        for order in plan.orders:
            ledger.order_opened(order)
        sent = send_orders(self.book.broker, ledger, plan.orders, end)
        fills = journal_answers(self.book.journal, ledger, sent.answers)
        self._fills.extend(fills)
        self.figures.filled(fills)
        self.figures.refused += len(plan.rejected) + len(sent.rejected)
        return True
