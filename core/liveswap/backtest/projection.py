"""What each batch of a run will look like to the strategy, settlements included, before it runs.

Inside a run of batches nothing new is bought (the run ends at the first batch that trades), so
what changes from batch to batch is only what *settles*: an open position settles in the batch
whose candles include its window's candle (the paper rule, :func:`liveswap.brokers.paper.side_won`,
$1 a contract if its side won). :class:`Projection` works that out ahead from the ledger's open
positions and the candles of the run, so one run can span settlements: for each batch it gives
the balance and open positions its contexts carry and the settlements ``on_settle`` hears first.

It is a forecast, never the booking: after the run the host books the same batches through the
engine's own ``settle_due`` and the paper broker, and :meth:`VersionReplay` checks that what was
booked is what was announced (a difference is a liveswap bug, raised at once).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import astuple, dataclass
from decimal import Decimal
from typing import Any

from liveswap.api import Candle
from liveswap.brokers import side_won
from liveswap.engine import Ledger, position_dict, to_settlement
from liveswap.journal import FillRow, SettlementRow
from liveswap.money import ZERO, fl, micro

Event = tuple[float, dict[str, list[dict[str, Any]]], list[tuple[Any, ...]]]
"""At a batch: the balance, the open positions of each market whose positions changed, the settlements."""


@dataclass(frozen=True, slots=True)
class Settled:
    """A settlement announced for a batch of the run (checked against the booking)."""

    client_order_id: str
    won: bool
    payout: Decimal
    pnl: Decimal
    ts: int

    @classmethod
    def of(cls, row: SettlementRow) -> Settled:
        return cls(row.client_order_id, row.won, row.payout, row.pnl, row.ts)


class Projection:
    """The ledger's balance and open positions carried forward through a run's batches."""

    def __init__(self, ledger: Ledger) -> None:
        self._balance = ledger.balance
        self._positions: dict[str, FillRow] = dict(ledger.positions)
        self.announced: dict[int, list[Settled]] = {}

    def step(self, index: int, end: int, rows: Sequence[tuple[Any, ...]]) -> Event | None:
        """Batch ``index`` of the run closing at ``end``: the event its contexts need, if anything settles."""
        due = [p for p in self._positions.values() if p.window_end == end]
        if not due:
            return None
        by_window = {(r[0], r[2]): r for r in rows}
        settled: list[SettlementRow] = []
        for pos in due:  # in the ledger's order, as settle_due asks the broker
            row = by_window.get((pos.market, pos.window_start))
            if row is None:
                continue  # its candle is missing: it stays open, as live
            won = side_won(Candle(*row), pos.side)
            payout = micro(pos.shares if won else ZERO)
            settled.append(SettlementRow(pos.client_order_id, row[3], pos.market, pos.side, won, payout,
                                         payout - pos.outlay, pos.version))
        if not settled:
            return None
        markets = {s.market for s in settled}
        for s in settled:
            del self._positions[s.client_order_id]
            self._balance += s.payout
        self.announced[index] = [Settled.of(s) for s in settled]
        positions = {m: [position_dict(p) for p in self._positions.values() if p.market == m] for m in markets}
        balance = fl(self._balance)
        assert balance is not None
        return balance, positions, [astuple(to_settlement(s)) for s in settled]
