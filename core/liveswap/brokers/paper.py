"""The paper broker (embedded default): simulated fills in whole contracts, exact bookkeeping.

* Fills and settlements follow the one model of :mod:`liveswap.brokers.fills` (shared with the
  live-paper broker, a shadow candidate and the backtest): a buy of ``stake`` USD on a side fills
  ``floor(stake / price)`` **whole contracts**, as a venue does, at the side's contract price plus
  ``slippage`` (never above 0.99, refused above the intent's ``max_price``); it costs
  ``contracts x price`` -- a $5 stake at 0.56 buys 8 contracts for $4.48 -- plus the taker fee of
  :mod:`liveswap.brokers.fees` on those contracts. A stake that buys no whole contract is refused.
* At the window's end it settles at $1 a contract if the side won: "up" wins when the window's
  close >= its open (ties go to "up", as on Polymarket's and Kalshi's up/down markets).
* Its book (``paper_book``) holds one row per client order id, so a second submit of the same id
  -- after a crash, say -- returns the first answer and never fills twice. Every ``submit`` call,
  a repeat included, is also appended to ``paper_submits`` (never updated or deleted) in the same
  transaction, so an audit can prove that no client order id was ever *sent* twice. The file is
  WAL with ``synchronous=NORMAL``: book and log survive a crash or ``kill -9`` of the host
  together (one transaction), and a power cut can only take the newest submits from both at
  once, as a simulated venue may -- never a send without its record. (An fsync per submit, ~4 ms
  here, made a 3000x torture host fall behind the clock; the journal, not this file, is the
  host's durable truth.)
* ``balance()`` and ``positions()`` answer from its own book (the engine reconciles with them).
  Amounts are integer micro-units on disk, ``Decimal`` in memory (:mod:`liveswap.money`); a
  book written by liveswap 1.0 (``paper_orders``, floats) is converted on open.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path

from liveswap.api import Candle
from liveswap.brokers.base import OrderRequest, OrderResult, SettlementReport
from liveswap.brokers.fills import Level, SimFill, fill, paper_book, side_won
from liveswap.money import from_micros, to_micros
from liveswap.settings import PaperSettings

OutcomeLookup = Callable[[str, int], Candle | None]
"""``(market, window_start) -> the window's candle`` once it has closed, else None."""

_DDL = """
CREATE TABLE IF NOT EXISTS paper_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS paper_book (
    client_order_id TEXT PRIMARY KEY, market TEXT NOT NULL, side TEXT NOT NULL, stake_micros INTEGER NOT NULL,
    window_start INTEGER NOT NULL, window_end INTEGER NOT NULL, status TEXT NOT NULL,
    price_micros INTEGER NOT NULL, contracts_micros INTEGER NOT NULL, cost_micros INTEGER NOT NULL,
    fee_micros INTEGER NOT NULL, reason TEXT NOT NULL, ts INTEGER NOT NULL,
    settled INTEGER NOT NULL DEFAULT 0, won INTEGER, payout_micros INTEGER, settled_ts INTEGER
);
CREATE INDEX IF NOT EXISTS paper_book_open ON paper_book (status, settled);
CREATE TABLE IF NOT EXISTS paper_submits (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, client_order_id TEXT NOT NULL, at REAL NOT NULL,
    outcome TEXT NOT NULL
);
"""

_FROM_V1 = """
INSERT OR IGNORE INTO paper_book SELECT client_order_id, market, side, CAST(ROUND(stake * 1000000) AS INTEGER),
    window_start, window_end, status, CAST(ROUND(price * 1000000) AS INTEGER),
    CAST(ROUND(shares * 1000000) AS INTEGER), CASE status WHEN 'filled' THEN CAST(ROUND(stake * 1000000) AS INTEGER)
    ELSE 0 END, CAST(ROUND(fee * 1000000) AS INTEGER), reason, ts, settled, won,
    CAST(ROUND(payout * 1000000) AS INTEGER), settled_ts FROM paper_orders;
DROP TABLE paper_orders;
"""


def exact_fill(order: OrderRequest, settings: PaperSettings) -> SimFill:
    """The paper model (:func:`liveswap.brokers.fills.fill` against :func:`~liveswap.brokers.fills.paper_book`):
    whole contracts at the price the engine saw plus slippage, ``max_price`` respected."""
    return fill(order, paper_book(order.price), settings)


