"""``liveswap status`` (and ``run``'s banner, ``history``, ``journal export``, ``logs``) against a real
host running a hostile strategy in a real sandboxed worker: its exception message and its intent
tags carry rich markup and terminal escapes, and every command shows them as written."""

from __future__ import annotations

import csv
import io
import json
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.conftest import BIN
from tests.support.wheelkit import make_wheel

MESSAGE = "[/] closing tag and [bold]x \x1b[2J"
TAG = "[bold]x[/]"
HOSTILE = f'''
from liveswap.api import Intent, hookimpl


class Strategy:
    def __init__(self):
        self.n = 0

    @hookimpl
    def on_candle(self, candle, ctx):
        self.n += 1
        if self.n > 120:
            raise RuntimeError({MESSAGE!r})
        return [Intent(market=candle.market, side="up", stake=1.0, tag={TAG!r})]
'''


def ls(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "liveswap"), *args], env=env, capture_output=True, text=True, timeout=60)


def until(predicate: Callable[[], Any], what: str, timeout: float = 90.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def status_json(home: Path) -> dict[str, Any]:
    try:
        return json.loads((home / "state" / "status.json").read_text())
    except (OSError, ValueError):
        return {}


def test_a_hostile_strategy_cannot_break_status_history_export_or_logs(home: Path, cli_env: dict[str, str]) -> None:
    make_wheel(home / "registry", "hostile-strategy", "1.0.0", ep="hostile", module="hostile_strategy", body=HOSTILE)
    env = {**cli_env, "LIVESWAP_WARMUP_SECONDS": "1800", "LIVESWAP_HEARTBEAT_SECONDS": "0.2",
           "LIVESWAP_SPEED": "1500", "LIVESWAP_MAX_RESTARTS": "1"}
    err = (home.parent / "host.err").open("w")
    host = subprocess.Popen([str(BIN / "liveswap"), "run", "--strategy", "hostile==1.0.0"], env=env,
                            stdout=subprocess.DEVNULL, stderr=err)
    try:
        until(lambda: status_json(home).get("last_fault"), "the strategy to raise")
        st = status_json(home)
        assert MESSAGE in st["last_fault"]

        done = ls(env, "status")
        assert done.returncode == 0, done.stderr
        shown = MESSAGE.replace("\x1b", "\\x1b")
        assert shown in done.stdout and "\x1b" not in done.stdout
        assert "warming up" not in done.stdout  # that is the log's word, below
        assert ls(env, "status", "--json").returncode == 0

        history = ls(env, "history")
        assert history.returncode == 0, history.stderr
        assert "\x1b" not in history.stdout

        fills = ls(env, "journal", "export", "fills")
        assert fills.returncode == 0 and {r["tag"] for r in csv.DictReader(io.StringIO(fills.stdout))} == {TAG}

        worker = ls(env, "logs", "--worker")  # the worker's traceback, escaped
        assert worker.returncode == 0 and "RuntimeError" in worker.stdout and "\x1b" not in worker.stdout

        watch = subprocess.Popen([str(BIN / "liveswap"), "status", "--watch", "0.2"], env=env,
                                 stdout=subprocess.PIPE, text=True)
        try:
            assert watch.stdout is not None
            frames = 0
            for line in watch.stdout:
                frames += line.startswith("(every 0.2 s; Ctrl-C to stop)")
                if frames == 2:
                    break
        finally:
            watch.send_signal(signal.SIGINT)
            assert watch.wait(10) == 0  # Ctrl-C is how a watch ends, not an error
    finally:
        host.send_signal(signal.SIGINT)
        host.wait(30)
        err.close()
    banner = (home.parent / "host.err").read_text()
    assert f"liveswap 1.0.0 host (pid {host.pid}) on home {home}" in banner
    assert f"log       {home / 'state' / 'logs' / 'liveswap.log'}" in banner
    assert "balance   1,000.00" in banner
    log = (home / "state" / "logs" / "liveswap.log").read_text()
    assert "(warming up: decided, not traded)" in log and "stale, not traded" not in log


def test_equity_is_as_filled_and_the_same_in_status_json_and_the_dashboard(home: Path,
                                                                            cli_env: dict[str, str]) -> None:
    """Issue 24, point 3, against a real host: equity at cost is the cash plus what the open positions cost as
    filled (contracts x price + fees), not the stakes asked; ``status``, ``status --json`` and the dashboard's data
    say the same figure."""
    from liveswap.web.data import overview

    from tests.support.host import running_host, staker_home
    from tests.support.host import status as host_status

    env = staker_home(home, cli_env, LIVESWAP_RISK__MAX_OPEN_POSITIONS="50")
    with running_host(home, env) as proc:
        until(lambda: len(host_status(home, proc).get("open_positions") or []) >= 3, "open positions")
    st = json.loads(ls(env, "status", "--json").stdout)  # the host stopped: its last status stands still
    positions = st["open_positions"]
    assert positions, "the host stopped with no open position"
    at_cost = sum(p["cost"] + p["fee"] for p in positions)
    assert abs(st["open_at_cost"] - at_cost) < 1e-6 and abs(st["equity_at_cost"] - (st["balance"] + at_cost)) < 1e-6
    assert abs(at_cost - sum(p["stake"] for p in positions)) > 0.001  # fees (and fills): not the stakes asked
    shown = ls(env, "status").stdout
    assert f"equity at cost {st['equity_at_cost']:,.2f} = cash {st['balance']:,.2f} + {at_cost:,.2f}" in shown
    assert overview(home / "state")["money"]["equity_at_cost"] == st["equity_at_cost"]
