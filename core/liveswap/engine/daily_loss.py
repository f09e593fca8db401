"""The daily loss limit as a latch: once tripped it stays tripped until the next UTC day or an
operator's ``liveswap resume --lift-daily-loss`` (a ``resume_request`` newer than the trip), across restarts.

Each trip and resume is journaled (``risk_events``: ``daily_loss_tripped`` /
``daily_loss_resumed``), so a restarted host comes back tripped. After a resume the day's loss
counts from where it stood at the resume: the operator granted another ``daily_loss_limit``.
"""

from __future__ import annotations

import json
import time
from decimal import Decimal
from typing import Any

from loguru import logger

from liveswap.engine.ledger import DAY, Ledger
from liveswap.journal import Journal
from liveswap.money import ZERO, dec, fl, usd

TRIPPED, RESUMED = "daily_loss_tripped", "daily_loss_resumed"


class DailyLossGuard:
    def __init__(self, journal: Journal) -> None:
        self._journal = journal
        self.day: int | None = None
        self.tripped = False
        self.tripped_at: float | None = None
        self.tripped_generation = 0
        self.baseline: Decimal = ZERO
        self.used: Decimal = ZERO
        self.limit: Decimal = ZERO
        self.reason: str | None = None

    def _load_day(self, day: int) -> None:
        self.day, self.tripped, self.tripped_at, self.baseline, self.reason = day, False, None, ZERO, None
        for event in self._journal.risk_events((TRIPPED, RESUMED), day=day):
            detail = json.loads(event["detail"])
            if event["kind"] == TRIPPED:
                self.tripped, self.tripped_at = True, event["ts"]
                self.tripped_generation = event["generation"] or 0
                self.reason = detail.get("reason")
            else:
                self.tripped, self.tripped_at, self.reason = False, None, None
                self.baseline = dec(detail.get("baseline", "0"))

    def update(self, ledger: Ledger, *, limit: float | Decimal, ts: int, generation: int,
               resume_request: int | None) -> None:
        """Bring the latch to batch time ``ts`` (before the batch's risk checks)."""
        day = ts // DAY
        if day != self.day:
            self._load_day(day)
        loss = ledger.day_loss(ts)
        self.limit = dec(limit)
        if self.tripped and resume_request is not None and resume_request > self.tripped_generation:
            self.tripped, self.tripped_at, self.reason, self.baseline = False, None, None, loss
            self._journal.record_risk_event(kind=RESUMED, day=day, generation=resume_request,
                                            detail=json.dumps({"baseline": str(loss)}))
            logger.warning("daily loss limit resumed by the operator (generation {}): counting from {}",
                           resume_request, usd(loss))
        self.used = max(ZERO, loss - self.baseline)
        if not self.tripped and self.used >= self.limit:
            self.tripped, self.tripped_at, self.tripped_generation = True, time.time(), generation
            self.reason = (f"daily loss limit reached ({usd(self.used)} >= {usd(self.limit)}): no new positions "
                           "until the next UTC day or `liveswap resume --lift-daily-loss`")
            self._journal.record_risk_event(kind=TRIPPED, day=day, generation=generation,
                                            detail=json.dumps({"used": str(self.used), "limit": str(self.limit),
                                                               "reason": self.reason}))
            logger.error(self.reason)

    def blocked(self) -> str | None:
        return self.reason if self.tripped else None

    def status(self) -> dict[str, Any]:
        return {"limit": fl(self.limit), "used": fl(self.used), "tripped": self.tripped,
                "tripped_at": self.tripped_at, "reason": self.reason,
                "day": None if self.day is None else time.strftime("%Y-%m-%d", time.gmtime(self.day * DAY))}
