"""The durable record of every Polymarket order signed and sent (``state/polymarket_orders.sqlite``).

Polymarket has no client order id: the signed order itself is the idempotency key. Each is written
here (its EIP-712 hash, exact payload, market and fee rate) with ``synchronous=FULL`` before it is
posted, and its final result once known, so a resubmit after a crash finds and reuses it.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from liveswap.brokers import OrderResult

SCHEMA = """
CREATE TABLE IF NOT EXISTS sent (
    client_order_id TEXT PRIMARY KEY, order_hash TEXT NOT NULL, payload TEXT NOT NULL, slug TEXT NOT NULL,
    outcome TEXT NOT NULL, window_end INTEGER NOT NULL, fee_rate TEXT NOT NULL, result TEXT);
"""


@dataclass(frozen=True, slots=True)
class Sent:
    client_order_id: str
    order_hash: str
    payload: dict[str, Any]
    slug: str
    outcome: str  # up | down
    window_end: int
    fee_rate: Decimal


class SentOrders:
    """One open ``polymarket_orders.sqlite``; the broker's lock serialises its use."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")  # durable before the order is posted
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        self._db.close()

    def get(self, cid: str) -> tuple[Sent, OrderResult | None] | None:
        """The order sent under ``cid`` and its final result (None while pending), if any was sent."""
        row = self._db.execute("SELECT client_order_id, order_hash, payload, slug, outcome, window_end, fee_rate, "
                               "result FROM sent WHERE client_order_id=?", (cid,)).fetchone()
        if row is None:
            return None
        sent = Sent(row[0], row[1], json.loads(row[2]), row[3], row[4], row[5], Decimal(row[6]))
        return sent, (OrderResult(**json.loads(row[7])) if row[7] else None)

    def record(self, sent: Sent) -> None:
        self._db.execute("INSERT INTO sent VALUES (?, ?, ?, ?, ?, ?, ?, NULL)",
                         (sent.client_order_id, sent.order_hash, json.dumps(sent.payload), sent.slug, sent.outcome,
                          sent.window_end, str(sent.fee_rate)))

    def finish(self, result: OrderResult) -> OrderResult:
        """Keep ``result`` as the order's final answer unless it is still pending; returns it."""
        if result.status != "pending":
            self._db.execute("UPDATE sent SET result=? WHERE client_order_id=?",
                             (json.dumps(dataclasses.asdict(result), default=str), result.client_order_id))
        return result
