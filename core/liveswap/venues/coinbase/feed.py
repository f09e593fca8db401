"""Coinbase Exchange candles (``GET /products/{BTC-USD}/candles``) as underlying bars.

Rows are ``[time s, low, high, open, close, volume]``, newest first, at most 300 per call;
``granularity`` ∈ {60, 300, 900, 3600, 21600, 86400}; ``start``/``end`` are ISO 8601.
Docs: https://docs.cdp.coinbase.com/exchange/reference/exchangerestapi_getproductcandles ;
server time: ``GET /time`` -> ``{"iso": "...", "epoch": 1767225600.123}``
(https://docs.cdp.coinbase.com/exchange/reference/exchangerestapi_gettime).
"""

from __future__ import annotations

from datetime import UTC, datetime

from liveswap.exceptions import MalformedResponse
from liveswap.venues._http import VenueHttp
from liveswap.venues.bars import Bar, in_range
from liveswap.venues.jsonfields import Obj, cell, kind, row

BASE_URL = "https://api.exchange.coinbase.com"
GRANULARITIES = (60, 300, 900, 3600, 21600, 86400)
PAGE = 300


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class CoinbaseBars:
    name = "coinbase"

    def __init__(self, http: VenueHttp, quote: str = "USD") -> None:
        self.http = http
        self.quote = quote

    def close(self) -> None:
        self.http.close()

    def server_time(self) -> float:
        """Coinbase's clock, epoch seconds."""
        return Obj("coinbase", "time", self.http.get("/time")).decimal("epoch") or 0.0

    def candles(self, product: str, granularity: int, start: int, end: int) -> list[list]:
        body = self.http.get(
            f"/products/{product}/candles", {"granularity": granularity, "start": _iso(start), "end": _iso(end)}
        )
        if not isinstance(body, list):
            raise MalformedResponse(f"coinbase: candles: expected an array, got {kind(body)}")
        return body

    def bars(self, asset: str, seconds: int, since: int, until: int) -> list[Bar]:
        if seconds not in GRANULARITIES:
            raise MalformedResponse(f"coinbase: no candle granularity of {seconds}s")
        product = f"{asset.upper()}-{self.quote}"
        out: list[Bar] = []
        start = since - since % seconds
        while start + seconds <= until:
            stop = min(until, start + seconds * PAGE)
            for i, raw in enumerate(self.candles(product, seconds, start, stop)):
                where = f"candles[{i}]"
                r = row("coinbase", where, raw, 6)
                t = int(cell("coinbase", f"{where}[0] (time)", r[0]))
                out.append(
                    Bar(
                        start=t,
                        end=t + seconds,
                        low=cell("coinbase", f"{where}[1] (low)", r[1]),
                        high=cell("coinbase", f"{where}[2] (high)", r[2]),
                        open=cell("coinbase", f"{where}[3] (open)", r[3]),
                        close=cell("coinbase", f"{where}[4] (close)", r[4]),
                        volume=cell("coinbase", f"{where}[5] (volume)", r[5]),
                    )
                )
            start = stop
        return in_range(out, since, until)
