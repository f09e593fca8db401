"""The fleet agent against a real nats-server: leases claimed by compare-and-set, spread evenly,
fenced before they can expire, and a host id used twice refused."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from liveswap.fleet.agent import FleetAgent
from liveswap.fleet.connect import FleetError
from liveswap.fleet.values import FleetClockDoc
from liveswap.settings import load_settings

from tests.support.nats_server import NatsServer
from tests.support.wait import until

MARKETS = ["BTC-5m", "ETH-5m", "SOL-5m", "XRP-5m", "DOGE-5m", "BTC-15m", "ETH-15m", "SOL-15m", "XRP-15m"]


def agent(tmp_path: Path, server: NatsServer, host_id: str | None, lease: float = 2.0, **extra: object) -> FleetAgent:
    home = tmp_path / (host_id or "anon")
    (home / "state").mkdir(parents=True, exist_ok=True)
    fleet = {"url": server.url, "lease_seconds": lease, **({"host_id": host_id} if host_id else {}), **extra}
    settings = load_settings(home, fleet=fleet, markets=MARKETS)
    a = FleetAgent(settings, next_close=lambda now: int(now // 300 * 300 + 300))
    return a


def ready_all(a: FleetAgent) -> None:
    for market, _ in a.table.to_take_over():
        a.table.mark_ready(market)


def clock_doc() -> FleetClockDoc:
    return FleetClockDoc(origin_sim=1.8e9, origin_wall=time.time(), speed=300.0, feed="synthetic")


def test_three_agents_spread_nine_markets_one_owner_each(tmp_path: Path, nats_server: NatsServer) -> None:
    agents = [agent(tmp_path, nats_server, f"h{i}") for i in range(3)]
    try:
        for a in agents:
            a.start(clock=clock_doc())

        def spread() -> bool:
            for a in agents:
                a.release_excess()  # what the trading thread does between batches
                ready_all(a)
            owned = [set(a.table.owned()) for a in agents]
            return all(len(o) == 3 for o in owned) and len(set().union(*owned)) == 9

        until(spread, timeout=30, what="three markets each")
        tokens = [a.table.owned() for a in agents]
        assert sorted(m for t in tokens for m in t) == sorted(MARKETS)
        # every agent agrees on the first host's clock
        assert len({a.clock_doc.origin_wall for a in agents if a.clock_doc}) == 1
    finally:
        for a in agents:
            a.stop()


def test_a_host_that_cannot_renew_stops_opening_before_the_lease_expires(tmp_path: Path,
                                                                         nats_server: NatsServer) -> None:
    a = agent(tmp_path, nats_server, "solo")
    b: FleetAgent | None = None
    try:
        a.start(clock=clock_doc())
        until(lambda: (ready_all(a), len(a.table.owned()) == 9)[1], what="all nine markets")
        nats_server.kill()
        until(lambda: not a.table.owned(), timeout=10, what="the leases to fence")
        assert a.table.token_for("BTC-5m", 10**10) is None
        assert not a.connected
        # the bucket's expiry is the full lease after the last renewal (sent); the table fences a
        # third of a lease before it, by the monotonic clock alone (no timed assertion here: the
        # deadline is the table's, whatever this poller's latency under load)
        assert a.table.margin >= a.table.ttl / 3
        nats_server.start()
        until(lambda: (ready_all(a), len(a.table.owned()) == 9 and a.connected)[1], timeout=30,
              what="reclaiming after the return")
    finally:
        a.stop()
        if b is not None:
            b.stop()


def test_a_host_id_used_by_another_home_is_refused(tmp_path: Path, nats_server: NatsServer) -> None:
    a = agent(tmp_path / "one", nats_server, "same")
    b = agent(tmp_path / "two", nats_server, "same")
    try:
        a.start(clock=clock_doc())
        with pytest.raises(FleetError, match="host id 'same' is already used by the host in"):
            b.start(clock=clock_doc())
    finally:
        a.stop()
        b.stop()


def test_a_malformed_desired_state_is_refused_and_the_last_good_one_kept(tmp_path: Path,
                                                                        nats_server: NatsServer) -> None:
    import nats

    a = agent(tmp_path, nats_server, "h1")
    try:
        a.start(clock=clock_doc())

        async def put(value: bytes) -> None:
            nc = await nats.connect(nats_server.url)
            kv = await nc.jetstream().key_value("liveswap-default")
            await kv.put("desired", value)
            await nc.close()

        asyncio.run(put(b'{"generation": 1, "active": "no such spec!!"}'))
        until(lambda: a.report().error, what="the refusal")
        assert "fleet desired state" in a.report().error
        assert "keeping fleet generation 0" in a.report().error
        asyncio.run(put(b'{"generation": 2, "active": "ctlprobe==2.0.0", "hosts": {}}'))
        until(lambda: a.report().desired_generation == 2, what="the good one")
        assert '"active": "ctlprobe==2.0.0"' in (tmp_path / "h1" / "state" / "control.json").read_text()
    finally:
        a.stop()


def test_without_nats_at_start_a_wall_clock_host_starts_fenced_and_joins_when_it_answers(
        tmp_path: Path, nats_server: NatsServer) -> None:
    nats_server.kill()  # the port is kept: the server comes back on it
    a = agent(tmp_path, nats_server, "late")
    try:
        assert a.start(clock=None, patient=True) is None  # a wall-clock feed: started, not refused
        until(lambda: (a.report().error or "").startswith("not joined yet"), what="the reason in status")
        assert not a.connected and a.table.owned() == {} and a.table.token_for("BTC-5m", 10**10) is None
        nats_server.start()
        until(lambda: (ready_all(a), len(a.table.owned()) == 9 and a.connected)[1], timeout=30,
              what="joining once NATS answers")
        assert a.report().error is None
    finally:
        a.stop()
