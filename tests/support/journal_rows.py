"""Writing small, known journals through the real :class:`~liveswap.journal.Journal` API."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from liveswap.journal import Journal
from liveswap.journal.store import FillRow, OrderRow, SettlementRow


@dataclass(frozen=True, slots=True)
class Bet:
    strategy: str
    version: str
    ts: int  # settlement time (candle clock)
    pnl: float
    won: bool
    fee: float = 0.04
    stake: float = 1.0
    market: str = "BTC-5m"


def write_bets(path: Path, bets: list[Bet], deposit: float = 1000.0, first_id: int = 0) -> None:
    """A journal with ``deposit`` and, per bet, one order, its fill (300 s earlier) and its settlement
    (three transactions in all, so large journals are quick to make). Appending to an existing
    journal: pass ``first_id`` past the bets already written."""
    orders, results, settlements = [], [], []
    for i, b in enumerate(bets):
        oid = f"ls-test-{first_id + i:07d}"
        start = b.ts - 600
        orders.append(OrderRow(oid, b.market, b.market, start, 0, "up", b.stake, None, 0.5, start + 300, b.ts,
                               b.strategy, b.version, ""))
        fill = FillRow(oid, start + 300, b.market, "up", b.stake, 0.5, b.stake / 0.5, b.fee, start + 300, b.ts,
                       b.version)
        results.append((oid, "filled", "", "", fill))
        settlements.append(SettlementRow(oid, b.ts, b.market, "up", b.won, b.pnl + b.stake + b.fee, b.pnl, b.version))
    journal = Journal(path)
    try:
        journal.ensure_deposit(deposit, 0)
        journal.write_batch(max((b.ts for b in bets), default=0), [], [], orders)
        journal.record_order_results(results)
        journal.record_settlements(settlements)
    finally:
        journal.close()
