"""The live-paper broker: simulated fills at a venue's live ask (Polymarket CLOB on a local server)."""

from __future__ import annotations

from decimal import Decimal as D

from liveswap.brokers.base import OrderRequest
from liveswap.markets import Market
from liveswap.settings import PaperSettings
from liveswap.venues.live_paper import LivePaperBroker
from liveswap.venues.polymarket.feed import updown_slug

from tests.support.venue_feeds import NOW, poly_quotes, serve_polymarket
from tests.support.venue_server import T0, Reply


def req(cid: str, side: str = "up", stake: float = 5.0, max_price: float | None = None) -> OrderRequest:
    return OrderRequest(cid, "BTC-5m", side, stake, T0 + 900, T0 + 1200, 0.51, max_price, NOW)


def live_paper(server, tmp_path, slippage: float = 0.01) -> LivePaperBroker:
    return LivePaperBroker(poly_quotes(server), tmp_path / "paper.sqlite", PaperSettings(slippage=slippage),
                           clock=lambda: NOW)


def test_live_paper_fills_at_the_live_ask_plus_slippage_with_the_fee(server, tmp_path) -> None:
    serve_polymarket(server)
    paper = live_paper(server, tmp_path)
    up = paper.submit(req("a"))  # the engine saw 0.51; the live ask is 0.52
    # whole contracts: floor(5 / 0.53) = 9 for $4.77; fee ceil(0.07 * 9 * 0.53 * 0.47 = 0.156933)
    assert (up.status, up.price, up.shares, up.cost, up.fee) == ("filled", D("0.53"), D(9), D("4.77"), D("0.16"))
    down = paper.submit(req("b", side="down"))
    assert (down.price, down.shares, down.fee) == (D("0.51"), D(9), D("0.16"))  # 1 - best up bid 0.50, + slippage
    assert paper.submit(req("a")) == up and paper.lookup("a") == up and paper.lookup("zzz") is None
    refused = paper.submit(req("c", max_price=0.52))
    assert refused.status == "rejected" and "0.53 above max_price 0.52" in refused.reason
    books = sum(1 for r in server.requests if r.path == "/book")
    again = live_paper(server, tmp_path)  # a restart: the answer comes from the paper book, not the venue
    assert again.submit(req("a")) == up
    assert sum(1 for r in server.requests if r.path == "/book") == books


def test_live_paper_settles_from_the_window_candle(server, tmp_path) -> None:
    serve_polymarket(server)
    paper = live_paper(server, tmp_path, slippage=0.0)
    paper.submit(req("up"))
    paper.submit(req("down", side="down"))
    from liveswap.api.types import Candle

    window = Candle("BTC-5m", "5m", T0 + 900, T0 + 1200, 100.0, 101.0, 99.0, 100.0, 1.0, None)  # tie: up wins
    assert paper.settlements(T0 + 1100, [], ["up", "down"]) == []
    reports = {r.client_order_id: r for r in paper.settlements(T0 + 1200, [window], ["up", "down"])}
    assert reports["up"].won and reports["up"].payout == D(9)  # $1 a contract: floor(5 / 0.52) contracts
    assert not reports["down"].won and reports["down"].payout == 0.0


def test_live_paper_rejects_with_the_venue_reason_when_no_market(server, tmp_path) -> None:
    server.route("GET", f"/markets/slug/{updown_slug(Market.parse('BTC-5m'), T0 + 900)}", Reply(404, {}))
    result = live_paper(server, tmp_path).submit(req("x"))
    assert result.status == "rejected" and "HTTP 404" in result.reason and "btc-updown-5m-1767226500" in result.reason
