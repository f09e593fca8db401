"""A shadow candidate's book: its intents filled hypothetically, then settled like real bets.

Nothing here reaches a broker. Each validated intent goes through the host's own risk check
(:func:`liveswap.engine.risk.check_intent`, against this book's hypothetical balance and
positions), is priced by the paper model (:func:`liveswap.brokers.paper.paper_fill`: the same
contract price the active version saw, plus slippage, plus the taker fee), and settles by the
paper rule (:func:`liveswap.brokers.paper.side_won`) when its window's candle is known. Money is
kept in an ordinary :class:`~liveswap.engine.ledger.Ledger`, so a hypothetical fill or settlement
moves balance and PnL exactly as a real one would.

Hypothetical order ids start with ``hy-`` (real ones with ``ls-``) and are deterministic, like
real ones: re-deciding a candle after a crash finds the order already in the journal.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

from liveswap.api.types import Candle, Intent
from liveswap.brokers.base import OrderRequest
from liveswap.brokers.paper import paper_fill, side_won
from liveswap.engine.ledger import Ledger
from liveswap.engine.order_ids import client_order_id
from liveswap.engine.risk import check_intent
from liveswap.journal.store import FillRow
from liveswap.markets import Market
from liveswap.settings import PaperSettings, RiskLimits

OutcomeLookup = Callable[[str, int], Candle | None]
HypoStatus = Literal["filled", "rejected", "refused"]


def hypothetical_order_id(name: str, version: str, market: str, candle_start: int, index: int) -> str:
    return "hy-" + client_order_id(name, version, market, candle_start, index).removeprefix("ls-")


@dataclass(frozen=True, slots=True)
class HypoOrder:
    """One hypothetical order: ``refused`` by risk, ``rejected`` by the paper model, or ``filled``."""

    order_id: str
    spec: str  # NAME==VERSION
    batch_end: int
    market: str
    candle_start: int
    side: str
    stake: float
    max_price: float | None
    quote: float | None  # the contract price the active version saw
    window_start: int
    window_end: int
    status: HypoStatus
    reason: str = ""
    price: float = 0.0
    shares: float = 0.0
    fee: float = 0.0
    tag: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class HypoSettlement:
    order_id: str
    spec: str
    market: str
    side: str
    won: bool
    payout: float
    pnl: float
    ts: int
    fee: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class HypotheticalBook:
    """The candidate's own hypothetical balance and positions."""

    def __init__(self, *, name: str, version: str, paper: PaperSettings, balance: float,
                 markets: dict[str, Market]) -> None:
        self.name, self.version = name, version
        self.spec = f"{name}=={version}"
        self._paper = paper
        self._markets = markets
        self.ledger = Ledger(deposits=balance, balance=balance)

    def open_in(self, market: str) -> list[dict[str, Any]]:
        """This book's open positions in ``market`` (the candidate's ``Context.open_positions``)."""
        return self.ledger.open_in(market)

    def place(self, *, batch_end: int, candles: Sequence[Candle], decided: Sequence[Sequence[Intent]],
              limits: RiskLimits, paused: bool = False, paused_markets: frozenset[str] = frozenset()
              ) -> list[HypoOrder]:
        """Fill the intents decided for ``candles`` (one list per candle) hypothetically."""
        prices = {c.market: c.up_price for c in candles}
        orders: list[HypoOrder] = []
        pending_stake, pending_count = 0.0, 0
        for candle, intents in zip(candles, decided, strict=True):
            for index, intent in enumerate(intents):
                up = prices.get(intent.market)
                quote = None if up is None else (up if intent.side == "up" else round(1.0 - up, 6))
                market = self._markets[intent.market]
                order_id = hypothetical_order_id(self.name, self.version, candle.market, candle.start, index)
                base = dict(order_id=order_id, spec=self.spec, batch_end=batch_end, market=intent.market,
                            candle_start=candle.start, side=intent.side, stake=intent.stake,
                            max_price=intent.max_price, quote=quote, window_start=batch_end,
                            window_end=batch_end + market.seconds, tag=intent.tag)
                refusal = check_intent(intent, limits=limits, ledger=self.ledger, pending_stake=pending_stake,
                                       pending_count=pending_count, ts=batch_end, paused=paused,
                                       paused_markets=set(paused_markets), price=quote)
                if refusal is not None:
                    orders.append(HypoOrder(**base, status="refused", reason=refusal))  # type: ignore[arg-type]
                    continue
                assert quote is not None
                status, reason, price, shares, fee = paper_fill(OrderRequest(
                    order_id, intent.market, intent.side, intent.stake, batch_end, batch_end + market.seconds,
                    quote, intent.max_price, batch_end), self._paper)
                order = HypoOrder(**base, status=status, reason=reason, price=price,  # type: ignore[arg-type]
                                  shares=shares, fee=fee)
                orders.append(order)
                if status == "filled":
                    self.ledger.apply_fill(_fill_row(order, self.spec))
                    pending_stake += intent.stake * 1.1
                    pending_count += 1
        return orders

    def settle(self, *, now: int, candles: Sequence[Candle], outcome: OutcomeLookup | None = None
               ) -> list[HypoSettlement]:
        """Settle every open hypothetical bet whose window has ended by ``now`` and is known."""
        by_window = {(c.market, c.start): c for c in candles}
        out: list[HypoSettlement] = []
        for pos in sorted(self.ledger.positions.values(), key=lambda p: (p.window_end, p.client_order_id)):
            if pos.window_end > now:
                continue
            candle = by_window.get((pos.market, pos.window_start))
            if candle is None and outcome is not None:
                candle = outcome(pos.market, pos.window_start)
            if candle is None:
                continue
            won = side_won(candle, pos.side)
            row = self.ledger.settlement_for(pos.client_order_id, won, round(pos.shares, 6) if won else 0.0,
                                             candle.end)
            assert row is not None
            self.ledger.apply_settlement(row)
            out.append(HypoSettlement(row.client_order_id, self.spec, row.market, row.side, row.won, row.payout,
                                      row.pnl, row.ts, pos.fee))
        return out

    def restore(self, orders: Sequence[HypoOrder], settlements: Sequence[HypoSettlement]) -> None:
        """Rebuild the book from journaled rows (after a restart)."""
        for order in orders:
            if order.status == "filled":
                self.ledger.apply_fill(_fill_row(order, self.spec))
        for s in settlements:
            row = self.ledger.settlement_for(s.order_id, s.won, s.payout, s.ts)
            if row is not None:
                self.ledger.apply_settlement(row)


def _fill_row(order: HypoOrder, spec: str) -> FillRow:
    return FillRow(order.order_id, order.batch_end, order.market, order.side, order.stake, order.price,
                   order.shares, order.fee, order.window_start, order.window_end, spec)