class PaperBroker:
    """Implements :class:`~liveswap.brokers.base.Broker`, ``BalanceSource`` and ``PositionSource``."""

    name = "paper"

    def __init__(self, path: Path, settings: PaperSettings, outcome: OutcomeLookup | None = None) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("BEGIN IMMEDIATE")
        try:
            for statement in _DDL.split(";"):
                if statement.strip():
                    self._db.execute(statement)
            old = self._db.execute("SELECT 1 FROM sqlite_master WHERE name='paper_orders'").fetchone()
            if old is not None:
                for statement in _FROM_V1.split(";"):
                    if statement.strip():
                        self._db.execute(statement)
            self._db.execute("INSERT OR IGNORE INTO paper_meta (key, value) VALUES ('starting_balance_micros', ?)",
                             (str(to_micros(settings.starting_balance)),))
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
        self.settings = settings
        self._outcome = outcome

    def _row(self, client_order_id: str) -> OrderResult | None:
        row = self._db.execute(
            "SELECT status, price_micros, contracts_micros, cost_micros, fee_micros, reason, ts FROM paper_book"
            " WHERE client_order_id=?", (client_order_id,),
        ).fetchone()
        if row is None:
            return None
        status, price, contracts, cost, fee, reason, ts = row
        return OrderResult(client_order_id, status, venue_order_id=f"paper-{client_order_id}",
                           price=from_micros(price), shares=from_micros(contracts), fee=from_micros(fee),
                           reason=reason, ts=ts, cost=from_micros(cost))

    def submit(self, order: OrderRequest, book: Sequence[Level] | None = None) -> OrderResult:
        """Fill ``order`` by the paper model, or against ``book`` (a venue's asks) when given."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            known = self._row(order.client_order_id)
            self._db.execute("INSERT INTO paper_submits (client_order_id, at, outcome) VALUES (?, ?, ?)",
                             (order.client_order_id, time.time(), "repeat" if known is not None else "new"))
            if known is None:
                f = exact_fill(order, self.settings) if book is None else fill(order, book, self.settings)
                self._db.execute(
                    "INSERT INTO paper_book (client_order_id, market, side, stake_micros, window_start, window_end,"
                    " status, price_micros, contracts_micros, cost_micros, fee_micros, reason, ts)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (order.client_order_id, order.market, order.side, to_micros(order.stake), order.window_start,
                     order.window_end, f.status, to_micros(f.price), to_micros(f.contracts), to_micros(f.cost),
                     to_micros(f.fee), f.reason, order.ts),
                )
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
        result = self._row(order.client_order_id)
        assert result is not None
        return result

    def lookup(self, client_order_id: str) -> OrderResult | None:
        return self._row(client_order_id)

    def balance(self) -> Decimal:
        start = int(self._db.execute(
            "SELECT value FROM paper_meta WHERE key='starting_balance_micros'").fetchone()[0])
        spent, paid = self._db.execute(
            "SELECT COALESCE(SUM(cost_micros + fee_micros), 0), COALESCE(SUM(CASE WHEN settled=1 THEN payout_micros"
            " ELSE 0 END), 0) FROM paper_book WHERE status='filled'").fetchone()
        return from_micros(start - spent + paid)

    def positions(self) -> dict[str, Decimal]:
        rows = self._db.execute("SELECT client_order_id, contracts_micros FROM paper_book"
                                " WHERE status='filled' AND settled=0").fetchall()
        return {coid: from_micros(n) for coid, n in rows}

    def settlements(self, now: int, closed: list[Candle], open_orders: list[str]) -> list[SettlementReport]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            reports = self._settle(now, closed, open_orders)
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
        return reports

    def _settle(self, now: int, closed: list[Candle], open_orders: list[str]) -> list[SettlementReport]:
        by_window = {(c.market, c.start): c for c in closed}
        reports: list[SettlementReport] = []
        for coid in open_orders:
            row = self._db.execute(
                "SELECT market, side, window_start, window_end, contracts_micros, settled, won, payout_micros,"
                " settled_ts FROM paper_book WHERE client_order_id=? AND status='filled'", (coid,),
            ).fetchone()
            if row is None or row[3] > now:
                continue
            market, side, window_start, _, contracts, settled, won_, payout_, settled_ts = row
            if settled:
                reports.append(SettlementReport(coid, won=bool(won_), payout=from_micros(payout_), ts=settled_ts))
                continue
            candle = by_window.get((market, window_start))
            if candle is None and self._outcome is not None:
                candle = self._outcome(market, window_start)
            if candle is None:
                continue  # the window's candle is not known yet: settle later
            won = side_won(candle, side)
            payout = contracts if won else 0
            self._db.execute(
                "UPDATE paper_book SET settled=1, won=?, payout_micros=?, settled_ts=? WHERE client_order_id=?",
                (int(won), payout, candle.end, coid),
            )
            reports.append(SettlementReport(coid, won=won, payout=from_micros(payout), ts=candle.end))
        return reports

    def close(self) -> None:
        self._db.close()
