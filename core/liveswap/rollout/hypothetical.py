"""A shadow candidate's book: its intents filled hypothetically, then settled like real bets.

Nothing here reaches a broker. Each validated intent goes through the host's own risk check
(:func:`liveswap.engine.risk.check_intent`, against this book's hypothetical balance and
positions) and is filled by the one fill model (:func:`liveswap.brokers.fills.fill`): on paper
against :func:`~liveswap.brokers.fills.paper_book` (the contract price the active version saw,
exactly as the paper broker fills), on a venue as the active version's broker would fill it on the
book the feed saw for that window at decision time (``books``: the broker's own plan, the book's
levels, partial fills, the venue's fee; see :func:`shadow_fills`). It settles by
the same resolution as the real bets of that market and window when there are any (``resolution``:
the venue's own outcome, waited for while a real bet there is still open), else by the one
settlement rule (:func:`liveswap.brokers.fills.side_won`) when its window's candle is known.
Every amount is an exact ``Decimal`` (journaled as micro-units, like real fills), kept
in an ordinary :class:`~liveswap.engine.ledger.Ledger`, so a hypothetical fill or settlement
moves balance and PnL exactly as a real one would.

Hypothetical order ids start with ``hy-`` (real ones with ``ls-``) and are deterministic, like
real ones: re-deciding a candle after a crash finds the order already in the journal.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any, Literal

from liveswap.api import Candle, Intent
from liveswap.brokers import OrderRequest, SimFill, fill, paper_book, side_won
from liveswap.engine import FEE_ALLOWANCE, Ledger, check_intent, client_order_id
from liveswap.journal import FillRow
from liveswap.markets import Market
from liveswap.money import ONE, ZERO, Amount, dec, opt_dec
from liveswap.settings import PaperSettings, RiskLimits

OutcomeLookup = Callable[[str, int], Candle | None]
Filler = Callable[[OrderRequest], SimFill]
BookLookup = Callable[[str, int], Filler | None]
"""``(market, window_start) -> how the active version's broker would fill an order on the book the
feed saw for that window at decision time`` (None: the paper model at the price the engine saw)."""
Resolution = Callable[[str, int], tuple[bool, str | None]]
"""``(market, window_start) -> (a real bet exists there, the side that won it or None while open)``."""
HypoStatus = Literal["filled", "rejected", "refused"]


def shadow_fills(feed: object, broker: object) -> BookLookup | None:
    """The shadow's fills on a venue: ``broker.simulate(order, quote)`` on the quote ``feed.seen_quote``
    kept for the window (the venue feeds and venue brokers have both); None (paper) otherwise."""
    seen = getattr(feed, "seen_quote", None)
    simulate = getattr(broker, "simulate", None)
    if seen is None or simulate is None:
        return None

    def lookup(market: str, window_start: int) -> Filler | None:
        quote = seen(market, window_start)
        return None if quote is None else (lambda order: simulate(order, quote))

    return lookup


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
    stake: Decimal
    max_price: Decimal | None
    quote: Decimal | None  # the contract price the active version saw
    window_start: int
    window_end: int
    status: HypoStatus
    reason: str = ""
    price: Decimal = ZERO
    shares: Decimal = ZERO  # whole contracts
    fee: Decimal = ZERO
    tag: str = ""
    cost: Decimal = ZERO  # price x shares

    def __post_init__(self) -> None:
        for name in ("stake", "price", "shares", "fee", "cost"):
            object.__setattr__(self, name, dec(getattr(self, name)))
        for name in ("max_price", "quote"):
            object.__setattr__(self, name, opt_dec(getattr(self, name)))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class HypoSettlement:
    order_id: str
    spec: str
    market: str
    side: str
    won: bool
    payout: Decimal
    pnl: Decimal
    ts: int
    fee: Decimal = ZERO

    def __post_init__(self) -> None:
        for name in ("payout", "pnl", "fee"):
            object.__setattr__(self, name, dec(getattr(self, name)))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class HypotheticalBook:
    """The candidate's own hypothetical balance and positions."""

    def __init__(self, *, name: str, version: str, paper: PaperSettings, balance: Amount,
                 markets: dict[str, Market], books: BookLookup | None = None,
                 resolution: Resolution | None = None) -> None:
        self.name, self.version = name, version
        self.spec = f"{name}=={version}"
        self._paper = paper
        self._markets = markets
        self._books = books
        self._resolution = resolution
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
        pending_stake, pending_count = ZERO, 0
        for candle, intents in zip(candles, decided, strict=True):
            for index, intent in enumerate(intents):
                up = prices.get(intent.market)
                quote = None if up is None else (dec(up) if intent.side == "up" else ONE - dec(up))
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
                request = OrderRequest(order_id, intent.market, intent.side, dec(intent.stake), batch_end,
                                       batch_end + market.seconds, quote, opt_dec(intent.max_price), batch_end)
                seen = None if self._books is None else self._books(intent.market, batch_end)
                filled = fill(request, paper_book(quote), self._paper) if seen is None else seen(request)
                order = HypoOrder(**base, status=filled.status, reason=filled.reason,  # type: ignore[arg-type]
                                  price=filled.price, shares=filled.contracts, fee=filled.fee, cost=filled.cost)
                orders.append(order)
                if filled.status == "filled":
                    self.ledger.apply_fill(_fill_row(order, self.spec))
                    pending_stake += dec(intent.stake) * FEE_ALLOWANCE
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
            decided = self._decided(pos.market, pos.window_start, pos.window_end, pos.side, by_window, outcome)
            if decided is None:
                continue
            won, ts = decided
            row = self.ledger.settlement_for(pos.client_order_id, won, pos.shares if won else ZERO, ts)
            assert row is not None
            self.ledger.apply_settlement(row)
            out.append(HypoSettlement(row.client_order_id, self.spec, row.market, row.side, row.won, row.payout,
                                      row.pnl, row.ts, pos.fee))
        return out

    def _decided(self, market: str, window_start: int, window_end: int, side: str,
                 by_window: dict[tuple[str, int], Candle], outcome: OutcomeLookup | None) -> tuple[bool, int] | None:
        """``(won, ts)`` of a bet, or None while its window is not resolved: the real bets' resolution
        of that window if there are real bets on it, else the settlement rule on its candle."""
        candle = by_window.get((market, window_start))
        if candle is None and outcome is not None:
            candle = outcome(market, window_start)
        real = None if self._resolution is None else self._resolution(market, window_start)
        if real is not None and real[0]:
            if real[1] is None:
                return None  # a real bet there is still open: settle with it, by the venue's outcome
            return side == real[1], window_end
        if candle is None:
            return None
        return side_won(candle, side), candle.end

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
                   order.shares, order.fee, order.window_start, order.window_end, spec, cost=order.cost)
