"""The journal's row writers: the INSERT/UPDATE statements of a batch, a broker answer and a
settlement, each run on a connection inside a transaction :class:`liveswap.journal.store.Journal`
opened (the transaction, and so the fsync order, stays the Journal's)."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable
from typing import Any

from liveswap.journal.rows import DecisionRow, FillRow, OrderRow, SettlementRow
from liveswap.money import ZERO, opt_micros, to_micros


def insert_batch(db: sqlite3.Connection, batch_end: int, candles: Iterable[Any], decisions: Iterable[DecisionRow],
                 orders: Iterable[OrderRow], *, now: float, delivered_fills: Iterable[str],
                 delivered_settlements: Iterable[str]) -> None:
    """A batch's candles, decisions and orders, and which fills/settlements went with it."""
    db.executemany(
        "INSERT OR IGNORE INTO candles (market, start, end_ts, data) VALUES (?, ?, ?, ?)",
        [(c.market, c.start, c.end, json.dumps(c.to_dict())) for c in candles],
    )
    db.executemany(
        "INSERT INTO decisions (market, candle_start, batch_end, strategy, version, intents, rejected,"
        " fault, decided_at, lease_revision) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(d.market, d.candle_start, batch_end, d.strategy, d.version, json.dumps(d.intents),
          json.dumps(d.rejected), d.fault, now, d.lease_revision) for d in decisions],
    )
    db.executemany(
        "INSERT INTO orders (client_order_id, batch_end, market, candle_market, candle_start, intent_index,"
        " side, stake_micros, max_price_micros, price_micros, window_start, window_end, strategy, version,"
        " tag, status, reason, created_at, updated_at, lease_revision)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(o.client_order_id, batch_end, o.market, o.candle_market, o.candle_start, o.intent_index, o.side,
          to_micros(o.stake), opt_micros(o.max_price), to_micros(o.price), o.window_start, o.window_end,
          o.strategy, o.version, o.tag, o.status, o.reason, now, now, o.lease_revision) for o in orders],
    )
    db.executemany("UPDATE fills SET delivered_batch=? WHERE client_order_id=?",
                   [(batch_end, i) for i in delivered_fills])
    db.executemany("UPDATE settlements SET delivered_batch=? WHERE client_order_id=?",
                   [(batch_end, i) for i in delivered_settlements])


def update_order(db: sqlite3.Connection, client_order_id: str, status: str, reason: str, venue_order_id: str,
                 fill: FillRow | None) -> None:
    """One broker answer: the order's status, and its fill if it filled."""
    db.execute(
        "UPDATE orders SET status=?, reason=?, venue_order_id=?, updated_at=? WHERE client_order_id=?",
        (status, reason, venue_order_id, time.time(), client_order_id),
    )
    if fill is not None:
        db.execute(
            "INSERT OR IGNORE INTO fills (client_order_id, ts, market, side, stake_micros, price_micros,"
            " contracts_micros, cost_micros, fee_micros, window_start, window_end, version)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (fill.client_order_id, fill.ts, fill.market, fill.side, to_micros(fill.stake), to_micros(fill.price),
             to_micros(fill.shares), to_micros(fill.cost or ZERO), to_micros(fill.fee), fill.window_start,
             fill.window_end, fill.version),
        )


def insert_settlements(db: sqlite3.Connection, rows: Iterable[SettlementRow]) -> list[SettlementRow]:
    """Insert settlements; returns those that were new (a venue may report one twice)."""
    fresh: list[SettlementRow] = []
    for s in rows:
        cur = db.execute(
            "INSERT OR IGNORE INTO settlements (client_order_id, ts, market, side, won, payout_micros,"
            " pnl_micros, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (s.client_order_id, s.ts, s.market, s.side, int(s.won), to_micros(s.payout), to_micros(s.pnl),
             s.version),
        )
        if cur.rowcount:
            fresh.append(s)
    return fresh
