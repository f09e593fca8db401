"""Driving a real ``liveswap run`` process from a test: a probe wheel, start/stop, status and
journal reads (read-only, beside the running host)."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from liveswap.fsutil import atomic_write_json

from tests.support.wait import until as until
from tests.support.wheelkit import make_wheel

BIN = Path(sys.executable).parent

STAKER = '''
from liveswap.api import Intent, hookimpl


class Strategy:
    """Stakes params["stake"] (default 5) on every candle, on the side of the last move."""

    @hookimpl
    def on_candle(self, candle, ctx):
        side = "up" if candle.close >= candle.open else "down"
        return [Intent(candle.market, side, float(ctx.params.get("stake", 5.0)))]
'''


DAY = 86_400
DAY0 = 20_400 * DAY  # 2025-11-08 00:00 UTC


def staker_home(home: Path, env: dict[str, str], **settings: str) -> dict[str, str]:
    """``home`` with the ``staker`` 1.0.0 wheel in its registry, its simulated clock just past
    midnight UTC (``DAY0`` + 10 min: at speed 300 the UTC day lasts ~4.8 real minutes, so a test
    never straddles a day unless it waits for one); the env a host of it runs with."""
    make_wheel(home / "registry", "staker-strategy", "1.0.0", ep="staker", module="staker_strategy", body=STAKER)
    atomic_write_json(home / "state" / "clock.json", {"sim": DAY0 + 600, "wall": time.time(), "speed": 300})
    return {**env, "LIVESWAP_STRATEGY": "staker==1.0.0", "LIVESWAP_HEARTBEAT_SECONDS": "0.1",
            "LIVESWAP_WARMUP_SECONDS": "0", **settings}


def ls(env: dict[str, str], *args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "liveswap"), *args], env=env, capture_output=True, text=True, timeout=timeout)


def status(home: Path, proc: subprocess.Popen[str] | None = None) -> dict[str, Any]:
    """status.json as written (of ``proc``'s host if given), or {}."""
    try:
        st = json.loads((home / "state" / "status.json").read_text())
    except (FileNotFoundError, ValueError):
        return {}
    return st if proc is None or st.get("pid") == proc.pid else {}


@contextmanager
def running_host(home: Path, env: dict[str, str], speed: float = 300) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen([str(BIN / "liveswap"), "run", "--speed", str(speed)], env=env, text=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        until(lambda: (status(home, proc).get("running") and status(home, proc).get("cursor"))
              or proc.poll() is not None, what="the host to start")
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc.stderr:
            proc.stderr.close()


def journal_rows(home: Path, sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
    db = sqlite3.connect(f"file:{home / 'state' / 'journal.sqlite'}?mode=ro", uri=True, timeout=5)
    db.row_factory = sqlite3.Row
    try:
        return db.execute(sql, args).fetchall()
    finally:
        db.close()


def traded_after(home: Path, batch_end: int) -> list[sqlite3.Row]:
    """Orders the host placed (not merely journaled stale) for batches after ``batch_end``."""
    return journal_rows(home, "SELECT * FROM orders WHERE batch_end > ? AND status != 'stale'", (batch_end,))
