"""The journal's record of rollouts: candidates, their hypothetical orders, fills, settlements, snapshots.

Tables (schema version 3, :data:`liveswap.journal.schema.CANDIDATES_DDL`):

* ``candidates`` -- one row per shadow or canary: spec, mode, markets, the active version it was
  compared with, its analysis, and how it ended (promoted, rejected, replaced) with the verdict,
  the reason and the figures at that moment;
* ``hypothetical_orders`` -- every intent of a shadow candidate, attributed to ``NAME==VERSION``:
  refused by risk, rejected by the paper model, or filled (price, contracts, cost, fee) and later
  settled (won, payout, PnL) -- the same INTEGER micro-unit columns a real order, fill and
  settlement have (amounts are given and returned as exact ``Decimal``s, see :mod:`liveswap.money`);
* ``candidate_snapshots`` -- the candidate's exported strategy state and its rollout state (book
  cursor, figures, analysis) at a batch; only the newest is kept.

Every write is one ``synchronous=NORMAL`` transaction per batch: no money moves here. After a
crash the candidate resumes from its newest snapshot and the rows of later batches are discarded
(:func:`discard_after`), to be re-created identically when those batches are decided again.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Sequence
from typing import Any

from liveswap.journal.store import Journal
from liveswap.money import Amount, opt_micros, to_micros


def start(journal: Journal, *, spec: str, mode: str, markets: Sequence[str], active: str, generation: int,
          start_batch: int, analysis: dict[str, Any], auto_promote: bool, balance: Amount) -> int:
    """A new candidate starting after batch ``start_batch`` with a hypothetical ``balance``; any other
    still open is closed as ``replaced``. Returns its id."""
    with journal._tx("FULL") as db:
        db.execute("UPDATE candidates SET ended_at=?, outcome='replaced' WHERE ended_at IS NULL", (time.time(),))
        rowid = db.execute("SELECT COALESCE(MAX(rowid), 0) FROM settlements").fetchone()[0]
        cur = db.execute(
            "INSERT INTO candidates (spec, mode, markets, active, generation, start_batch, analysis, auto_promote,"
            " balance_micros, settlement_rowid, started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (spec, mode, json.dumps(list(markets)), active, generation, start_batch, json.dumps(analysis),
             int(auto_promote), to_micros(balance), int(rowid), time.time()))
        return int(cur.lastrowid or 0)


def candidate(journal: Journal, candidate_id: int) -> sqlite3.Row | None:
    rows = journal.query("SELECT * FROM candidates WHERE id=?", (candidate_id,))
    return rows[0] if rows else None


def by_generation(journal: Journal, generation: int) -> sqlite3.Row | None:
    """The candidate a control generation started, if any run of this home started it."""
    rows = journal.query("SELECT * FROM candidates WHERE generation=? ORDER BY id DESC LIMIT 1", (generation,))
    return rows[0] if rows else None


def open_candidate(journal: Journal) -> sqlite3.Row | None:
    """The candidate still running (not promoted, rejected or replaced), if any."""
    rows = journal.query("SELECT * FROM candidates WHERE ended_at IS NULL ORDER BY id DESC LIMIT 1")
    return rows[0] if rows else None


def end(journal: Journal, candidate_id: int, *, outcome: str, verdict: str, reason: str,
        figures: dict[str, Any]) -> None:
    """Close a candidate: ``outcome`` is promoted, rejected or replaced; the numbers are kept."""
    with journal._tx("FULL") as db:
        db.execute("UPDATE candidates SET ended_at=?, outcome=?, verdict=?, reason=?, figures=? WHERE id=?",
                   (time.time(), outcome, verdict, reason, json.dumps(figures), candidate_id))


def history(journal: Journal, limit: int = 100) -> list[sqlite3.Row]:
    return journal.query("SELECT * FROM candidates ORDER BY id DESC LIMIT ?", (limit,))


def record_batch(journal: Journal, candidate_id: int, *, batch_end: int, orders: Sequence[dict[str, Any]],
                 settlements: Sequence[dict[str, Any]], snapshot: tuple[str | None, str] | None) -> None:
    """One batch of a candidate: new hypothetical orders, settlements of earlier ones, and maybe a
    snapshot ``(strategy_state_json, rollout_state_json)``; one NORMAL transaction."""
    if not orders and not settlements and snapshot is None:
        return
    with journal._tx("NORMAL") as db:
        db.executemany(
            "INSERT OR REPLACE INTO hypothetical_orders (candidate_id, order_id, spec, batch_end, market,"
            " candle_start, side, stake_micros, max_price_micros, quote_micros, window_start, window_end, status,"
            " reason, price_micros, contracts_micros, cost_micros, fee_micros, tag)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(candidate_id, o["order_id"], o["spec"], o["batch_end"], o["market"], o["candle_start"], o["side"],
              to_micros(o["stake"]), opt_micros(o["max_price"]), opt_micros(o["quote"]), o["window_start"],
              o["window_end"], o["status"], o["reason"], to_micros(o["price"]), to_micros(o["shares"]),
              to_micros(o["cost"]), to_micros(o["fee"]), o["tag"]) for o in orders])
        db.executemany(
            "UPDATE hypothetical_orders SET settled_batch=?, won=?, payout_micros=?, pnl_micros=?, settled_ts=?"
            " WHERE candidate_id=? AND order_id=?",
            [(batch_end, int(s["won"]), to_micros(s["payout"]), to_micros(s["pnl"]), s["ts"], candidate_id,
              s["order_id"]) for s in settlements])
        if snapshot is not None:
            strategy_state, rollout_state = snapshot
            db.execute("INSERT OR REPLACE INTO candidate_snapshots (candidate_id, batch_end, strategy_state,"
                       " rollout_state, ts) VALUES (?, ?, ?, ?, ?)",
                       (candidate_id, batch_end, strategy_state, rollout_state, time.time()))
            db.execute("DELETE FROM candidate_snapshots WHERE candidate_id=? AND batch_end < ?",
                       (candidate_id, batch_end))


def latest_snapshot(journal: Journal, candidate_id: int) -> sqlite3.Row | None:
    rows = journal.query("SELECT * FROM candidate_snapshots WHERE candidate_id=? ORDER BY batch_end DESC LIMIT 1",
                         (candidate_id,))
    return rows[0] if rows else None


def discard_after(journal: Journal, candidate_id: int, batch_end: int) -> None:
    """Forget what the candidate did after ``batch_end`` (its snapshot): it will be decided again."""
    with journal._tx("NORMAL") as db:
        db.execute("DELETE FROM hypothetical_orders WHERE candidate_id=? AND batch_end > ?", (candidate_id, batch_end))
        db.execute("UPDATE hypothetical_orders SET settled_batch=NULL, won=NULL, payout_micros=NULL, pnl_micros=NULL,"
                   " settled_ts=NULL WHERE candidate_id=? AND settled_batch > ?", (candidate_id, batch_end))


def hypothetical_orders(journal: Journal, candidate_id: int) -> list[sqlite3.Row]:
    return journal.query("SELECT * FROM hypothetical_orders WHERE candidate_id=? ORDER BY batch_end, order_id",
                         (candidate_id,))


def batches_between(journal: Journal, since: int, until: int
                    ) -> list[tuple[int, list[dict[str, Any]], dict[str, str], set[str]]]:
    """``(batch_end, candles, {market: version that decided it}, versions that faulted)`` of every
    journaled batch in ``(since, until]``."""
    rows = journal.query(
        "SELECT c.end_ts, c.data, c.market, d.version, d.fault FROM candles c LEFT JOIN decisions d"
        " ON d.market = c.market AND d.candle_start = c.start"
        " WHERE c.end_ts > ? AND c.end_ts <= ? ORDER BY c.end_ts, c.market", (since, until))
    out: list[tuple[int, list[dict[str, Any]], dict[str, str], set[str]]] = []
    for end_ts, data, market, version, fault in rows:
        if not out or out[-1][0] != end_ts:
            out.append((int(end_ts), [], {}, set()))
        out[-1][1].append(json.loads(data))
        if version is not None:
            out[-1][2][market] = version
        if fault and version is not None:
            out[-1][3].add(version)
    return out


def settlements_after(journal: Journal, rowid: int, *, after_batch: int, until_batch: int
                      ) -> list[sqlite3.Row]:
    """Real settlements journaled after ``rowid`` of bets decided in batches after ``after_batch``
    (the batches the candidate decided too), delivered by ``until_batch``."""
    return journal.query(
        "SELECT s.rowid AS rowid, s.client_order_id, s.market, s.won, s.pnl_micros, s.version, s.ts, f.fee_micros"
        " FROM settlements s JOIN fills f ON f.client_order_id = s.client_order_id"
        " JOIN orders o ON o.client_order_id = s.client_order_id"
        " WHERE s.rowid > ? AND o.batch_end > ? AND s.ts <= ? ORDER BY s.rowid",
        (rowid, after_batch, until_batch))


MoneyRow = tuple[str, int, int, int, int | None]
"""``(market, window_start, batch_end, staked_micros, pnl_micros or None while open)`` of one fill."""


def real_money(journal: Journal, *, after_batch: int, until_batch: int, version: str) -> list[MoneyRow]:
    """Every real fill of ``version`` decided in a batch in ``(after_batch, until_batch]``: what it cost
    (price x contracts + fee) and its PnL once settled (None before)."""
    rows = journal.query(
        "SELECT f.market, f.window_start, o.batch_end, f.cost_micros + f.fee_micros, s.pnl_micros"
        " FROM fills f JOIN orders o ON o.client_order_id = f.client_order_id"
        " LEFT JOIN settlements s ON s.client_order_id = f.client_order_id"
        " WHERE o.batch_end > ? AND o.batch_end <= ? AND f.version = ? ORDER BY o.batch_end",
        (after_batch, until_batch, version))
    return [(str(r[0]), int(r[1]), int(r[2]), int(r[3]), None if r[4] is None else int(r[4])) for r in rows]


def hypothetical_money(journal: Journal, candidate_id: int, *, after_batch: int, until_batch: int
                       ) -> list[MoneyRow]:
    """The same for a shadow candidate's hypothetical fills."""
    rows = journal.query(
        "SELECT market, window_start, batch_end, cost_micros + fee_micros, pnl_micros FROM hypothetical_orders"
        " WHERE candidate_id=? AND status='filled' AND batch_end > ? AND batch_end <= ? ORDER BY batch_end",
        (candidate_id, after_batch, until_batch))
    return [(str(r[0]), int(r[1]), int(r[2]), int(r[3]), None if r[4] is None else int(r[4])) for r in rows]


def real_resolution(journal: Journal, market: str, window_start: int) -> tuple[bool, str | None]:
    """``(a real bet exists on that window, the side that won it or None while none has settled)``:
    a shadow's bet on the same window is settled by the same resolution as the real ones."""
    rows = journal.query(
        "SELECT f.side, s.won FROM fills f LEFT JOIN settlements s ON s.client_order_id = f.client_order_id"
        " WHERE f.market = ? AND f.window_start = ?", (market, window_start))
    for side, won in rows:
        if won is not None:
            return True, side if won else ("down" if side == "up" else "up")
    return bool(rows), None
