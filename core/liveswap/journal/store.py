"""``Journal``: the SQLite journal every money movement goes through first.

Order of writes (what makes recovery exact):

1. a candle batch, its decisions and the orders they produce are committed in one transaction,
   orders with status ``new`` -- *before* anything is sent;
2. each broker answer updates the order (``filled``/``rejected``/``pending``) and inserts its
   fill in one transaction -- *before* the strategy hears of the fill;
3. settlements are committed before the strategy hears of them.

After a crash, an order still ``new`` is reconciled with the broker by its client order id
(never blindly re-sent); ``pending``/``unknown`` orders are asked about during the run too.
Balance, positions and PnL are derived from these tables. Amounts are ``Decimal`` here and
integer micro-units on disk (:mod:`liveswap.money`). Beside it: the row types
(:mod:`liveswap.journal.rows`, re-exported here) and how a journal is opened, checked and
migrated (:mod:`liveswap.journal.opening`).
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from liveswap.journal.opening import open_journal_db
from liveswap.journal.rows import DecisionRow, FillRow, OrderRow, SettlementRow
from liveswap.journal.schema import OPEN_ORDER_STATUSES
from liveswap.journal.writes import insert_batch, insert_settlements, update_order
from liveswap.money import from_micros, to_micros

__all__ = ["DecisionRow", "FillRow", "Journal", "OrderRow", "SettlementRow"]  # the rows: liveswap.journal.rows


class Journal:
    """One open ``journal.sqlite``. Not thread-safe: the engine thread owns it."""

    def __init__(self, path: Path, *, batch_sync: str = "FULL") -> None:
        """``batch_sync``: the ``synchronous`` level of :meth:`write_batch` (FULL; NORMAL only to
        measure what the fsync costs, in ``benchmarks/bench_journal.py``)."""
        self.path = path
        self.batch_sync = batch_sync
        self._db = open_journal_db(path)
        self._sync = "FULL"

    @contextmanager
    def _tx(self, sync: str = "FULL") -> Iterator[sqlite3.Connection]:
        if sync != self._sync:
            self._db.execute(f"PRAGMA synchronous={sync}")
            self._sync = sync
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def close(self) -> None:
        self._db.close()

    # ---- writes ---------------------------------------------------------------------------

    def ensure_deposit(self, amount: Decimal | float, ts: int) -> None:
        """Record the starting balance once, on a new journal."""
        with self._tx() as db:
            if db.execute("SELECT 1 FROM ledger WHERE kind='deposit'").fetchone() is None:
                db.execute("INSERT INTO ledger (ts, kind, amount_micros, note) VALUES (?, 'deposit', ?, ?)",
                           (ts, to_micros(amount), "starting balance"))

    def write_batch(self, batch_end: int, candles: Iterable[Any], decisions: Iterable[DecisionRow],
                    orders: Iterable[OrderRow], *, delivered_fills: list[str] = (),  # type: ignore[assignment]
                    delivered_settlements: list[str] = ()) -> None:  # type: ignore[assignment]
        """Candles, their decisions, the resulting orders, and which fills/settlements the strategy
        was handed with this batch: one transaction, ``synchronous=FULL`` -- one fsync, before any
        of these orders is sent (see the schema)."""
        now = time.time()
        with self._tx(self.batch_sync) as db:
            insert_batch(db, batch_end, candles, decisions, orders, now=now, delivered_fills=delivered_fills,
                         delivered_settlements=delivered_settlements)

    def record_order_results(self, results: list[tuple[str, str, str, str, FillRow | None]]) -> None:
        """Broker answers ``(client_order_id, status, reason, venue_order_id, fill)``: one FULL commit."""
        if not results:
            return
        with self._tx("FULL") as db:
            for client_order_id, status, reason, venue_order_id, fill in results:
                update_order(db, client_order_id, status, reason, venue_order_id, fill)

    def record_settlements(self, rows: Iterable[SettlementRow]) -> list[SettlementRow]:
        """Insert settlements; returns those that were new (a venue may report one twice)."""
        with self._tx() as db:
            return insert_settlements(db, rows)

    def record_swap(self, *, kind: str, from_version: str | None, to_version: str, ok: bool, reason: str = "",
                    pause_ms: float | None = None, batch_end: int | None = None, sha256: str = "",
                    state: tuple[str, str] | None = None) -> None:
        """Every activation, rollback, restart and refusal. The newest ``ok`` row names the version a
        restart loads: this row *is* how the active version is persisted. ``state``: ``(mode, sentence)``,
        how the strategy's state crossed (``swap_states``), in the same transaction."""
        with self._tx() as db:
            cursor = db.execute(
                "INSERT INTO swaps (ts, kind, from_version, to_version, ok, reason, pause_ms, batch_end, sha256)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (time.time(), kind, from_version, to_version, int(ok), reason, pause_ms, batch_end, sha256),
            )
            if state is not None:
                db.execute("INSERT INTO swap_states (swap_id, mode, state) VALUES (?, ?, ?)",
                           (cursor.lastrowid, *state))

    def start_probation(self, *, spec: str, previous: str, batch_end: int | None) -> None:
        """``spec`` replaced ``previous`` and is on probation from ``batch_end`` on (any open one ends)."""
        with self._tx() as db:
            db.execute("UPDATE probations SET outcome='superseded', ended_at=? WHERE outcome IS NULL", (time.time(),))
            db.execute("INSERT INTO probations (ts, spec, previous, batch_end) VALUES (?, ?, ?, ?)",
                       (time.time(), spec, previous, batch_end))

    def end_probation(self, *, outcome: str, reason: str = "") -> None:
        """The open probation (if any) ended: ``passed``, ``rolled-back``, ``failed`` or ``host-died``."""
        with self._tx() as db:
            db.execute("UPDATE probations SET outcome=?, reason=?, ended_at=? WHERE outcome IS NULL",
                       (outcome, reason, time.time()))

    def open_probation(self) -> sqlite3.Row | None:
        """The probation a host was in when it stopped (outcome NULL), if any."""
        rows = self.query("SELECT * FROM probations WHERE outcome IS NULL ORDER BY id DESC LIMIT 1")
        return rows[0] if rows else None

    def count_host_death(self) -> int:
        """A host starts while a probation is open: one more death during it; returns the count."""
        with self._tx() as db:
            db.execute("UPDATE probations SET host_deaths = host_deaths + 1 WHERE outcome IS NULL")
        row = self.open_probation()
        return int(row["host_deaths"]) if row is not None else 0

    def probation_outcome(self, spec: str) -> sqlite3.Row | None:
        """The newest probation of ``spec``."""
        rows = self.query("SELECT * FROM probations WHERE spec=? ORDER BY id DESC LIMIT 1", (spec,))
        return rows[0] if rows else None

    def probations(self, limit: int = 100) -> list[sqlite3.Row]:
        return self.query("SELECT * FROM probations ORDER BY id DESC LIMIT ?", (limit,))

    def active_history(self) -> list[str]:
        """Versions that were active, newest first, each once (the first is the active one)."""
        rows = self.query("SELECT to_version FROM swaps WHERE ok=1 ORDER BY id DESC")
        seen: list[str] = []
        for (spec,) in rows:
            if spec not in seen:
                seen.append(spec)
        return seen

    def record_missed(self, *, market: str, candle_start: int, reason: str) -> bool:
        """A candle whose data never arrived (past the feed's deadline): recorded once, with why.
        Returns False if it was already recorded."""
        with self._tx() as db:
            cur = db.execute("INSERT OR IGNORE INTO missed_candles (market, candle_start, reason, recorded_at)"
                             " VALUES (?, ?, ?, ?)", (market, candle_start, reason, time.time()))
            return bool(cur.rowcount)

    def missed_candles(self, limit: int = 100) -> list[sqlite3.Row]:
        return self.query("SELECT * FROM missed_candles ORDER BY candle_start DESC, market LIMIT ?", (limit,))

    def record_risk_event(self, *, kind: str, detail: str, day: int | None = None,
                          generation: int | None = None) -> None:
        """A risk state change (daily loss limit tripped/resumed, a broker discrepancy found/cleared)."""
        with self._tx() as db:
            db.execute("INSERT INTO risk_events (ts, kind, day, generation, detail) VALUES (?, ?, ?, ?, ?)",
                       (time.time(), kind, day, generation, detail))

    def risk_events(self, kinds: tuple[str, ...], day: int | None = None) -> list[sqlite3.Row]:
        marks = ", ".join("?" * len(kinds))
        if day is None:
            return self.query(f"SELECT * FROM risk_events WHERE kind IN ({marks}) ORDER BY id", kinds)
        return self.query(f"SELECT * FROM risk_events WHERE kind IN ({marks}) AND day=? ORDER BY id", (*kinds, day))

    def last_control_generation(self) -> int:
        """The newest control generation any run of this home recorded (applied or refused), else 0."""
        row = self._db.execute("SELECT MAX(generation) FROM controls").fetchone()
        return int(row[0] or 0) if row else 0

    def record_control(self, *, generation: int, ok: bool, reason: str) -> None:
        with self._tx() as db:
            db.execute("INSERT INTO controls (generation, ts, ok, reason) VALUES (?, ?, ?, ?)",
                       (generation, time.time(), int(ok), reason))

    # ---- reads ----------------------------------------------------------------------------

    def query(self, sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        return self._db.execute(sql, args).fetchall()

    def first_batch_end(self) -> int | None:
        """The close time of the first batch ever decided in this home, or None."""
        row = self._db.execute("SELECT MIN(batch_end) FROM decisions").fetchone()
        return None if row is None or row[0] is None else int(row[0])

    def last_batch_end(self) -> int | None:
        row = self._db.execute("SELECT MAX(batch_end) FROM decisions").fetchone()
        return None if row[0] is None else int(row[0])

    def has_deposit(self) -> bool:
        return self._db.execute("SELECT 1 FROM ledger WHERE kind='deposit'").fetchone() is not None

    def deposits(self) -> Decimal:
        return from_micros(self._db.execute("SELECT COALESCE(SUM(amount_micros), 0) FROM ledger").fetchone()[0])

    def orders_with_status(self, status: str) -> list[sqlite3.Row]:
        return self.query("SELECT * FROM orders WHERE status=? ORDER BY batch_end, client_order_id", (status,))

    def open_orders(self) -> list[OrderRow]:
        """Orders sent or about to be, whose outcome is not known yet: exposure (see the schema)."""
        marks = ", ".join("?" * len(OPEN_ORDER_STATUSES))
        rows = self.query(f"SELECT * FROM orders WHERE status IN ({marks}) ORDER BY batch_end, client_order_id",
                          OPEN_ORDER_STATUSES)
        return [OrderRow.from_db(r) for r in rows]

    def candle_handled(self, market: str, candle_start: int) -> bool:
        """The candle was decided, or recorded missed: a feed offering it again (late) is not news."""
        row = self._db.execute("SELECT 1 FROM decisions WHERE market=? AND candle_start=? UNION ALL "
                               "SELECT 1 FROM missed_candles WHERE market=? AND candle_start=?",
                               (market, candle_start, market, candle_start)).fetchone()
        return row is not None

    def order_exists(self, client_order_id: str) -> bool:
        row = self._db.execute("SELECT 1 FROM orders WHERE client_order_id=?", (client_order_id,)).fetchone()
        return row is not None

    def order_strategies(self) -> dict[str, str]:
        """The strategy NAME of every filled order (figures are keyed by ``NAME==VERSION``)."""
        rows = self.query("SELECT o.client_order_id, o.strategy FROM orders o JOIN fills f"
                          " ON f.client_order_id = o.client_order_id")
        return {r[0]: r[1] for r in rows}

    def fills(self) -> list[sqlite3.Row]:
        return self.query("SELECT * FROM fills ORDER BY ts, client_order_id")

    def settlements(self) -> list[sqlite3.Row]:
        return self.query("SELECT * FROM settlements ORDER BY ts, client_order_id")

    def swaps(self, limit: int = 1000) -> list[sqlite3.Row]:
        return self.query("SELECT * FROM swaps ORDER BY id DESC LIMIT ?", (limit,))

    def candles_between(self, since: int, until: int) -> list[dict[str, Any]]:
        rows = self.query("SELECT data FROM candles WHERE end_ts > ? AND end_ts <= ? ORDER BY end_ts, market",
                          (since, until))
        return [json.loads(r[0]) for r in rows]

    def delivered_between(self, since: int, until: int) -> tuple[list[sqlite3.Row], list[sqlite3.Row]]:
        """Fills and settlements delivered to the strategy with batches in ``(since, until]``."""
        fills = self.query("SELECT * FROM fills WHERE delivered_batch > ? AND delivered_batch <= ?"
                           " ORDER BY delivered_batch, ts, client_order_id", (since, until))
        setts = self.query("SELECT * FROM settlements WHERE delivered_batch > ? AND delivered_batch <= ?"
                           " ORDER BY delivered_batch, ts, client_order_id", (since, until))
        return fills, setts

    def undelivered(self) -> tuple[list[sqlite3.Row], list[sqlite3.Row]]:
        fills = self.query("SELECT * FROM fills WHERE delivered_batch IS NULL ORDER BY ts, client_order_id")
        setts = self.query("SELECT * FROM settlements WHERE delivered_batch IS NULL ORDER BY ts, client_order_id")
        return fills, setts
