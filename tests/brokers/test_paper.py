"""Paper fills and settlements, checked against hand-computed figures."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest
from liveswap.api.types import Candle
from liveswap.brokers.base import OrderRequest
from liveswap.brokers.fees import taker_fee
from liveswap.brokers.paper import PaperBroker
from liveswap.settings import FeeModel, PaperSettings


def order(coid: str = "ls-1", side: str = "up", stake: float = 5.0, price: float = 0.50,
          max_price: float | None = None) -> OrderRequest:
    return OrderRequest(coid, "BTC-5m", side, stake, 1200, 1500, price, max_price, 1200)  # type: ignore[arg-type]


def window(open_: float, close: float) -> Candle:
    return Candle("BTC-5m", "5m", 1200, 1500, open_, max(open_, close), min(open_, close), close, 1.0, 0.5)


@pytest.mark.parametrize(
    ("contracts", "price", "fee"),
    [
        (100, 0.50, 1.75),   # 0.07*100*0.25 = 1.75 exactly
        (10, 0.50, 0.18),    # 0.175 rounds up to 0.18
        (1, 0.50, 0.02),     # 0.0175 -> 0.02
        (5, 0.35, 0.08),     # 0.079625 -> 0.08
        (9.8039, 0.51, 0.18),  # $5 at 0.51: 0.07*9.8039*0.51*0.49 = 0.1715 -> 0.18
    ],
)
def test_kalshi_taker_fee_rounds_up_to_the_cent(contracts: float, price: float, fee: float) -> None:
    assert taker_fee(FeeModel(), contracts, price) == D(str(fee))  # exact, no float epsilon


def test_fee_model_can_be_turned_off() -> None:
    assert taker_fee(FeeModel(rate=0), 100, 0.5) == 0.0


def test_fill_adds_slippage_and_charges_the_fee(tmp_path: Path) -> None:
    broker = PaperBroker(tmp_path / "p.sqlite", PaperSettings(slippage=0.01))
    r = broker.submit(order(stake=5.0, price=0.49))
    assert r.status == "filled"
    assert (r.price, r.shares, r.cost) == (D("0.50"), D(10), D("5.00"))
    assert r.fee == D("0.18")  # 0.07 * 10 * 0.5 * 0.5 = 0.175 -> 0.18


def test_fills_whole_contracts_and_books_what_they_cost(tmp_path: Path) -> None:
    """A $5 stake at 0.56 buys 8 whole contracts for $4.48 (not $5), plus the fee on 8."""
    broker = PaperBroker(tmp_path / "p.sqlite", PaperSettings(slippage=0.0))
    r = broker.submit(order(stake=5.0, price=0.56))
    assert (r.status, r.shares, r.price, r.cost) == ("filled", D(8), D("0.56"), D("4.48"))
    assert r.fee == D("0.14")  # ceil(0.07 * 8 * 0.56 * 0.44 = 0.137984) to the cent
    assert broker.balance() == D(1000) - D("4.48") - D("0.14")
    assert broker.positions() == {"ls-1": D(8)}
    refused = broker.submit(order("ls-2", stake=0.5, price=0.56))
    assert refused.status == "rejected" and "buys no whole contract" in refused.reason


def test_every_submit_is_logged_so_a_second_send_is_visible(tmp_path: Path) -> None:
    broker = PaperBroker(tmp_path / "p.sqlite", PaperSettings())
    first = broker.submit(order("ls-1"))
    assert broker.submit(order("ls-1")) == first  # idempotent answer...
    log = broker._db.execute("SELECT client_order_id, outcome FROM paper_submits ORDER BY seq").fetchall()
    assert log == [("ls-1", "new"), ("ls-1", "repeat")]  # ...but the second send is on record


def test_winning_up_bet_pays_a_dollar_a_share(tmp_path: Path) -> None:
    broker = PaperBroker(tmp_path / "p.sqlite", PaperSettings(slippage=0.0))
    broker.submit(order("a", "up", 5.0, 0.50))
    broker.submit(order("b", "down", 4.0, 0.40))
    reports = {s.client_order_id: s for s in broker.settlements(1500, [window(100.0, 101.0)], ["a", "b"])}
    assert reports["a"].won and reports["a"].payout == pytest.approx(10.0)  # 5 / 0.5 shares
    assert not reports["b"].won and reports["b"].payout == 0.0


def test_a_tie_goes_to_up(tmp_path: Path) -> None:
    broker = PaperBroker(tmp_path / "p.sqlite", PaperSettings(slippage=0.0))
    broker.submit(order("a", "up"))
    broker.submit(order("b", "down"))
    reports = {s.client_order_id: s.won for s in broker.settlements(1500, [window(100.0, 100.0)], ["a", "b"])}
    assert reports == {"a": True, "b": False}


def test_no_settlement_before_the_window_ends(tmp_path: Path) -> None:
    broker = PaperBroker(tmp_path / "p.sqlite", PaperSettings())
    broker.submit(order("a"))
    assert broker.settlements(1499, [window(1, 2)], ["a"]) == []


def test_max_price_refuses_a_worse_fill(tmp_path: Path) -> None:
    broker = PaperBroker(tmp_path / "p.sqlite", PaperSettings(slippage=0.02))
    r = broker.submit(order(price=0.50, max_price=0.51))
    assert r.status == "rejected" and "above max_price" in r.reason


def test_same_client_order_id_never_fills_twice_even_after_reopen(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite"
    first = PaperBroker(path, PaperSettings()).submit(order("same", stake=5.0))
    again = PaperBroker(path, PaperSettings()).submit(order("same", stake=3.0, price=0.9))
    assert again == first
    assert PaperBroker(path, PaperSettings()).lookup("never-sent") is None


def test_settlement_is_reported_again_until_acknowledged(tmp_path: Path) -> None:
    broker = PaperBroker(tmp_path / "p.sqlite", PaperSettings())
    broker.submit(order("a"))
    first = broker.settlements(1500, [window(1, 2)], ["a"])
    # the host crashed before journaling it: asked again (even without the candle), same answer
    assert broker.settlements(1600, [], ["a"]) == first
