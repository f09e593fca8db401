"""Deploy downtime: a hot swap (``liveswap activate NAME==V --wait``) against a restart-based deploy.

Both on a real ``liveswap run`` host trading the nine default markets (synthetic feed, paper
broker, sandboxed strategy from a registry wheel):

* **hot swap** -- ``liveswap activate bench==V --wait 60`` N times, alternating two versions; per
  swap the commit's ``pause_ms`` (status.json ``last_swap``), then the journal's decisions are
  checked contiguous per market (candles missed must be 0).
* **restart (the anchor)** -- SIGTERM the host, write control.json naming the new version (with the
  library call, not the CLI, so the baseline is not charged a CLI start), start ``liveswap run``
  again; from the stop signal until the journal holds the first decision of the new version.

    .venv/bin/python benchmarks/bench_deploy.py [--swaps N] [--restarts N] [--speed X]

Prints figures (and the ratio of restart downtime to p50 pause); asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    NAME,
    decisions_by,
    host_env,
    host_trading,
    journal_gaps,
    liveswap,
    machine,
    mib,
    p50_p99_max,
    rss_bytes,
    start_host,
    stop_host,
    strategy_wheel,
    until,
)
from liveswap.home.control_store import update_control  # noqa: E402
from liveswap.home.status import read_status  # noqa: E402


def hot_swaps(home: Path, env: dict[str, str], speed: float, swaps: int) -> dict[str, Any]:
    proc = start_host(env, speed, "--strategy", f"{NAME}==1.0.0")
    try:
        until(lambda: host_trading(home, proc), 60)
        pauses, commands = [], []
        for i in range(swaps):
            spec = f"{NAME}=={'1.1.0' if i % 2 == 0 else '1.0.0'}"
            t0 = time.monotonic()
            done = liveswap(env, "activate", spec, "--wait", "60")
            commands.append(1000 * (time.monotonic() - t0))
            if done.returncode != 0:
                raise RuntimeError(f"activate {spec}: {done.stderr.strip()}")
            st = until(lambda spec=spec: (s := read_status(home / "state")) and s.last_swap is not None
                       and s.last_swap.to == spec and s.last_swap.pause_ms is not None and s, 10)
            pauses.append(float(st.last_swap.pause_ms))
            time.sleep(0.3)  # let a few batches be decided by the new version
        host_rss = rss_bytes(proc.pid)
        final = read_status(home / "state")
        worker_rss = final.worker.rss_bytes if final is not None else None
    finally:
        stop_host(proc)
    decided, missing, markets = journal_gaps(home / "state" / "journal.sqlite")
    return {"pauses": pauses, "commands": commands, "decided": decided, "missing": missing, "markets": markets,
            "host_rss": host_rss, "worker_rss": worker_rss}


def restarts(home: Path, env: dict[str, str], speed: float, n: int) -> dict[str, list[float]]:
    journal = home / "state" / "journal.sqlite"
    stop_ms, ready_ms, first_ms = [], [], []
    active = "1.0.0"
    proc = start_host(env, speed)
    try:
        until(lambda: host_trading(home, proc), 60)
        for _ in range(n):
            time.sleep(0.5)
            target = "1.1.0" if active == "1.0.0" else "1.0.0"
            before = decisions_by(journal, target)
            t0 = time.monotonic()
            stop_host(proc)
            stop_ms.append(1000 * (time.monotonic() - t0))
            update_control(home / "state", lambda d, g, t=target: {**d, "active": f"{NAME}=={t}"})
            proc = start_host(env, speed)
            until(lambda p=proc: host_trading(home, p), 60)
            ready_ms.append(1000 * (time.monotonic() - t0))
            until(lambda t=target, b=before: decisions_by(journal, t) > b, 60)
            first_ms.append(1000 * (time.monotonic() - t0))
            active = target
    finally:
        stop_host(proc)
    return {"stop": stop_ms, "ready": ready_ms, "first": first_ms}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--swaps", type=int, default=20)
    parser.add_argument("--restarts", type=int, default=5)
    parser.add_argument("--speed", type=float, default=600.0, help="simulated seconds per second (600: a 5m "
                        "batch every 0.5 s)")
    args = parser.parse_args(argv)
    print(f"deploy downtime, nine markets, speed {args.speed:g} -- {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        for version in ("1.0.0", "1.1.0"):
            strategy_wheel(home / "registry", version, 1_000)
        env = host_env(home, LIVESWAP_HEARTBEAT_SECONDS="0.2")
        hot = hot_swaps(home, env, args.speed, args.swaps)
        cold = restarts(home, env, args.speed, args.restarts)
    p50, p99, worst = p50_p99_max(hot["pauses"])
    print(f"hot swap, {len(hot['pauses'])} x activate --wait: pause p50 {p50:.2f} ms, p99 {p99:.2f} ms, "
          f"max {worst:.2f} ms; command to active median {statistics.median(hot['commands']):.0f} ms")
    print(f"  journal: {hot['decided']} candles decided in {hot['markets']} markets, {hot['missing']} missing "
          f"(contiguous per market); host RSS {mib(hot['host_rss'])} MiB, worker RSS {mib(hot['worker_rss'])} MiB")
    r50, r99, rmax = p50_p99_max(cold["first"])
    print(f"restart, {len(cold['first'])} x SIGTERM + liveswap run: stop {statistics.median(cold['stop']):.0f} ms, "
          f"up and trading {statistics.median(cold['ready']):.0f} ms, first batch decided by the new version "
          f"p50 {r50:.0f} ms (max {rmax:.0f} ms) after the stop signal")
    print(f"restart downtime / hot-swap pause (p50): {r50 / p50:.0f}x; against p99: {r50 / p99:.0f}x")
    return {"hot": hot, "cold": cold, "pause": (p50, p99, worst), "restart": (r50, r99, rmax), "speed": args.speed}


if __name__ == "__main__":
    main()
