"""Kalshi fixtures validated with the official SDK's own models (``kalshi-python-sync``).

Every field of a fixture that the installed SDK declares must have the SDK's type; for the
current (V2) order calls the SDK's V2 models are found by shape (``side``/``count``/``price``/
``self_trade_prevention_type`` without ``action``). An SDK older than the V2 order API has no such
model: those two checks skip and say so. Fixtures cite the doc page they follow (``_source``).
"""

from __future__ import annotations

import json

import pytest

from tests.support.sdk_models import check, find_model
from tests.support.venue_server import FIXTURES, fixture

sdk = pytest.importorskip("kalshi_python_sync", reason="kalshi-python-sync is not installed (pip install -e .[test])")
models = sdk.models
VERSION = getattr(sdk, "__version__", "?")

# Fields added by the API after the installed SDK's spec (documented in each fixture's _note).
NEWER = {"outcome_side", "book_side", "fill_count_fp", "remaining_count_fp", "initial_count_fp", "count_fp",
         "position_fp", "volume_fp", "open_interest_fp", "orderbook_fp", "market_exposure_dollars",
         "realized_pnl_dollars", "fees_paid_dollars", "balance_dollars", "fee_cost", "yes_price_dollars",
         "no_price_dollars", "total_traded_dollars",
         # the legacy book's "yes"/"no": the SDK's YAML spec read them as booleans (aliases "true"/"false")
         "yes", "no"}

READS = [
    ("kalshi_markets_fp", "GetMarketsResponse"),
    ("kalshi_markets_legacy", "GetMarketsResponse"),
    ("kalshi_markets_deci_cent", "GetMarketsResponse"),
    ("kalshi_market_settled", "GetMarketResponse"),
    ("kalshi_orderbook_legacy", "GetMarketOrderbookResponse"),
    ("kalshi_order_executed", "GetOrderResponse"),
    ("kalshi_fills", "GetFillsResponse"),
    ("kalshi_positions", "GetPositionsResponse"),
    ("kalshi_balance", "GetBalanceResponse"),
]


def test_every_fixture_cites_its_doc_page() -> None:
    for path in sorted(FIXTURES.glob("kalshi_*.json")):
        source = json.loads(path.read_text())["_source"]
        assert source.startswith("https://docs.kalshi.com/"), path.name


@pytest.mark.parametrize(("name", "model"), READS)
def test_read_fixtures_have_the_sdk_types(name: str, model: str) -> None:
    problems, unknown = check(getattr(models, model), fixture(name))
    assert problems == []
    assert {u.rsplit(".", 1)[-1] for u in unknown} <= NEWER, unknown


def test_the_v2_create_order_request_and_answer_match_the_sdk_models() -> None:
    request = find_model(models, has={"ticker", "side", "count", "price", "self_trade_prevention_type"},
                         lacks={"action", "yes_price"})
    answer = find_model(models, has={"order_id", "fill_count", "remaining_count", "average_fill_price"})
    if request is None or answer is None:
        pytest.skip(f"kalshi-python-sync {VERSION} has no V2 event-order models (they arrived after 3.20)")
    for model, name in ((request, "kalshi_create_order_v2_request"), (answer, "kalshi_create_order_v2_response")):
        problems, unknown = check(model, fixture(name))
        assert problems == [] and unknown == [], (name, problems, unknown)
        required = {(f.alias or n) for n, f in model.model_fields.items() if f.is_required()}
        assert required <= set(fixture(name)), (name, required - set(fixture(name)))


def test_the_legacy_create_order_model_is_what_we_no_longer_send() -> None:
    """The SDK's legacy CreateOrderRequest has yes/no ``side``, ``action``, ``type`` and integer
    cents: our body is not that shape (it would be refused by the current API)."""
    legacy = getattr(models, "CreateOrderRequest", None)
    if legacy is None:
        pytest.skip(f"kalshi-python-sync {VERSION} has no legacy CreateOrderRequest")
    ours = fixture("kalshi_create_order_v2_request")
    assert "action" not in ours and "type" not in ours and "buy_max_cost" not in ours
    with pytest.raises(Exception):  # noqa: B017 - the legacy model refuses side "bid" and a missing action
        legacy.from_dict(ours)


def test_the_order_body_carries_only_the_sdk_v2_request_fields() -> None:
    """Issue 24, point 9: no ``outcome_side`` (or any field) that ``CreateOrderV2Request`` does not declare; checked
    against the installed SDK's model where it has one, else against the 3.34 model's field list."""
    from decimal import Decimal

    from liveswap.venues.kalshi.client import order_body

    from tests.support.fake_kalshi import V2_ORDER_FIELDS

    model = getattr(models, "CreateOrderV2Request", None)
    fields = {(f.alias or n) for n, f in model.model_fields.items()} if model is not None else V2_ORDER_FIELDS
    for book_side in ("bid", "ask"):
        body = order_body(ticker="KXBTC15M-25DEC311930-30", client_order_id="c", book_side=book_side, count=3,
                          price=Decimal("0.425"))
        assert set(body) <= fields, set(body) - fields
        assert "outcome_side" not in body
