"""The money guards the engine consults before every batch's risk checks, in one place:

* the daily loss latch (:class:`~liveswap.engine.daily_loss.DailyLossGuard`);
* the ledger reconciled with the broker (:class:`~liveswap.engine.reconcile.Reconciler`), at the
  first batch after start and every ``reconcile_seconds``;
* candles a feed gave up on (its ``missed()`` capability), journaled once with the reason.

Either of the first two blocks new positions (:meth:`MoneyGuards.blocked`); all three are shown
in ``status.json`` (:meth:`MoneyGuards.report`).
"""

from __future__ import annotations

import time
from typing import Any

from loguru import logger

from liveswap.brokers import Broker
from liveswap.engine.daily_loss import DailyLossGuard
from liveswap.engine.ledger import Ledger
from liveswap.engine.reconcile import Reconciler
from liveswap.journal import Journal
from liveswap.settings import RiskLimits, Settings


class MoneyGuards:
    def __init__(self, journal: Journal, settings: Settings) -> None:
        self._journal = journal
        self.daily_loss = DailyLossGuard(journal)
        self.reconciler = Reconciler(journal, interval=settings.reconcile_seconds,
                                     tolerance=settings.reconcile_tolerance)
        self._missed_seen = {(r["market"], r["candle_start"]) for r in journal.missed_candles(10_000)}

    def check(self, *, broker: Broker, ledger: Ledger, risk: RiskLimits, ts: int, generation: int,
              resume_request: int | None) -> None:
        """Before a batch's risk checks (after its settlements and open-order answers are booked)."""
        if self.reconciler.due():
            self.reconciler.check(broker, ledger)
        self.daily_loss.update(ledger, limit=risk.daily_loss_limit, ts=ts, generation=generation,
                               resume_request=resume_request)

    def blocked(self) -> str | None:
        """Why no new position may be opened whatever the intent (None: they may)."""
        return self.daily_loss.blocked() or self.reconciler.blocked()

    def note_missed(self, *, market: str, candle_start: int, reason: str) -> None:
        """A candle whose data never arrived: journaled once with the reason, shown in status."""
        if (market, candle_start) in self._missed_seen:
            return
        self._missed_seen.add((market, candle_start))
        if self._journal.record_missed(market=market, candle_start=candle_start, reason=reason):
            logger.error("candle {} {} missed: {}", market,
                         time.strftime("%Y-%m-%d %H:%M", time.gmtime(candle_start)), reason)

    def record_missed_from(self, feed: Any) -> None:
        """Candles a feed gave up on (the ``missed()`` capability of venue feeds)."""
        missed = getattr(feed, "missed", None)
        if callable(missed):
            for m in missed():
                self.note_missed(market=m.market, candle_start=m.start, reason=m.reason)

    def report(self) -> dict[str, Any]:
        """The status.json fields: ``trading_blocked``, ``daily_loss``, ``reconcile``, ``missed_candles``."""
        return {"trading_blocked": self.blocked(), "daily_loss": self.daily_loss.status(),
                "reconcile": self.reconciler.status(),
                "missed_candles": [{"market": r["market"], "candle_start": r["candle_start"], "reason": r["reason"],
                                    "recorded_at": r["recorded_at"]} for r in self._journal.missed_candles(20)]}
