"""Venue order costs on this machine: signing, a whole submit against local fakes, error reasons.

    .venv/bin/python benchmarks/bench_venue_orders.py [--n 50]

- Kalshi: one RSA-PSS request signature; one ``KalshiBroker.submit`` (lookup by client id,
  market, book, V2 create, read back) against the fake Kalshi on a local HTTP server.
- Polymarket (needs ``liveswap[polymarket]``): one order built and EIP-712-signed by
  py-clob-client-v2 plus its hash; one ``PolymarketBroker.submit`` (durable record, post) against
  the local fake CLOB (which itself recovers the signature: included in the time).
- ``one_line`` on a 50 KB HTML error page.

Prints median and p95 per item in milliseconds; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: E402
from liveswap.brokers.base import OrderRequest  # noqa: E402
from liveswap.venues._http import one_line  # noqa: E402
from liveswap.venues.kalshi.auth import KalshiSigner  # noqa: E402
from liveswap.venues.kalshi.broker import KalshiBroker  # noqa: E402
from liveswap.venues.kalshi.client import KalshiClient  # noqa: E402
from liveswap.venues.kalshi.feed import KalshiQuotes  # noqa: E402

from tests.support.fake_kalshi import SERIES, FakeKalshi, kalshi_http  # noqa: E402
from tests.support.venue_server import T0, VenueServer  # noqa: E402


def timed(n: int, fn: Callable[[int], object]) -> tuple[float, float]:
    times = []
    for i in range(n):
        t = time.perf_counter()
        fn(i)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))]


def report(name: str, figures: tuple[float, float]) -> None:
    print(f"{name:<58} median {figures[0]:8.3f} ms   p95 {figures[1]:8.3f} ms")


def kalshi(n: int) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    signer = KalshiSigner("key-123", key)
    report("kalshi: RSA-PSS signature of one request", timed(n, lambda i: signer.headers("POST", "/trade-api/v2/x")))
    server = VenueServer()
    try:
        FakeKalshi(server, key.public_key())
        client = KalshiClient(kalshi_http(server, key))
        broker = KalshiBroker(client, KalshiQuotes(client, SERIES), clock=lambda: T0 + 905)
        order = lambda i: OrderRequest(f"b-{i}", "BTC-15m", "up", 5.0, T0 + 900, T0 + 1800, 0.55, 0.6, T0 + 901)  # noqa: E731
        figures = timed(n, lambda i: broker.submit(order(i)))
        report("kalshi: submit (lookup, market, book, V2 create, read back)", figures)
    finally:
        server.close()


def polymarket(n: int) -> None:
    try:
        from eth_account import Account
        from liveswap.settings import Settings
        from liveswap.venues.factory import make_broker

        from tests.support.fake_clob import FakeClob
    except ImportError:
        print("polymarket: skipped (pip install -e '.[polymarket]')")
        return
    account = Account.create()
    server = VenueServer()
    with tempfile.TemporaryDirectory() as tmp:
        key_file = Path(tmp) / "k"
        key_file.write_text(account.key.hex())
        try:
            FakeClob(server, account.address)
            s = Settings(home=Path(tmp) / "home", markets=["BTC-5m"],
                         venues={"polymarket": {"gamma_url": server.url, "clob_url": server.url,
                                                "private_key_file": str(key_file)}})
            broker = make_broker("polymarket", s, clock=lambda: T0 + 905)
            from decimal import Decimal

            sign = lambda i: broker._sign(  # noqa: E731, SLF001 - the signing step alone
                "71321045679252212594626385532706912750332728571942532289631379312455583992563",
                Decimal("0.52"), Decimal("9.61"), "0.01", False)
            report("polymarket: build + EIP-712 sign + hash one order", timed(n, sign))
            order = lambda i: OrderRequest(f"p-{i}", "BTC-5m", "up", 5.0, T0 + 900, T0 + 1200, 0.51, 0.6, T0 + 905)  # noqa: E731
            report("polymarket: submit (book, sign, durable record, post)", timed(n, lambda i: broker.submit(order(i))))
        finally:
            server.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50)
    n = parser.parse_args(argv).n
    kalshi(n)
    polymarket(n)
    page = "<html><head><style>x{}</style></head><body>" + "<p>Bad\r\nGateway &amp; more</p>" * 1500 + "</body>"
    report(f"one_line on a {len(page) // 1000} KB HTML error page", timed(n, lambda i: one_line(page)))


if __name__ == "__main__":
    main()
