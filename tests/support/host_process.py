"""Driving a real ``liveswap run`` process from a test: start it, wait for its status, run CLI
commands against its home, read its journal. ``PROBE`` is a tiny strategy that stakes
``params["stake"]`` (default 1) on every candle; :func:`probe_env` drops two versions of it
(``ctlprobe`` 1.0.0 and 2.0.0) as wheels into a home's ``registry/``.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.conftest import BIN
from tests.support.engine_helpers import status_json
from tests.support.host import ls as ls
from tests.support.wait import until as until
from tests.support.wheelkit import make_wheel

PROBE = '''
from liveswap.api import Intent, hookimpl


class Strategy:
    """Stakes params["stake"] (default 1) on every candle; exports what params it has seen."""

    def __init__(self):
        self.on_params_calls = []
        self.ctx_params = None

    @hookimpl
    def on_params(self, params):
        self.on_params_calls.append(params)

    @hookimpl
    def on_candle(self, candle, ctx):
        self.ctx_params = dict(ctx.params)
        side = "up" if candle.close >= candle.open else "down"
        return [Intent(candle.market, side, float(ctx.params.get("stake", 1.0)))]

    @hookimpl
    def export_state(self):
        return {"on_params": self.on_params_calls, "ctx_params": self.ctx_params}
'''


def start_host(env: dict[str, str], *extra: str) -> subprocess.Popen[str]:
    # stderr goes to a file, never to a pipe nobody reads: a host logging every batch at --speed 3000
    # fills a 64 KB pipe within seconds and then blocks on its next log line (heartbeat stale, "the
    # host (not running)" in a --wait) -- the cause of the control test's old flake
    err = open(Path(env["LIVESWAP_HOME"]).parent / "host.stderr", "a")  # noqa: SIM115 - the child keeps it
    try:
        return subprocess.Popen([str(BIN / "liveswap"), "run", "--speed", "3000", *extra], env=env, text=True,
                                stdout=subprocess.DEVNULL, stderr=err)
    finally:
        err.close()


def host_stderr(env: dict[str, str]) -> str:
    """The end of what hosts started with ``env`` wrote to stderr."""
    path = Path(env["LIVESWAP_HOME"]).parent / "host.stderr"
    return path.read_text(errors="replace")[-3000:] if path.exists() else ""


def alive_status(home: Path, proc: subprocess.Popen[str]) -> dict[str, Any] | None:
    st = status_json(home / "state")
    return st if st and st.get("pid") == proc.pid and st.get("running") and st.get("cursor") else None


@contextmanager
def running_host(home: Path, env: dict[str, str], *extra: str) -> Iterator[subprocess.Popen[str]]:
    proc = start_host(env, *extra)
    try:
        until(lambda: alive_status(home, proc) or proc.poll() is not None, what="the host to start")
        assert proc.poll() is None, host_stderr(env)
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGCONT)
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def orders(home: Path, where: str = "1=1", args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
    db = sqlite3.connect(f"file:{home / 'state' / 'journal.sqlite'}?mode=ro", uri=True)
    db.row_factory = sqlite3.Row
    try:
        return db.execute(f"SELECT * FROM orders WHERE {where}", args).fetchall()
    finally:
        db.close()


def status_of(home: Path) -> dict[str, Any]:
    st = status_json(home / "state")
    assert st is not None
    return st


def probe_env(home: Path, cli_env: dict[str, str]) -> dict[str, str]:
    """``cli_env`` with the strategy ``ctlprobe`` 1.0.0 and 2.0.0 as wheels in the home's registry."""
    for version in ("1.0.0", "2.0.0"):
        make_wheel(home / "registry", "ctlprobe-strategy", version, ep="ctlprobe", module="ctlprobe_strategy",
                   body=PROBE)
    # a daily loss limit the probe's coin flips never reach: every missing order is the pause's doing
    return {**cli_env, "LIVESWAP_SNAPSHOT_SECONDS": "0.3", "LIVESWAP_PROBATION_BATCHES": "2",
            "LIVESWAP_RISK__DAILY_LOSS_LIMIT": "1000000", "LIVESWAP_PAPER__STARTING_BALANCE": "1000000"}
