"""The engine's books: the ledger kept true to the journal and the broker, and what the strategy
has not heard of yet.

:class:`Books` is the money side of :class:`~liveswap.engine.loop.Engine`: every broker answer is
journaled before the ledger moves (:func:`~liveswap.engine.outcomes.journal_answers`), every fill
and settlement waits here until the next batch delivers it, and the money guards (reconciliation,
daily loss) are asked at the points the engine names. The engine changes it through these methods
only.
"""

from __future__ import annotations

from typing import Any

from liveswap.api import Candle
from liveswap.brokers import Broker
from liveswap.clock import Clock
from liveswap.engine.desired import Desired
from liveswap.engine.guards import MoneyGuards
from liveswap.engine.ledger import Ledger
from liveswap.engine.outcomes import close_never_seen, journal_answers, settle_due
from liveswap.engine.reconcile import ask_open_orders
from liveswap.engine.recovery import Answer, opening_balance, reconcile_unsent
from liveswap.journal import FillRow, Journal, SettlementRow


class Books:
    """The ledger, the fills and settlements not yet delivered, and when the guards are asked."""

    def __init__(self, *, journal: Journal, broker: Broker, guards: MoneyGuards) -> None:
        self._journal = journal
        self._broker = broker
        self._guards = guards
        self._ledger = Ledger.from_journal(journal)
        self._fills: list[FillRow] = []
        self._settlements: list[SettlementRow] = []

    @property
    def ledger(self) -> Ledger:
        return self._ledger

    @property
    def undelivered(self) -> tuple[list[FillRow], list[SettlementRow]]:
        """The fills and settlements the next batch delivers to the strategy."""
        return self._fills, self._settlements

    def delivered(self) -> None:
        """The batch that delivered :attr:`undelivered` is journaled."""
        self._fills, self._settlements = [], []

    def hold(self, fills: list[FillRow], settlements: list[SettlementRow]) -> None:
        """At start-up: what the journal says the strategy has not heard of yet."""
        self._fills, self._settlements = fills, settlements

    def open(self, *, fallback_balance: Any, clock: Clock, desired: Desired) -> None:
        """At start-up: the opening deposit (the broker's balance where it has one), then orders
        whose answer was never journaled asked of the broker (see
        :func:`~liveswap.engine.recovery.reconcile_unsent`), the ledger rebuilt, and a daily loss
        trip earlier today held from the start."""
        if not self._journal.has_deposit():
            self._journal.ensure_deposit(opening_balance(self._broker, fallback_balance), int(clock.now()))
        self._ledger = Ledger.from_journal(self._journal)
        reconcile_unsent(self._journal, self._broker, self._ledger, self.apply)
        self._ledger = Ledger.from_journal(self._journal)
        self._guards.daily_loss.update(self._ledger, limit=desired.risk.daily_loss_limit, ts=int(clock.now()),
                                       generation=desired.generation, resume_request=None)

    def apply(self, answers: list[Answer]) -> int:
        """Journal broker answers (one FULL commit), then update the ledger; returns fills."""
        fills = journal_answers(self._journal, self._ledger, answers)
        self._fills.extend(fills)
        return len(fills)

    def settle(self, now: int, candles: list[Candle]) -> None:
        """Settle what ``candles`` resolve (journal first, then the ledger)."""
        self._settlements.extend(settle_due(self._broker, self._journal, self._ledger, now, candles))

    def check(self, now: int, desired: Desired) -> None:
        """Before a batch's risk checks: the broker asked about open orders (``pending``, or
        ``unknown`` after a failed submit), then the money guards (reconciliation, daily loss)."""
        self._ask_open_orders(now)
        self._guards.check(broker=self._broker, ledger=self._ledger, risk=desired.risk, ts=now,
                           generation=desired.generation, resume_request=desired.resume_request)

    def reconcile_if_due(self, clock: Clock) -> None:
        """Reconciliation on its own clock (``reconcile_seconds``), between batches too: a discrepancy at the venue
        is in status within that time even while no batch closes; open orders are asked about first."""
        if not self._guards.reconciler.due():
            return
        self._ask_open_orders(int(clock.now()))
        self._guards.reconciler.check(self._broker, self._ledger)

    def _ask_open_orders(self, now: int) -> None:
        answers, never_seen = ask_open_orders(self._broker, self._ledger, now)
        self.apply(answers)
        close_never_seen(self._journal, self._ledger, never_seen)
