"""Real Polymarket orders through the official py-clob-client-v2, against a local fake CLOB.

The fake (tests/support/fake_clob.py) is a real HTTP server on 127.0.0.1 that recovers every
order's EIP-712 signature with eth-account and refuses it unless it recovers to the wallet; it
checks the L1 (ClobAuth) and L2 (HMAC) request auth the same way. What a user notices: an order
signed by their wallet fills at the ask within the stake and max_price; a lost answer never turns
into a second order; keys appear nowhere but in the signed requests.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from decimal import Decimal as D

import pytest
from liveswap.brokers.base import OrderRequest
from liveswap.exceptions import BrokerError
from liveswap.settings import Settings
from liveswap.venues.factory import make_broker
from loguru import logger

from tests.support.fake_clob import API_KEY, PASSPHRASE, SECRET, FakeClob, recover_order_signer
from tests.support.venue_feeds import NOW, UP
from tests.support.venue_server import T0, fixture

pytest.importorskip("py_clob_client_v2", reason="py-clob-client-v2 is not installed (pip install -e '.[polymarket]')")
from eth_account import Account  # noqa: E402  (a dependency of py-clob-client-v2)

DOWN = "52114319501245915516055106046884209969926127482827954674443846427813813222426"


@pytest.fixture
def wallet(tmp_path):
    account = Account.create()
    key_file = tmp_path / "polymarket.key"
    key_file.write_text(account.key.hex() + "\n")
    return account, key_file


def settings(server, tmp_path, key_file) -> Settings:
    return Settings(home=tmp_path / "home", markets=["BTC-5m"], feed="polymarket", broker="polymarket",
                    venues={"polymarket": {"gamma_url": server.url, "clob_url": server.url,
                                           "private_key_file": str(key_file)},
                            "retries": 0})


def order(cid: str = "liveswap-p-0001", side: str = "up", stake: float = 5.0, max_price: float | None = 0.6):
    return OrderRequest(cid, "BTC-5m", side, stake, T0 + 900, T0 + 1200, 0.51, max_price, NOW)


def broker(server, tmp_path, key_file):
    return make_broker("polymarket", settings(server, tmp_path, key_file), clock=lambda: NOW)


def test_an_order_signed_by_the_wallet_fills_at_the_ask_within_the_stake(server, tmp_path, wallet) -> None:
    account, key_file = wallet
    clob = FakeClob(server, account.address)
    result = broker(server, tmp_path, key_file).submit(order())
    assert clob.refusals == []  # L1, L2 and the order's EIP-712 signature all recovered to the wallet
    (post,) = clob.posts
    sent = post["order"]
    assert post["orderType"] == "FAK" and post["owner"] == API_KEY  # immediate-or-cancel
    assert (sent["tokenId"], sent["side"], sent["maker"], sent["signer"]) == (UP, "BUY", account.address,
                                                                               account.address)
    # limit = max_price 0.60 on the 0.01 tick; 8.33 shares = floor(5 / 0.60, 2 dp)
    assert (Decimal(sent["makerAmount"]), Decimal(sent["takerAmount"])) == (Decimal(4_998_000), Decimal(8_330_000))
    assert result.status == "filled" and result.venue_order_id == clob.sent_hashes()[0]
    assert (result.shares, result.price) == (D("8.33"), D("0.52"))  # filled at the ask 0.52: $4.33, not the $5 stake
    assert result.fee == (Decimal("8.33") * Decimal("0.07") * Decimal("0.52") * Decimal("0.48")).quantize(
        Decimal("0.0001"), rounding="ROUND_UP")


def test_down_buys_the_down_token_and_above_max_price_is_refused_unsent(server, tmp_path, wallet) -> None:
    account, key_file = wallet
    clob = FakeClob(server, account.address)
    b = broker(server, tmp_path, key_file)
    assert b.submit(order("c-down", side="down", max_price=None)).status == "filled"
    assert clob.posts[-1]["order"]["tokenId"] == DOWN
    refused = b.submit(order("c-cheap", max_price=0.51))
    assert refused.status == "rejected" and refused.reason == "polymarket: up ask 0.52 is above max_price 0.51"
    assert len(clob.posts) == 1


def test_an_order_not_signed_by_the_wallet_is_refused_by_the_fake(server, tmp_path, wallet) -> None:
    """The check can fail: the fake expects another wallet, so the real signature does not recover to it."""
    _, key_file = wallet
    clob = FakeClob(server, Account.create().address)
    with pytest.raises(BrokerError, match="cannot derive CLOB API credentials: HTTP 401"):
        broker(server, tmp_path, key_file)
    assert clob.refusals and clob.posts == []


def test_the_fake_recovers_the_wallet_only_from_the_untouched_order(server, tmp_path, wallet) -> None:
    account, key_file = wallet
    clob = FakeClob(server, account.address)
    broker(server, tmp_path, key_file).submit(order())
    signed = clob.posts[0]["order"]
    assert recover_order_signer(signed) == account.address
    tampered = {**signed, "makerAmount": str(int(signed["makerAmount"]) + 1)}  # one micro-dollar more
    assert recover_order_signer(tampered) != account.address


def test_a_lost_answer_is_looked_up_never_sent_as_a_second_order(server, tmp_path, wallet) -> None:
    account, key_file = wallet
    clob = FakeClob(server, account.address)
    clob.fail_next_post = 502  # the CLOB fills the order, the answer is lost on the way back
    with pytest.raises(BrokerError) as err:
        broker(server, tmp_path, key_file).submit(order())
    assert "\n" not in err.value.reason and "<" not in err.value.reason
    again = broker(server, tmp_path, key_file).submit(order())  # a restart: same state folder
    assert again.status == "filled" and again.shares == D("8.33")
    assert clob.accepted() == 1 and len(clob.posts) == 1  # looked up by its hash, not posted again


def test_an_order_the_clob_never_saw_is_posted_again_as_the_same_signed_order(server, tmp_path, wallet) -> None:
    account, key_file = wallet
    clob = FakeClob(server, account.address)
    clob.fail_next_post, clob.act_before_failing = 503, False  # refused before acting
    with pytest.raises(BrokerError):
        broker(server, tmp_path, key_file).submit(order())
    b = broker(server, tmp_path, key_file)
    assert b.lookup("liveswap-p-0001") is None  # the CLOB does not know it
    result = b.submit(order())
    first, second = clob.sent_hashes()
    assert first == second and result.venue_order_id == first  # the same signed order, once accepted
    assert clob.accepted() == 1 and b.lookup("liveswap-p-0001") == result


def test_settles_from_the_closed_gamma_market(server, tmp_path, wallet) -> None:
    account, key_file = wallet
    FakeClob(server, account.address)
    b = broker(server, tmp_path, key_file)
    b.submit(order())
    assert b.settlements(T0 + 1100, [], ["liveswap-p-0001"]) == []  # the window is not over
    market = fixture("polymarket_market_5m")
    server.json("GET", f"/markets/slug/{market['slug']}", {**market, "closed": True,
                                                              "outcomePrices": "[\"1\", \"0\"]"})
    (report,) = b.settlements(T0 + 1300, [], ["liveswap-p-0001"])
    assert (report.won, report.payout) == (True, D("8.33"))
    assert b.balance() == 1234.56


def test_keys_are_never_logged_shown_or_in_errors(server, tmp_path, wallet, caplog) -> None:
    account, key_file = wallet
    clob = FakeClob(server, account.address)
    clob.fail_next_post = 502
    logs: list[str] = []
    sink = logger.add(logs.append, level="DEBUG", format="{message} {extra}")
    caplog.set_level(logging.DEBUG)
    try:
        s = settings(server, tmp_path, key_file)
        b = make_broker("polymarket", s, clock=lambda: NOW)
        with pytest.raises(BrokerError) as err:
            b.submit(order())
        b.submit(order())
    finally:
        logger.remove(sink)
    key_hex = account.key.hex().removeprefix("0x")
    texts = {"loguru": "\n".join(logs), "stdlib logging": caplog.text, "error": str(err.value),
             "settings": repr(s) + s.model_dump_json(), "broker": repr(b) + repr(vars(b).get("quotes"))}
    for where, text in texts.items():
        for secret in (key_hex, SECRET, PASSPHRASE):
            assert secret not in text, where


def test_a_fill_at_two_levels_is_booked_at_its_exact_cost_live_and_after_a_crash(server, tmp_path, wallet) -> None:
    """Issue 24, point 8: 5 shares at 0.52 and 3.33 at 0.53 cost exactly 4.3649 (not 8.33 x the rounded average
    0.524010 = 4.365003), and an order found again after a crash is booked from its trades, not at its limit."""
    account, key_file = wallet
    clob = FakeClob(server, account.address)
    clob.book = {**clob.book, "asks": [{"price": "0.53", "size": "100"}, {"price": "0.52", "size": "5"}]}
    live = broker(server, tmp_path, key_file).submit(order("c-live"))
    assert live.status == "filled" and live.shares == D("8.33") and live.cost == D("4.3649")
    clob.fail_next_post = 502  # filled at the venue, the answer lost: a restart finds it by its hash
    with pytest.raises(BrokerError):
        broker(server, tmp_path, key_file).submit(order("c-crash"))
    found = broker(server, tmp_path, key_file).submit(order("c-crash"))
    assert found.status == "filled" and found.shares == D("8.33")
    assert found.cost == D("4.3649")  # the trades' cost, not 8.33 x the limit 0.60 = 4.998
    assert clob.accepted() == 2
