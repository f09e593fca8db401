"""Deterministic client order ids: the same intent always gets the same id.

Derived from strategy name, version, the decided candle (market and start) and the intent's
index in that candle's output, so re-deciding a candle after a crash can never produce a second
order with a new id. In a fleet the lease revision (fencing token) the order was sent under is part
of it, so the venue's copy of an order names the lease it came from: a stale owner's order is
recognisable (it carries an older token than the market's current lease).
"""

from __future__ import annotations

import hashlib


def client_order_id(strategy: str, version: str, market: str, candle_start: int, index: int,
                    lease_revision: int | None = None) -> str:
    digest = hashlib.sha256(f"{strategy}|{version}|{market}|{candle_start}|{index}".encode()).hexdigest()
    if lease_revision is None:
        return f"ls-{digest[:24]}"
    return f"ls-{digest[:20]}-L{lease_revision}"


def lease_of(client_order_id: str) -> int | None:
    """The lease revision an order id carries (None: sent outside a fleet)."""
    _, sep, tail = client_order_id.rpartition("-L")
    return int(tail) if sep and tail.isdigit() else None
