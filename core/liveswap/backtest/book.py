"""A backtest's money: the live paper broker and the engine's own ledger steps, with no journal.

:class:`MemoryJournal` stands in for the four journal calls the engine's shared steps make
(:func:`~liveswap.engine.outcomes.journal_answers`, :func:`~liveswap.engine.outcomes.settle_due`,
:class:`~liveswap.engine.daily_loss.DailyLossGuard`): it keeps in memory what they would have
written, so those very functions run unchanged. The broker is the live
:class:`~liveswap.brokers.paper.PaperBroker` on an in-memory book: its fill model, fees and
settlement rule are the ones a live paper host uses, not a copy of them.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from liveswap.brokers import PaperBroker
from liveswap.engine import DailyLossGuard, Ledger, opening_balance
from liveswap.journal import FillRow, Journal, SettlementRow
from liveswap.money import dec
from liveswap.settings import PaperSettings

IN_MEMORY = Path(":memory:")


class MemoryJournal:
    """The journal calls of the shared money steps, answered in memory (nothing is written)."""

    def __init__(self) -> None:
        self._settled: set[str] = set()
        self._events: list[dict[str, Any]] = []

    def record_order_results(self, results: list[tuple[str, str, str, str, FillRow | None]]) -> None:
        """Order answers are kept by the ledger and the broker's book; nothing more to keep."""

    def record_settlements(self, rows: Iterable[SettlementRow]) -> list[SettlementRow]:
        fresh = [r for r in rows if r.client_order_id not in self._settled]
        self._settled.update(r.client_order_id for r in fresh)
        return fresh

    def record_risk_event(self, *, kind: str, detail: str, day: int | None = None,
                          generation: int | None = None) -> None:
        self._events.append({"ts": time.time(), "kind": kind, "day": day, "generation": generation,
                             "detail": detail})

    def risk_events(self, kinds: tuple[str, ...], day: int | None = None) -> list[dict[str, Any]]:
        return [e for e in self._events if e["kind"] in kinds and (day is None or e["day"] == day)]

    def as_journal(self) -> Journal:
        """This object where the shared steps expect a :class:`~liveswap.journal.store.Journal`
        (they call only the methods above)."""
        return self  # type: ignore[return-value]


class PaperBook:
    """One version's money in a backtest: the paper broker, the ledger, the daily loss latch."""

    def __init__(self, paper: PaperSettings) -> None:
        self.broker = PaperBroker(IN_MEMORY, paper)
        self.journal = MemoryJournal().as_journal()
        start = dec(opening_balance(self.broker, paper.starting_balance))
        self.ledger = Ledger(deposits=start, balance=start)
        self.daily_loss = DailyLossGuard(self.journal)

    def close(self) -> None:
        self.broker.close()
