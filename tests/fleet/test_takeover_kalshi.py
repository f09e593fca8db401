"""Takeover on a real venue adapter: two real hosts on the Kalshi broker (signed requests to the
local fake Kalshi), one market, a real nats-server. The first host owns the market and is killed
(-9) with an order of its lease still resting at the venue; the host that takes the market over
cancels that order before its own first order there."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.support.engine_helpers import status_json
from tests.support.fake_kalshi import API, KEY_ID, TICKER, FakeKalshi
from tests.support.fleet_hosts import fleet_env, owned, rows
from tests.support.host_process import start_host
from tests.support.nats_server import NatsServer
from tests.support.venue_server import VenueServer
from tests.support.wait import until


@pytest.fixture
def kalshi(tmp_path: Path):  # type: ignore[no-untyped-def]
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = tmp_path / "kalshi.pem"
    pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
    server = VenueServer()
    try:
        yield FakeKalshi(server, key.public_key()), pem
    finally:
        server.close()


def test_a_takeover_cancels_the_dead_owners_resting_order_before_its_first_order(
        tmp_path: Path, nats_server: NatsServer, kalshi: tuple[FakeKalshi, Path]) -> None:
    fake, pem = kalshi
    venue = {"LIVESWAP_MARKETS": '["BTC-15m"]', "LIVESWAP_VENUES__KALSHI__BASE_URL": fake.server.url + API,
             "LIVESWAP_VENUES__KALSHI__KEY_ID": KEY_ID, "LIVESWAP_VENUES__KALSHI__PRIVATE_KEY_FILE": str(pem)}
    homes = [tmp_path / name / "home" for name in ("a", "b")]
    envs = [fleet_env(home, nats_server, f"h-{i}", **venue) for i, home in enumerate(homes)]
    first = start_host(envs[0], "--broker", "kalshi")
    second = None
    try:
        until(lambda: "BTC-15m" in owned(homes[0]) or first.poll() is not None, timeout=60, what="the first owner")
        assert first.poll() is None, (tmp_path / "a" / "host.stderr").read_text()[-2000:]
        revision = owned(homes[0])["BTC-15m"]
        stale = f"ls-{'d' * 20}-L{revision}"  # an order of the first owner's lease, resting at the venue
        fake.resting(stale, ticker=TICKER)
        os.kill(first.pid, signal.SIGKILL)
        first.wait()

        second = start_host(envs[1], "--broker", "kalshi")
        until(lambda: status_json(homes[1] / "state") or second.poll() is not None, timeout=60, what="the new host")
        until(lambda: rows(homes[1], "SELECT 1 FROM orders WHERE market='BTC-15m'") or second.poll() is not None,
              timeout=60, what="the new owner's first order on BTC-15m")
        assert second.poll() is None, (tmp_path / "b" / "host.stderr").read_text()[-2000:]
        assert owned(homes[1])["BTC-15m"] > revision  # a new lease: a newer fencing token
        cancelled = dict(fake.cancelled)
        assert stale in cancelled  # the dead owner's resting order is gone from the book
        first_order = min(r["created_at"] for r in rows(homes[1], "SELECT created_at FROM orders "
                                                                  "WHERE market='BTC-15m'"))
        assert cancelled[stale] < first_order  # reconciled before the new owner's first order there
        orders = rows(homes[1], "SELECT client_order_id, lease_revision FROM orders WHERE market='BTC-15m'")
        assert all(r["lease_revision"] > revision and r["client_order_id"] != stale for r in orders)
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                proc.wait(20)
