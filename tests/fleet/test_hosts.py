"""Real hosts (``liveswap run``, sandboxed workers) in one fleet on a real nats-server."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

from tests.support.fleet_hosts import fleet_of, owned, rows
from tests.support.nats_server import NatsServer
from tests.support.wait import until


def test_three_hosts_own_nine_markets_and_take_a_killed_hosts_markets_over(tmp_path: Path,
                                                                          nats_server: NatsServer) -> None:
    with fleet_of(tmp_path, nats_server) as fleet:
        until(lambda: fleet.spread(3, [0, 1, 2]), timeout=60, what="three markets per host")
        maps = [owned(h) for h in fleet.homes]
        settled = time.time()
        assert sorted(m for o in maps for m in o) == sorted(set(m for o in maps for m in o))  # one owner each
        # each host decides (and opens on) its own markets only, under its lease's token
        until(lambda: all(rows(h, "SELECT 1 FROM orders WHERE lease_revision IS NOT NULL") for h in fleet.homes),
              timeout=30, what="orders on every host")
        until(lambda: all(rows(h, "SELECT 1 FROM decisions WHERE decided_at>?", (settled,)) for h in fleet.homes),
              timeout=30, what="a batch decided on every host since the spread")
        for home, mine in zip(fleet.homes, maps, strict=True):
            traded = {r["market"] for r in rows(home, "SELECT market FROM decisions WHERE decided_at>?", (settled,))}
            assert traded <= set(mine), (traded, mine)

        dead = maps[0]
        fleet.kill(0)
        killed = time.time()

        def taken_over() -> bool:
            for market in dead:
                if not any(rows(h, "SELECT 1 FROM decisions WHERE market=? AND decided_at>? AND lease_revision>?",
                                (market, killed, dead[market])) for h in fleet.homes[1:]):
                    return False
            return True

        until(taken_over, timeout=60, what="the killed host's markets traded by the others")
        fleet.stop()

    decided = Counter((r["market"], r["candle_start"]) for h in fleet.homes
                      for r in rows(h, "SELECT market, candle_start FROM decisions"))
    assert decided and max(decided.values()) == 1, [k for k, n in decided.items() if n > 1][:5]
    sent = Counter(r["client_order_id"] for h in fleet.homes for r in rows(h, "SELECT client_order_id FROM orders"))
    assert max(sent.values()) == 1
    # every order in a fleet names the lease it was sent under, in the journal and in its id
    for home in fleet.homes:
        for r in rows(home, "SELECT client_order_id, lease_revision FROM orders"):
            assert r["lease_revision"] is not None and r["client_order_id"].endswith(f"-L{r['lease_revision']}")


def test_without_nats_nobody_opens_on_a_market_it_cannot_prove_it_owns(tmp_path: Path,
                                                                        nats_server: NatsServer) -> None:
    with fleet_of(tmp_path, nats_server) as fleet:
        until(lambda: fleet.spread(3, [0, 1, 2]), timeout=60, what="three markets per host")
        nats_server.kill()
        down = time.time()
        lease = 2.0
        # every host fences itself: status shows no market owned (and not connected) within the lease
        until(lambda: all(not owned(h) for h in fleet.homes), timeout=30, what="every lease fenced")
        fenced = time.time()
        time.sleep(2 * lease)  # the server stays away two lease periods (not an assertion on time)
        opened_blind = [r for h in fleet.homes
                        for r in rows(h, "SELECT client_order_id FROM orders WHERE created_at > ?", (fenced,))]
        assert opened_blind == []
        nats_server.start()
        back = time.time()
        until(lambda: all(rows(h, "SELECT 1 FROM orders WHERE created_at > ?", (back,)) for h in fleet.homes),
              timeout=30, what="trading to resume within 30 s of the server's return")
        assert down < fenced
    decided = Counter((r["market"], r["candle_start"]) for h in fleet.homes
                      for r in rows(h, "SELECT market, candle_start FROM decisions"))
    assert max(decided.values()) == 1
