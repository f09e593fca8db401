"""How a prepared candidate becomes a running :class:`~liveswap.rollout.slot.CandidateSlot`.

:class:`SlotOpener` (between two batches, on the engine thread) either resumes the candidate a
previous run of this home was running (its journal row, from its newest snapshot, deciding the
batches since) or journals a new one: it takes the active version's exported state when it is
the same strategy and the declarations let it cross, else it is warmed up on the journal's recent
candles (decided, not traded) -- on a shadow's own thread (``warm_window``), here for a canary.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from loguru import logger

from liveswap.engine import ActiveStrategy
from liveswap.exceptions import StrategyFault
from liveswap.journal import Journal
from liveswap.journal import candidates as cj
from liveswap.money import from_micros
from liveswap.registry import decide
from liveswap.rollout.guard import GUARD_GENERATION, GUARD_MODE
from liveswap.rollout.hypothetical import BookLookup, OutcomeLookup
from liveswap.rollout.preparing import Preparing
from liveswap.rollout.slot import CandidateSlot

if TYPE_CHECKING:
    import sqlite3

    from liveswap.engine import Engine


@dataclass(frozen=True, slots=True)
class SlotOpener:
    """Opens candidate slots for ``engine`` (its journal, markets, paper model, active version)."""

    engine: Engine
    outcome: OutcomeLookup | None = None
    books: BookLookup | None = None
    snapshot_every: int = 10

    def open(self, p: Preparing, strategy: ActiveStrategy) -> tuple[CandidateSlot, sqlite3.Row] | str:
        """The running slot of ``p``'s prepared ``strategy`` and its journal row, or the one-line reason
        it cannot start (its worker closed)."""
        if p.ask.mode == "canary" and strategy.version == self.engine.active.version:
            strategy.runner.close()
            return (f"canary: {strategy.spec} has the active version's version number (fills are told apart by "
                    "version)")
        try:
            return self._open(p, strategy)
        except StrategyFault as exc:
            strategy.runner.close()
            return f"candidate {strategy.spec} cannot start: {exc}"

    def _open(self, p: Preparing, strategy: ActiveStrategy) -> tuple[CandidateSlot, sqlite3.Row]:
        engine, active = self.engine, self.engine.active
        if p.resume_id is not None:
            row = cj.candidate(engine.journal, p.resume_id)
            assert row is not None
            slot = self._slot(p, strategy, row)
            if not slot.resume():
                slot.warm_window = self.warm(strategy, active, int(row["start_batch"]), defer=slot.mode != "canary")
            logger.info("candidate {} resumes at batch {}", strategy.spec, slot.cursor)
            return slot, row
        start_batch = engine.cursor or 0
        warm = self.warm(strategy, active, start_batch, defer=p.ask.mode != "canary")
        cid = cj.start(engine.journal, spec=strategy.spec, mode=GUARD_MODE if p.guard else p.ask.mode,
                       markets=p.ask.markets, active=active.spec,
                       generation=GUARD_GENERATION if p.guard else p.ask.request, start_batch=start_batch,
                       analysis=p.analysis.model_dump(), auto_promote=p.ask.auto_promote,
                       balance=engine.ledger.balance)
        row = cj.candidate(engine.journal, cid)
        assert row is not None
        slot = self._slot(p, strategy, row)
        slot.warm_window = warm  # a shadow warms up on its own thread, then snapshots
        slot.snapshot()
        logger.info("candidate {} shadows {} from batch {}", strategy.spec, active.spec, start_batch)
        return slot, row

    def _slot(self, p: Preparing, strategy: ActiveStrategy, row: sqlite3.Row) -> CandidateSlot:
        shadow = p.ask.mode != "canary"  # a shadow works on its own thread, through its own connection
        journal = Journal(self.engine.journal.path) if shadow else self.engine.journal
        balance: Decimal = from_micros(row["balance_micros"])
        return CandidateSlot(journal=journal, own_journal=shadow, candidate_id=int(row["id"]), strategy=strategy,
                             active_spec=str(row["active"]), analysis=p.analysis, markets=self.engine.markets,
                             paper=self.engine.settings.paper, balance=balance, start_batch=int(row["start_batch"]),
                             settlement_rowid=int(row["settlement_rowid"]), outcome=self.outcome, books=self.books,
                             snapshot_every=self.snapshot_every,
                             canary_markets=frozenset(p.ask.markets) if p.ask.mode == "canary" else frozenset())

    def warm(self, strategy: ActiveStrategy, active: ActiveStrategy, start_batch: int, *,
             defer: bool) -> tuple[int, int] | None:
        """The active version's state if it is the same strategy and the declarations let it cross
        (converted down if the active version writes what the candidate reads), else a warm-up on
        recent candles: returned as ``(since, until)`` for a shadow's own thread to do (``defer``),
        so a slow candidate's warm-up never holds the active version back; done here for a canary.
        An active version that cannot export its state never blocks a candidate: it warms up instead."""
        crossing = decide(active.state_decl, strategy.state_decl) if strategy.name == active.name else None
        if crossing is not None and crossing.carries:
            try:
                state = active.runner.export_state_json(crossing.export_schema)
            except StrategyFault as exc:  # the active version's fault: the candidate warms up without it
                logger.error("candidate {}: {} could not export its state ({}); it warms up without state",
                             strategy.spec, active.spec, exc)
            else:
                if state is not None:
                    strategy.runner.import_state_json(state, active.version)
                return None
        if crossing is not None:
            logger.info("candidate {}: {}", strategy.spec, crossing.describe(active.version, strategy.version))
        since = start_batch - self.engine.settings.warmup_seconds
        if defer:
            return since, start_batch
        self.engine.replay_into(strategy.runner, since, start_batch)
        return None
