"""The one fill model: whole contracts level by level, partial fills, max_price, slippage, the fee."""

from __future__ import annotations

from decimal import Decimal

from liveswap.brokers.base import OrderRequest
from liveswap.brokers.fills import Level, fill, paper_book, venue_book, won_side
from liveswap.settings import FeeModel, PaperSettings

NO_COSTS = PaperSettings(slippage=0.0, fees=FeeModel(rate=0.0))


def order(stake: str, price: str = "0.50", max_price: str | None = None) -> OrderRequest:
    return OrderRequest("ls-1", "BTC-5m", "up", Decimal(stake), 300, 600, Decimal(price),
                        None if max_price is None else Decimal(max_price), 300)


def test_paper_fills_whole_contracts_at_the_price_plus_slippage_with_the_fee() -> None:
    f = fill(order("5", "0.55"), paper_book(Decimal("0.55")), PaperSettings())
    assert (f.status, f.price, f.contracts, f.cost) == ("filled", Decimal("0.56"), 8, Decimal("4.48"))
    assert f.fee == Decimal("0.14")  # ceil(0.07 x 8 x 0.56 x 0.44) to the cent


def test_a_thin_book_fills_partially_level_by_level_at_the_average_price() -> None:
    book = venue_book([(0.52, 3), (0.50, 2)], 0.50)
    f = fill(order("5"), book, NO_COSTS)
    assert (f.status, f.contracts, f.cost) == ("filled", 5, Decimal("2.56"))  # 2 at 0.50, 3 at 0.52: book empty
    assert f.price == Decimal("0.512")


def test_max_price_stops_the_walk_and_refuses_when_the_best_ask_is_above_it() -> None:
    book = (Level(Decimal("0.50"), Decimal(2)), Level(Decimal("0.60"), Decimal(100)))
    assert fill(order("5", max_price="0.55"), book, NO_COSTS).contracts == 2
    refused = fill(order("5", max_price="0.45"), book, NO_COSTS)
    assert refused.status == "rejected" and "above max_price" in refused.reason


def test_no_offer_and_no_whole_contract_are_refused_with_the_reason() -> None:
    assert fill(order("5"), (), NO_COSTS).reason == "no offer in the book"
    assert "buys no whole contract" in fill(order("0.30"), paper_book(Decimal("0.50")), NO_COSTS).reason


def test_a_venue_without_depth_is_its_best_ask_and_the_winning_side_reads_off_a_settlement() -> None:
    assert venue_book(None, 0.61) == (Level(Decimal("0.61")),)
    assert (won_side("up", True), won_side("up", False), won_side("down", False)) == ("up", "down", "up")
