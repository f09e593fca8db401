"""The ledger against the broker: open orders asked about during the run, balance and positions
compared at start and periodically; a discrepancy stops new positions.

* :func:`ask_open_orders` -- every order whose outcome is not known (``pending``, or
  ``unknown`` because its submit failed) is looked up by client order id at every check: a fill
  is booked, a refusal closes it, an ``unknown`` order the broker never saw is recorded ``stale``
  once its window has ended (it can no longer fill). Until then it counts as exposure.
* :class:`Reconciler` -- if the broker declares :class:`~liveswap.brokers.base.BalanceSource`
  and/or :class:`~liveswap.brokers.base.PositionSource`, its cash balance and its open positions
  (by client order id, contracts) must equal the ledger's. Any difference halts new positions
  (open ones still settle) and is shown in ``status.json`` under ``reconcile``; a later check
  that agrees lifts the halt. Each change is journaled (``risk_events``: ``discrepancy`` /
  ``discrepancy_cleared``). A broker that cannot answer is shown, not a discrepancy.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from loguru import logger

from liveswap.brokers import BalanceSource, Broker, BrokerError, OrderRequest, OrderResult, PositionSource
from liveswap.engine.ledger import Ledger
from liveswap.journal import Journal, OrderRow
from liveswap.money import dec, fl, micro, usd

FOUND, CLEARED = "discrepancy", "discrepancy_cleared"


def request_of(order: OrderRow, ts: int) -> OrderRequest:
    return OrderRequest(order.client_order_id, order.market, order.side, order.stake,  # type: ignore[arg-type]
                        order.window_start, order.window_end, order.price, order.max_price, ts)


def ask_open_orders(broker: Broker, ledger: Ledger, now: int) -> tuple[list[tuple[OrderRequest, OrderResult, str]],
                                                                       list[str]]:
    """Answers for the ledger's open orders, and the ids of ``unknown``/``new`` ones the broker
    never saw whose window has ended (to be recorded ``stale``)."""
    answers: list[tuple[OrderRequest, OrderResult, str]] = []
    never_seen: list[str] = []
    for order in list(ledger.open_orders.values()):  # ``new`` ones here: a restart could not ask about them
        try:
            result = broker.lookup(order.client_order_id)
        except BrokerError as exc:
            logger.warning("order {} still unconfirmed by {}: {}", order.client_order_id, broker.name, exc)
            continue
        if result is None:
            if order.status != "pending" and order.window_end <= now:
                never_seen.append(order.client_order_id)
            continue
        if result.status == "pending" and order.status == "pending":
            continue
        answers.append((request_of(order, now), result, order.version))
    return answers, never_seen


@dataclass(slots=True)
class Finding:
    ledger_balance: Decimal | None = None
    broker_balance: Decimal | None = None
    missing_at_broker: tuple[str, ...] = ()
    unknown_to_ledger: tuple[str, ...] = ()
    different_contracts: tuple[str, ...] = ()

    def problems(self, tolerance: Decimal) -> list[str]:
        out = []
        if self.ledger_balance is not None and self.broker_balance is not None:
            diff = self.broker_balance - self.ledger_balance
            if abs(diff) > tolerance:
                out.append(f"broker balance {usd(self.broker_balance)} != ledger {usd(self.ledger_balance)} "
                           f"(difference {usd(diff)})")
        for label, ids in (("positions the broker does not hold", self.missing_at_broker),
                           ("broker positions the ledger does not know", self.unknown_to_ledger),
                           ("positions with other contract counts", self.different_contracts)):
            if ids:
                out.append(f"{len(ids)} {label} ({', '.join(ids[:3])}{', ...' if len(ids) > 3 else ''})")
        return out


class Reconciler:
    def __init__(self, journal: Journal, *, interval: float, tolerance: float | Decimal = 0) -> None:
        self._journal = journal
        self.interval = interval
        self.tolerance = dec(tolerance)
        self._next = 0.0  # the first check comes with the first batch after start
        self.checked_at: float | None = None
        self.checks = 0
        self.finding = Finding()
        self.reason: str | None = None
        self.error: str | None = None

    def due(self) -> bool:
        return time.monotonic() >= self._next

    def soon(self) -> None:
        """Check at the next chance (an order's outcome is not known: the broker may hold what the ledger lacks)."""
        self._next = 0.0

    def check(self, broker: Broker, ledger: Ledger) -> None:
        """Compare now (after the batch's settlements and open-order answers are booked)."""
        self._next = time.monotonic() + self.interval
        has_balance, has_positions = isinstance(broker, BalanceSource), isinstance(broker, PositionSource)
        if not (has_balance or has_positions):
            return
        finding = Finding()
        try:
            if has_balance:
                finding.ledger_balance = ledger.balance
                finding.broker_balance = micro(dec(broker.balance()))  # type: ignore[attr-defined]
            if has_positions:
                theirs: dict[str, Decimal] = broker.positions()  # type: ignore[attr-defined]
                ours = {k: p.shares for k, p in ledger.positions.items()}
                finding.missing_at_broker = tuple(sorted(set(ours) - set(theirs)))
                finding.unknown_to_ledger = tuple(sorted(set(theirs) - set(ours)))
                finding.different_contracts = tuple(sorted(k for k in set(ours) & set(theirs)
                                                           if dec(theirs[k]) != ours[k]))
        except BrokerError as exc:
            self.error = f"{broker.name} could not be asked: {exc}"
            logger.warning("reconciliation: {}", self.error)
            return
        self.error = None
        self.checked_at = time.time()
        self.checks += 1
        self.finding = finding
        problems = finding.problems(self.tolerance)
        reason = ("ledger disagrees with the broker: " + "; ".join(problems)
                  + " -- no new positions until they agree") if problems else None
        if reason and self.reason is None:  # journaled on the change only; status shows the figures now
            logger.error(reason)
            self._journal.record_risk_event(kind=FOUND, detail=reason)
        elif reason is None and self.reason is not None:
            logger.warning("ledger agrees with the broker again: new positions allowed")
            self._journal.record_risk_event(kind=CLEARED, detail="ledger agrees with the broker again")
        self.reason = reason

    def blocked(self) -> str | None:
        return self.reason

    def status(self) -> dict[str, Any]:
        f = self.finding
        diff = (f.broker_balance - f.ledger_balance
                if f.broker_balance is not None and f.ledger_balance is not None else None)
        return {"ok": self.reason is None, "halted": self.reason is not None, "reason": self.reason,
                "error": self.error, "checked_at": self.checked_at, "checks": self.checks,
                "interval_seconds": self.interval, "ledger_balance": fl(f.ledger_balance),
                "broker_balance": fl(f.broker_balance), "difference": fl(diff if diff is not None else None),
                "missing_at_broker": list(f.missing_at_broker), "unknown_to_ledger": list(f.unknown_to_ledger),
                "different_contracts": list(f.different_contracts)}

