"""Binance spot klines (``GET /api/v3/klines``) as underlying bars.

Rows are ``[openTime ms, "open", "high", "low", "close", "volume", closeTime ms, ...]`` (at most
1000 per call; we page by ``startTime``). Asset ``BTC`` maps to symbol ``BTCUSDT``.
Docs: https://developers.binance.com/docs/binance-spot-api-docs/rest-api/market-data-endpoints ;
server time: ``GET /api/v3/time`` -> ``{"serverTime": ms}``
(https://developers.binance.com/docs/binance-spot-api-docs/rest-api/general-endpoints).
"""

from __future__ import annotations

from liveswap.exceptions import MalformedResponse
from liveswap.venues._http import VenueHttp
from liveswap.venues.bars import Bar, in_range
from liveswap.venues.jsonfields import Obj, cell, kind, row

BASE_URL = "https://api.binance.com"
INTERVALS: dict[int, str] = {60: "1m", 300: "5m", 900: "15m", 3600: "1h"}
PAGE = 1000


class BinanceBars:
    name = "binance"

    def __init__(self, http: VenueHttp, quote: str = "USDT") -> None:
        self.http = http
        self.quote = quote

    def close(self) -> None:
        self.http.close()

    def server_time(self) -> float:
        """Binance's clock, epoch seconds."""
        ms = Obj("binance", "time", self.http.get("/api/v3/time")).decimal("serverTime") or 0.0
        return ms / 1000.0

    def klines(self, symbol: str, interval: str, start_ms: int, end_ms: int, limit: int = PAGE) -> list[list]:
        body = self.http.get(
            "/api/v3/klines",
            {"symbol": symbol, "interval": interval, "startTime": start_ms, "endTime": end_ms, "limit": limit},
        )
        if not isinstance(body, list):
            raise MalformedResponse(f"binance: klines: expected an array, got {kind(body)}")
        return body

    def bars(self, asset: str, seconds: int, since: int, until: int) -> list[Bar]:
        if seconds not in INTERVALS:
            raise MalformedResponse(f"binance: no kline interval of {seconds}s")
        symbol = f"{asset.upper()}{self.quote}"
        out: list[Bar] = []
        start = since - since % seconds  # first bar that can end after ``since``
        while start + seconds <= until:
            rows = self.klines(symbol, INTERVALS[seconds], start * 1000, until * 1000 - 1)
            for i, raw in enumerate(rows):
                out.append(_bar(raw, i, seconds))
            if len(rows) < PAGE:
                break
            start = out[-1].start + seconds
        return in_range(out, since, until)


def _bar(raw: object, i: int, seconds: int) -> Bar:
    where = f"klines[{i}]"
    r = row("binance", where, raw, 7)
    open_ms = cell("binance", f"{where}[0] (open time)", r[0])
    start = int(open_ms // 1000)
    return Bar(
        start=start,
        end=start + seconds,
        open=cell("binance", f"{where}[1] (open)", r[1]),
        high=cell("binance", f"{where}[2] (high)", r[2]),
        low=cell("binance", f"{where}[3] (low)", r[3]),
        close=cell("binance", f"{where}[4] (close)", r[4]),
        volume=cell("binance", f"{where}[5] (volume)", r[5]),
    )
