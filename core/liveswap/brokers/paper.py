"""The paper broker (embedded default): simulated fills at the contract price, real bookkeeping.

* A buy of ``stake`` USD on a side fills ``stake / price`` shares at the side's contract price
  plus ``slippage`` (never above 0.99, refused above the intent's ``max_price``), and pays the
  taker fee of :mod:`liveswap.brokers.fees`.
* At the window's end it settles at $1 a share if the side won: "up" wins when the window's
  close >= its open (ties go to "up", as on Polymarket's and Kalshi's up/down markets).
* It remembers every order in its own SQLite file, so a second submit of the same client order
  id -- after a crash, say -- returns the first answer and never fills twice. The file is in WAL
  mode with ``synchronous=NORMAL``: every order survives a crash or ``kill -9`` of the host; a
  power cut may lose the newest ones, as a simulated venue may (a real venue keeps its own book).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from liveswap.api.types import Candle
from liveswap.brokers.base import OrderRequest, OrderResult, SettlementReport
from liveswap.brokers.fees import taker_fee
from liveswap.settings import PaperSettings

MAX_FILL_PRICE = 0.99

OutcomeLookup = Callable[[str, int], Candle | None]
"""``(market, window_start) -> the window's candle`` once it has closed, else None."""

_DDL = """
CREATE TABLE IF NOT EXISTS paper_orders (
    client_order_id TEXT PRIMARY KEY, market TEXT NOT NULL, side TEXT NOT NULL, stake REAL NOT NULL,
    window_start INTEGER NOT NULL, window_end INTEGER NOT NULL, status TEXT NOT NULL,
    price REAL NOT NULL, shares REAL NOT NULL, fee REAL NOT NULL, reason TEXT NOT NULL, ts INTEGER NOT NULL,
    settled INTEGER NOT NULL DEFAULT 0, won INTEGER, payout REAL, settled_ts INTEGER
);
CREATE INDEX IF NOT EXISTS paper_open ON paper_orders (settled, window_end);
"""


def paper_fill(order: OrderRequest, settings: PaperSettings) -> tuple[Literal["filled", "rejected"], str, float,
                                                                       float, float]:
    """How the paper model fills ``order``: ``(status, reason, price, shares, fee)``.

    A pure function, shared by the paper broker and a candidate's hypothetical fills
    (:mod:`liveswap.rollout.hypothetical`), so both are priced alike.
    """
    price = round(min(MAX_FILL_PRICE, order.price + settings.slippage), 4)
    if not 0 < order.price < 1:
        return "rejected", f"no tradable price ({order.price})", 0.0, 0.0, 0.0
    if order.max_price is not None and price > order.max_price + 1e-12:
        return "rejected", f"price {price:.2f} above max_price {order.max_price:.2f}", 0.0, 0.0, 0.0
    shares = order.stake / price
    return "filled", "", price, shares, taker_fee(settings.fees, shares, price)


def side_won(candle: Candle, side: str) -> bool:
    """Whether a bet on ``side`` of ``candle``'s window won: "up" wins when close >= open (ties go up)."""
    up_won = candle.close >= candle.open
    return up_won if side == "up" else not up_won


class PaperBroker:
    name = "paper"

    def __init__(self, path: Path, settings: PaperSettings, outcome: OutcomeLookup | None = None) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_DDL)
        self.settings = settings
        self._outcome = outcome

    def _row(self, client_order_id: str) -> OrderResult | None:
        row = self._db.execute(
            "SELECT status, price, shares, fee, reason, ts FROM paper_orders WHERE client_order_id=?",
            (client_order_id,),
        ).fetchone()
        if row is None:
            return None
        status, price, shares, fee, reason, ts = row
        return OrderResult(client_order_id, status, venue_order_id=f"paper-{client_order_id}", price=price,
                           shares=shares, fee=fee, reason=reason, ts=ts)

    def submit(self, order: OrderRequest) -> OrderResult:
        known = self._row(order.client_order_id)
        if known is not None:
            return known
        status, reason, price, shares, fee = paper_fill(order, self.settings)
        self._db.execute(
            "INSERT INTO paper_orders (client_order_id, market, side, stake, window_start, window_end, status,"
            " price, shares, fee, reason, ts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (order.client_order_id, order.market, order.side, order.stake, order.window_start, order.window_end,
             status, price, shares, fee, reason, order.ts),
        )
        result = self._row(order.client_order_id)
        assert result is not None
        return result

    def lookup(self, client_order_id: str) -> OrderResult | None:
        return self._row(client_order_id)

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
                "SELECT market, side, window_start, window_end, shares, settled, won, payout, settled_ts"
                " FROM paper_orders WHERE client_order_id=? AND status='filled'", (coid,),
            ).fetchone()
            if row is None or row[3] > now:
                continue
            market, side, window_start, _, shares, settled, won_, payout_, settled_ts = row
            if settled:
                reports.append(SettlementReport(coid, won=bool(won_), payout=payout_, ts=settled_ts))
                continue
            candle = by_window.get((market, window_start))
            if candle is None and self._outcome is not None:
                candle = self._outcome(market, window_start)
            if candle is None:
                continue  # the window's candle is not known yet: settle later
            won = side_won(candle, side)
            payout = round(shares, 6) if won else 0.0
            self._db.execute(
                "UPDATE paper_orders SET settled=1, won=?, payout=?, settled_ts=? WHERE client_order_id=?",
                (int(won), payout, candle.end, coid),
            )
            reports.append(SettlementReport(coid, won=won, payout=payout, ts=candle.end))
        return reports

    def close(self) -> None:
        self._db.close()
