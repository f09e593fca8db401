"""Three (or more) real ``liveswap run`` hosts in one fleet on a real nats-server: each with its own
home, the probe strategy's wheels, a short lease, and the synthetic feed's shared clock."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import HERMETIC_ENV
from tests.support.engine_helpers import status_json
from tests.support.host import journal_rows
from tests.support.host_process import probe_env, start_host
from tests.support.nats_server import NatsServer
from tests.support.wait import until

MARKETS = "BTC-5m,ETH-5m,SOL-5m,XRP-5m,DOGE-5m,BTC-15m,ETH-15m,SOL-15m,XRP-15m"
LEASE_SECONDS = "2"


def fleet_env(home: Path, server: NatsServer, host_id: str, **extra: str) -> dict[str, str]:
    (home / "state").mkdir(parents=True, exist_ok=True)
    (home / "registry").mkdir(exist_ok=True)
    base = {k: v for k, v in os.environ.items() if not k.startswith("LIVESWAP_")}
    base.update(HERMETIC_ENV, LIVESWAP_HOME=str(home))
    env = probe_env(home, base)
    env.update({"LIVESWAP_FLEET__URL": server.url, "LIVESWAP_FLEET__HOST_ID": host_id,
                "LIVESWAP_FLEET__LEASE_SECONDS": LEASE_SECONDS, "LIVESWAP_STRATEGY": "ctlprobe==1.0.0",
                "LIVESWAP_WARMUP_SECONDS": "3600", "LIVESWAP_HEARTBEAT_SECONDS": "0.2",
                "LIVESWAP_MARKETS": f'["{MARKETS.replace(",", chr(34) + "," + chr(34))}"]', **extra})
    return env


def owned(home: Path) -> dict[str, int]:
    st = status_json(home / "state") or {}
    return dict((st.get("fleet") or {}).get("markets_owned") or {})


rows = journal_rows  # a host's journal, read-only


class Fleet:
    def __init__(self, root: Path, server: NatsServer, size: int = 3, **extra: str) -> None:
        self.homes = [root / f"h{i}" / "home" for i in range(size)]
        self.envs = [fleet_env(h, server, f"h{i}", **extra) for i, h in enumerate(self.homes)]
        self.procs: list[subprocess.Popen[str] | None] = [None] * size

    def start(self, i: int) -> subprocess.Popen[str]:
        proc = start_host(self.envs[i])
        self.procs[i] = proc
        return proc

    def kill(self, i: int) -> None:
        proc = self.procs[i]
        assert proc is not None
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()

    def stop(self) -> None:
        for proc in self.procs:
            if proc is not None and proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            if proc is not None and proc.poll() is None:
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()

    def spread(self, per_host: int, live: list[int]) -> bool:
        maps = [owned(self.homes[i]) for i in live]
        return all(len(m) >= per_host for m in maps) and sum(len(m) for m in maps) == 9 \
            and len(set().union(*maps)) == 9


@contextmanager
def fleet_of(root: Path, server: NatsServer, size: int = 3, **extra: str) -> Iterator[Fleet]:
    fleet = Fleet(root, server, size, **extra)
    try:
        for i in range(size):
            fleet.start(i)
        until(lambda: all(status_json(h / "state") for h in fleet.homes) or
              any(p is not None and p.poll() is not None for p in fleet.procs), timeout=60, what="three hosts")
        yield fleet
    finally:
        fleet.stop()
