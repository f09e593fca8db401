"""``CandidateSlot``: a candidate beside the active version -- shadow or canary -- and its figures.

**Shadow.** The engine never waits for it. Between two batches -- after the active version's
decision is journaled and its orders sent -- the slot reads the batches it has not seen yet *from the
journal* (candles, and whether the active version faulted on them) and, for each, in order:

1. settles its hypothetical bets whose windows closed (the broker's settlement rule), and picks up
   the active version's real settlements of bets decided in the batches it decided too;
2. hands its own sandboxed worker the batch (with its own hypothetical fills and settlements,
   and contexts built from its own hypothetical book) and validates the answer exactly as the
   engine validates the active version's (:func:`liveswap.engine.intents.validate_output`);
3. fills the intents hypothetically (:mod:`.hypothetical`), updates the figures;
4. hands the money judge every batch whose bets have all settled on both sides, paired candle by
   candle (:mod:`.pairing`), and updates the analysis;
5. journals the batch's hypothetical orders and settlements, and every ``snapshot_every``
   batches its exported state plus its rollout state (:mod:`liveswap.journal.candidates`).

Because the slot works from the journal, catching up after a restart is the same loop: resume
from the newest snapshot, forget the rows of later batches, decide them again.

**Canary.** The engine itself has the canary decide and trade its markets
(:class:`liveswap.engine.canary.Canary`); the slot only keeps the score from the journal -- the real
settlements of each version, and which version faulted -- and the candidate's snapshots. After a
restart the canary imports its snapshot and is fed the candles it decided since (outputs ignored).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from loguru import logger

from liveswap.api import Candle, Context, Fill, Settlement
from liveswap.engine import ActiveStrategy, Desired, replay_batches, validate_output
from liveswap.journal import Journal
from liveswap.journal import candidates as cj
from liveswap.markets import Market
from liveswap.money import Amount, fl, from_micros, opt_from_micros
from liveswap.rollout.analysis import AnalysisRun
from liveswap.rollout.figures import Comparison
from liveswap.rollout.hypothetical import BookLookup, HypoOrder, HypoSettlement, HypotheticalBook, OutcomeLookup
from liveswap.rollout.pairing import BatchPairer
from liveswap.rollout.spec import AnalysisSpec
from liveswap.runners import Batch, StrategyFault
from liveswap.settings import PaperSettings

ExportJson = Callable[[], bytes | None]


class CandidateSlot:
    """One running shadow candidate (see the module docstring)."""

    def __init__(self, *, journal: Journal, candidate_id: int, strategy: ActiveStrategy, active_spec: str,
                 analysis: AnalysisSpec, markets: dict[str, Market], paper: PaperSettings, balance: Amount,
                 start_batch: int, settlement_rowid: int, outcome: OutcomeLookup | None = None,
                 snapshot_every: int = 10, canary_markets: frozenset[str] = frozenset(),
                 books: BookLookup | None = None, own_journal: bool = False) -> None:
        self.journal = journal
        self._own_journal = own_journal
        self.warm_window: tuple[int, int] | None = None  # a warm-up still to do: (since, until]
        self.canary_markets = canary_markets
        self.mode = "canary" if canary_markets else "shadow"
        self.candidate_id = candidate_id
        self.strategy = strategy
        self.spec = strategy.spec
        self.analysis_spec = analysis
        self.markets = markets
        self.start_batch = start_batch
        self.cursor = start_batch
        self.book = HypotheticalBook(name=strategy.name, version=strategy.version, paper=paper, balance=balance,
                                     markets=markets, books=books,
                                     resolution=lambda market, window: cj.real_resolution(journal, market, window))
        self.comparison = Comparison.start(strategy.spec, active_spec)
        self.analysis = AnalysisRun(analysis, markets=len(markets))
        self.pairer = BatchPairer(journal=journal, candidate_id=candidate_id,
                                  active_version=active_spec.partition("==")[2], candidate_version=strategy.version,
                                  judged_through=start_batch, markets=len(markets), canary_markets=canary_markets)
        self._outcome = outcome
        self._snapshot_every = max(1, snapshot_every)
        self._since_snapshot = 0
        self._settlement_rowid = settlement_rowid
        self._pending_fills: list[Fill] = []
        self._pending_settlements: list[Settlement] = []
        self.last_fault: str | None = None
        self.decide_ms: list[float] = []

    # ---- the loop ---------------------------------------------------------------------------

    def catch_up(self, *, until: int, desired: Desired, stop: Callable[[], bool] | None = None) -> int:
        """Take every journaled batch after the slot's cursor up to ``until`` (or until ``stop()`` says
        so, checked between batches); returns how many."""
        if self.warm_window is not None:
            self._warm_up(desired)
        done = 0
        for batch_end, raw, _, faulted in cj.batches_between(self.journal, self.cursor, until):
            if stop is not None and stop():
                break
            self.process(batch_end=batch_end, candles=[Candle.from_dict(c) for c in raw], faulted=faulted,
                         desired=desired)
            done += 1
        return done

    def _warm_up(self, desired: Desired) -> None:
        """A different strategy's warm-up on the journal's recent batches (decided, not traded), done
        on the shadow's own thread; then a snapshot, so a restart does not warm it up again."""
        assert self.warm_window is not None
        since, until = self.warm_window
        self.warm_window = None
        params = dict(desired.params)

        def context_for(now: int) -> Callable[[str], Context]:
            balance = fl(self.book.ledger.balance) or 0.0
            return lambda market: Context(now=now, balance=balance, params=params, version=self.strategy.version)

        try:
            replay_batches(self.journal, self.strategy.runner, since, until, context_for)
        except StrategyFault as exc:
            self.last_fault = f"{exc.kind}: {exc.reason}"
            logger.warning("candidate {} faulted in its warm-up: {}", self.spec, self.last_fault)
        self.snapshot()

    def close_journal(self) -> None:
        """Close the slot's own journal connection (a shadow reads and writes through its own)."""
        if self._own_journal:
            self.journal.close()

    def process(self, *, batch_end: int, candles: list[Candle], faulted: set[str], desired: Desired) -> None:
        """One journaled batch; ``faulted`` holds the versions that faulted on it."""
        mine = self.strategy.version
        settled = self.book.settle(now=batch_end, candles=candles, outcome=self._outcome)
        for s in settled:
            self.comparison.settle_candidate(won=s.won, pnl=float(s.pnl), fee=float(s.fee))
        self._pending_settlements.extend(_to_settlement(s) for s in settled)
        canary_settled = False
        for row in cj.settlements_after(self.journal, self._settlement_rowid, after_batch=self.start_batch,
                                        until_batch=batch_end):
            self._settlement_rowid = int(row["rowid"])
            won = bool(row["won"])
            pnl, fee = float(from_micros(row["pnl_micros"])), float(from_micros(row["fee_micros"]))
            if self.mode == "canary" and row["version"] == mine:
                self.comparison.settle_candidate(won=won, pnl=pnl, fee=fee)
                canary_settled = True
            else:
                self.comparison.settle_active(won=won, pnl=pnl, fee=fee)

        orders: list[HypoOrder] = []
        if self.mode == "canary":
            theirs = sum(1 for c in candles if c.market in self.canary_markets)
            self.comparison.candidate.record_batch(candles=theirs, fault=mine in faulted)
            self.comparison.active.record_batch(candles=len(candles) - theirs, fault=bool(faulted - {mine}))
        else:
            t0 = time.perf_counter()
            decided, fault = self._decide(batch_end, candles, desired)
            self.decide_ms.append((time.perf_counter() - t0) * 1000)
            del self.decide_ms[:-1000]
            orders = self.book.place(batch_end=batch_end, candles=candles, decided=decided, limits=desired.risk,
                                     paused=desired.paused, paused_markets=frozenset(desired.paused_markets))
            filled = [o for o in orders if o.status == "filled"]
            for _ in filled:
                self.comparison.candidate.record_fill()
            self._pending_fills.extend(_to_fill(o) for o in filled)
            self.comparison.candidate.record_batch(candles=len(candles), fault=fault is not None)
            self.comparison.active.record_batch(candles=len(candles), fault=bool(faulted))
        cj.record_batch(self.journal, self.candidate_id, batch_end=batch_end, orders=[o.to_dict() for o in orders],
                        settlements=[s.to_dict() for s in settled], snapshot=None)
        for difference, candles in self.pairer.complete(until=batch_end):
            self.analysis.pair(difference, candles=candles)
        self.analysis.observe(self.comparison, settled=bool(settled) or canary_settled)
        self.cursor = batch_end
        self._since_snapshot += 1
        if self._since_snapshot >= self._snapshot_every or self.analysis.done:
            cj.record_batch(self.journal, self.candidate_id, batch_end=batch_end, orders=[], settlements=[],
                            snapshot=self._snapshot_rows())

    def replay_canary(self, *, since: int, until: int) -> None:
        """Feed a resumed canary the candles it decided in ``(since, until]`` (already traded)."""
        for batch_end, raw, by, _ in cj.batches_between(self.journal, since, until):
            mine = [Candle.from_dict(c) for c in raw if by.get(c["market"]) == self.strategy.version
                    and c["market"] in self.canary_markets]
            if mine:
                ctx = Context(now=batch_end, balance=0.0, params={}, version=self.strategy.version)
                self.strategy.runner.run_batch(Batch(candles=[(c, ctx) for c in mine]))

    def _decide(self, batch_end: int, candles: list[Candle], desired: Desired) -> tuple[list[list[Any]], str | None]:
        params = dict(desired.params)
        balance = fl(self.book.ledger.balance) or 0.0
        batch = Batch(candles=[(c, Context(now=batch_end, balance=balance, open_positions=self.book.open_in(c.market),
                                           params=params, version=self.strategy.version)) for c in candles],
                      fills=self._pending_fills, settlements=self._pending_settlements)
        self._pending_fills, self._pending_settlements = [], []
        try:
            outputs = self.strategy.runner.run_batch(batch).outputs
            if len(outputs) != len(candles):
                raise StrategyFault("garbage", f"{len(outputs)} outputs for {len(candles)} candles")
            return [validate_output(o, self.markets, batch_end)[0] for o in outputs], None
        except StrategyFault as exc:
            self.last_fault = f"{exc.kind}: {exc.reason}"
            logger.warning("candidate {} faulted on batch {}: {}", self.spec, batch_end, self.last_fault)
            return [[] for _ in candles], self.last_fault

    # ---- snapshots and resuming -------------------------------------------------------------

    def rollout_state(self) -> dict[str, Any]:
        return {"cursor": self.cursor, "settlement_rowid": self._settlement_rowid,
                "judged_through": self.pairer.judged_through,
                "comparison": self.comparison.state(), "analysis": self.analysis.state(),
                "pending_fills": [f.to_dict() for f in self._pending_fills],
                "pending_settlements": [s.to_dict() for s in self._pending_settlements]}

    def _snapshot_rows(self) -> tuple[str | None, str]:
        self._since_snapshot = 0
        state: str | None = None
        try:
            raw = self.strategy.runner.export_state_json()
            state = None if raw is None else raw.decode()
        except StrategyFault as exc:
            logger.warning("candidate {} could not export its state: {}", self.spec, exc)
        return state, json.dumps(self.rollout_state())

    def snapshot(self) -> None:
        """Journal the candidate's state now (shutdown, before a promotion)."""
        cj.record_batch(self.journal, self.candidate_id, batch_end=self.cursor, orders=[], settlements=[],
                        snapshot=self._snapshot_rows())

    def resume(self) -> bool:
        """Continue from the newest journaled snapshot; False if there is none (start afresh)."""
        row = cj.latest_snapshot(self.journal, self.candidate_id)
        if row is None:
            cj.discard_after(self.journal, self.candidate_id, self.start_batch)
            return False
        if row["strategy_state"] is not None:
            self.strategy.runner.import_state_json(row["strategy_state"].encode(), self.strategy.version)
        state = json.loads(row["rollout_state"])
        cj.discard_after(self.journal, self.candidate_id, int(row["batch_end"]))
        orders, settlements = [], []
        for r in cj.hypothetical_orders(self.journal, self.candidate_id):
            orders.append(HypoOrder(r["order_id"], r["spec"], r["batch_end"], r["market"], r["candle_start"],
                                    r["side"], from_micros(r["stake_micros"]), opt_from_micros(r["max_price_micros"]),
                                    opt_from_micros(r["quote_micros"]), r["window_start"], r["window_end"],
                                    r["status"], r["reason"], from_micros(r["price_micros"]),
                                    from_micros(r["contracts_micros"]), from_micros(r["fee_micros"]), r["tag"],
                                    from_micros(r["cost_micros"])))
            if r["settled_batch"] is not None:
                settlements.append(HypoSettlement(r["order_id"], r["spec"], r["market"], r["side"], bool(r["won"]),
                                                  from_micros(r["payout_micros"]), from_micros(r["pnl_micros"]),
                                                  r["settled_ts"], from_micros(r["fee_micros"])))
        self.book.restore(orders, settlements)
        self.cursor = int(state["cursor"])
        if self.mode == "canary":
            self.replay_canary(since=self.cursor, until=self.journal.last_batch_end() or self.cursor)
        self._settlement_rowid = int(state["settlement_rowid"])
        self.pairer.judged_through = int(state.get("judged_through", self.start_batch))
        self.comparison = Comparison.from_state(state["comparison"])
        self.analysis = AnalysisRun.from_state(self.analysis_spec, state["analysis"])
        self._pending_fills = [Fill.from_dict(f) for f in state["pending_fills"]]
        self._pending_settlements = [Settlement.from_dict(s) for s in state["pending_settlements"]]
        return True

    # ---- what the operator sees ---------------------------------------------------------------

    def figures(self) -> dict[str, Any]:
        out = self.comparison.to_dict()
        out["balance"] = fl(self.book.ledger.balance)
        out["open_positions"] = len(self.book.ledger.positions)
        return out


def _to_fill(o: HypoOrder) -> Fill:
    return Fill(order_id=o.order_id, market=o.market, side=o.side, stake=fl(o.stake),  # type: ignore[arg-type]
                price=fl(o.price), shares=fl(o.shares), ts=o.batch_end)


def _to_settlement(s: HypoSettlement) -> Settlement:
    return Settlement(order_id=s.order_id, market=s.market, side=s.side, won=s.won,  # type: ignore[arg-type]
                      payout=fl(s.payout), pnl=fl(s.pnl), ts=s.ts)
