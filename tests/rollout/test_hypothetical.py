"""Hypothetical fills: priced and settled exactly as the paper broker and the ledger would do it."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from liveswap.api.types import Candle, Intent
from liveswap.brokers.base import OrderRequest
from liveswap.brokers.paper import PaperBroker
from liveswap.engine.ledger import Ledger
from liveswap.feeds.synthetic import SyntheticFeed
from liveswap.journal.store import FillRow
from liveswap.markets import Market
from liveswap.rollout.hypothetical import HypotheticalBook
from liveswap.settings import PaperSettings, RiskLimits

MARKETS = ["BTC-5m", "ETH-5m", "BTC-15m"]
SPECS = {m: Market.parse(m) for m in MARKETS}
T0 = 1_767_225_600  # 2026-01-01 00:00 UTC, a 15-minute boundary


def _book(balance: float = 1000.0, paper: PaperSettings | None = None) -> HypotheticalBook:
    return HypotheticalBook(name="m", version="2.0.0", paper=paper or PaperSettings(), balance=balance,
                            markets=SPECS)


def _candle(market: str, start: int, *, up_price: float, open_: float = 100.0, close: float = 101.0) -> Candle:
    sec = SPECS[market].seconds
    return Candle(market, SPECS[market].timeframe, start, start + sec, open_, max(open_, close), min(open_, close),
                  close, 1.0, up_price)


def test_fill_at_the_quote_plus_slippage_with_the_paper_fee() -> None:
    book = _book()
    candle = _candle("BTC-5m", T0 - 300, up_price=0.40)
    [order] = book.place(batch_end=T0, candles=[candle], decided=[[Intent("BTC-5m", "down", 5.0)]],
                         limits=RiskLimits())
    assert order.status == "filled" and order.quote == Decimal("0.6") and order.price == Decimal("0.61")
    assert order.shares == 8 and order.cost == Decimal("4.88")  # whole contracts: floor(5 / 0.61)
    assert order.fee == Decimal("0.14")  # ceil(0.07 * 8 * 0.61 * 0.39 * 100) / 100
    assert order.order_id.startswith("hy-") and order.spec == "m==2.0.0"
    assert book.ledger.balance == Decimal("1000") - Decimal("4.88") - Decimal("0.14")


def test_a_stake_that_buys_no_whole_contract_is_rejected_like_the_paper_broker() -> None:
    book = _book()
    [order] = book.place(batch_end=T0, candles=[_candle("BTC-5m", T0 - 300, up_price=0.70)],
                         decided=[[Intent("BTC-5m", "up", 0.5)]], limits=RiskLimits())
    assert order.status == "rejected" and "buys no whole contract" in order.reason
    assert book.ledger.positions == {} and book.ledger.balance == 1000


def test_risk_refusals_and_price_rejections_are_recorded_not_filled() -> None:
    book = _book()
    candles = [_candle("BTC-5m", T0 - 300, up_price=0.5), _candle("ETH-5m", T0 - 300, up_price=0.5)]
    orders = book.place(batch_end=T0, candles=candles, decided=[
        [Intent("BTC-5m", "up", 9.0), Intent("BTC-5m", "up", 1.0, max_price=0.5)],
        [Intent("ETH-5m", "up", 1.0), Intent("ETH-5m", "down", 1.0)],
    ], limits=RiskLimits(max_open_positions=1))
    assert [o.status for o in orders] == ["refused", "rejected", "filled", "refused"]
    assert "exceeds the cap" in orders[0].reason
    assert "above max_price" in orders[1].reason
    assert "max open positions" in orders[3].reason
    assert len(book.ledger.positions) == 1


def test_paused_markets_are_honoured_like_the_active_version() -> None:
    book = _book()
    [order] = book.place(batch_end=T0, candles=[_candle("BTC-5m", T0 - 300, up_price=0.5)],
                         decided=[[Intent("BTC-5m", "up", 1.0)]], limits=RiskLimits(),
                         paused_markets=frozenset({"BTC-5m"}))
    assert order.status == "refused" and "paused" in order.reason


def test_settles_when_the_window_closes_win_and_loss() -> None:
    book = _book()
    book.place(batch_end=T0, candles=[_candle("BTC-5m", T0 - 300, up_price=0.5)],
               decided=[[Intent("BTC-5m", "up", 2.0), Intent("BTC-5m", "down", 2.0)]], limits=RiskLimits())
    assert book.settle(now=T0 + 299, candles=[]) == []
    window = _candle("BTC-5m", T0, up_price=0.5, open_=100.0, close=100.0)  # a tie goes to "up"
    settled = book.settle(now=T0 + 300, candles=[window])
    assert sorted((s.side, s.won) for s in settled) == [("down", False), ("up", True)]
    up = next(s for s in settled if s.won)
    assert up.payout == 3 and up.ts == T0 + 300  # floor(2 / 0.51) whole contracts at $1 each
    assert up.pnl == 3 - Decimal("1.53") - up.fee
    assert book.ledger.positions == {}
    assert book.settle(now=T0 + 600, candles=[window]) == []


def test_outcome_lookup_settles_windows_not_in_the_batch() -> None:
    book = _book()
    book.place(batch_end=T0, candles=[_candle("BTC-15m", T0 - 900, up_price=0.5)],
               decided=[[Intent("BTC-15m", "down", 1.0)]], limits=RiskLimits())
    seen: list[tuple[str, int]] = []

    def lookup(market: str, start: int) -> Candle | None:
        seen.append((market, start))
        return _candle(market, start, up_price=0.5, close=99.0)

    [s] = book.settle(now=T0 + 900, candles=[], outcome=lookup)
    assert s.won and seen == [("BTC-15m", T0)]


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 10_000), stake=st.floats(0.5, 5.0), slippage=st.floats(0.0, 0.05),
       every=st.integers(1, 4))
def test_identical_to_the_paper_broker_and_ledger(tmp_path_factory, seed: int, stake: float, slippage: float,
                                                  every: int) -> None:
    """Trading the same intents for real (paper broker + ledger) and hypothetically gives the same money."""
    paper = PaperSettings(slippage=slippage)
    broker = PaperBroker(Path(tmp_path_factory.mktemp("p")) / "paper.sqlite", paper)
    real = Ledger(deposits=1000.0, balance=1000.0)
    book = _book(paper=paper)
    feed = SyntheticFeed(MARKETS, seed=seed)
    limits = RiskLimits(max_open_positions=100, daily_loss_limit=1000.0)
    for k, batch_end in enumerate(range(T0 + 900, T0 + 900 + 300 * 40, 300)):
        candles = feed.closed_candles(batch_end - 300, batch_end)
        due = [p.client_order_id for p in real.positions.values() if p.window_end <= batch_end]
        for rep in broker.settlements(batch_end, candles, due):
            row = real.settlement_for(rep.client_order_id, rep.won, rep.payout, rep.ts)
            assert row is not None
            real.apply_settlement(row)
        hypo_settled = book.settle(now=batch_end, candles=candles)
        assert len(hypo_settled) == len(due)
        decided = [[Intent(c.market, "up" if (c.close > c.open) == (k % 2 == 0) else "down", stake)]
                   if k % every == 0 else [] for c in candles]
        for order in book.place(batch_end=batch_end, candles=candles, decided=decided, limits=limits):
            assert order.status in ("filled", "rejected") and order.quote is not None
            result = broker.submit(OrderRequest(order.order_id, order.market, order.side, order.stake,  # type: ignore[arg-type]
                                                order.window_start, order.window_end, order.quote,
                                                order.max_price, batch_end))
            assert result.status == order.status
            if result.status != "filled":
                continue
            assert (result.price, result.shares, result.cost, result.fee) == (order.price, order.shares,
                                                                              order.cost, order.fee)
            real.apply_fill(FillRow(order.order_id, batch_end, order.market, order.side, order.stake, result.price,
                                    result.shares, result.fee, order.window_start, order.window_end, "m==2.0.0",
                                    cost=result.cost))
        assert book.ledger.balance == real.balance  # exact: both Decimal
        assert book.ledger.realized_pnl == real.realized_pnl
    broker.close()


def test_restore_from_rows_rebuilds_the_same_book() -> None:
    book = _book()
    orders = book.place(batch_end=T0, candles=[_candle("BTC-5m", T0 - 300, up_price=0.45),
                                               _candle("ETH-5m", T0 - 300, up_price=0.55)],
                        decided=[[Intent("BTC-5m", "up", 3.0)], [Intent("ETH-5m", "down", 2.0)]],
                        limits=RiskLimits())
    settled = book.settle(now=T0 + 300, candles=[_candle("BTC-5m", T0, up_price=0.5, close=102.0)])
    again = _book()
    again.restore(orders, settled)
    assert again.ledger.balance == book.ledger.balance
    assert set(again.ledger.positions) == set(book.ledger.positions)
    assert again.ledger.realized_pnl == book.ledger.realized_pnl


def test_on_a_venue_the_shadow_pays_the_book_the_feed_saw_and_settles_by_the_real_bets_resolution() -> None:
    from liveswap.brokers.fills import fill, venue_book

    real: dict[tuple[str, int], tuple[bool, str | None]] = {("BTC-5m", T0): (True, None)}
    asks, flat = venue_book([(0.60, 4), (0.70, 100)], 0.60), PaperSettings(slippage=0.0)
    book = HypotheticalBook(name="m", version="2.0.0", paper=PaperSettings(slippage=0.0), balance=1000.0,
                            markets=SPECS, books=lambda m, w: lambda order: fill(order, asks, flat),
                            resolution=lambda m, w: real.get((m, w), (False, None)))
    candle = _candle("BTC-5m", T0 - 300, up_price=0.40)  # the last trade says 0.40; the ask book says 0.60+
    [order] = book.place(batch_end=T0, candles=[candle], decided=[[Intent("BTC-5m", "up", 5.0)]],
                         limits=RiskLimits())
    assert order.status == "filled" and order.shares == 7  # 4 at 0.60 + 3 at 0.70: never the last price
    assert order.cost == Decimal("4.50")
    up_closed = _candle("BTC-5m", T0, up_price=0.5, open_=100.0, close=101.0)  # the candle says "up"
    assert book.settle(now=T0 + 300, candles=[up_closed]) == []  # the real bet there is still open: wait
    real[("BTC-5m", T0)] = (True, "down")  # the venue resolved it "down" (its oracle, not our candle)
    [settled] = book.settle(now=T0 + 300, candles=[up_closed])
    assert not settled.won and settled.pnl < 0
