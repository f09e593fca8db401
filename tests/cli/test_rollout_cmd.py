"""``liveswap shadow | promote | reject | rollout`` against a real host with sandboxed workers.

The ``strategy_env`` fixture of the control tests is repeated here in small: two versions of a
probe strategy as wheels in the home's registry; the host runs 1.0.0 and shadows 2.0.0.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import BIN
from tests.support.engine_helpers import status_json
from tests.support.wheelkit import make_wheel

PROBE = '''
from liveswap.api import Intent, hookimpl


class Strategy:
    """Bets with the last candle's direction; counts the candles it decided (state survives swaps)."""

    def __init__(self):
        self.decided = 0

    @hookimpl
    def on_candle(self, candle, ctx):
        self.decided += 1
        side = "up" if candle.close >= candle.open else "down"
        return [Intent(candle.market, side, 1.0)]

    @hookimpl
    def export_state(self):
        return {"decided": self.decided}

    @hookimpl
    def import_state(self, state, from_version):
        self.decided = state["decided"]
'''


@pytest.fixture
def env(home: Path, cli_env: dict[str, str]) -> dict[str, str]:
    for version in ("1.0.0", "2.0.0"):
        make_wheel(home / "registry", "shprobe-strategy", version, ep="shprobe", module="shprobe_strategy",
                   body=PROBE)
    return {**cli_env, "LIVESWAP_STRATEGY": "shprobe==1.0.0", "LIVESWAP_SNAPSHOT_SECONDS": "0.3",
            "LIVESWAP_PROBATION_BATCHES": "2", "LIVESWAP_RISK__DAILY_LOSS_LIMIT": "1000000",
            "LIVESWAP_PAPER__STARTING_BALANCE": "1000000"}


def ls(env: dict[str, str], *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "liveswap"), *args], env=env, capture_output=True, text=True, timeout=timeout)


def until(predicate: Callable[[], Any], timeout: float = 30.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def start(env: dict[str, str], home: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([str(BIN / "liveswap"), "run", "--speed", "3000"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def up() -> bool:
        st = status_json(home / "state")
        return bool(st and st.get("pid") == proc.pid and st.get("running") and st.get("cursor"))

    until(lambda: up() or proc.poll() is not None, what="the host to start")
    assert proc.poll() is None
    return proc


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def journal(home: Path, sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
    db = sqlite3.connect(f"file:{home / 'state' / 'journal.sqlite'}?mode=ro", uri=True)
    db.row_factory = sqlite3.Row
    try:
        return db.execute(sql, args).fetchall()
    finally:
        db.close()


def candidate(home: Path) -> dict[str, Any] | None:
    st = status_json(home / "state")
    return None if st is None else st.get("candidate")


def test_shadow_survives_kill_9_and_promote_keeps_its_worker(home: Path, env: dict[str, str]) -> None:
    proc = start(env, home)
    try:
        done = ls(env, "shadow", "shprobe==2.0.0", "--min-bets", "5", "--wait", "30")
        assert done.returncode == 0, done.stderr
        first = until(lambda: (c := candidate(home)) and c.get("bets", 0) >= 3 and c, what="settled shadow bets")
        assert first["spec"] == "shprobe==2.0.0" and first["mode"] == "shadow"
        assert first["active"]["spec"] == "shprobe==1.0.0"
        shown = ls(env, "rollout")
        assert shown.returncode == 0 and "candidate  shprobe==2.0.0" in shown.stdout
        assert "paired batches" in shown.stdout
        as_json = json.loads(ls(env, "rollout", "--json").stdout)
        assert as_json["running"] and as_json["candidate"]["figures"]["candidate"]["spec"] == "shprobe==2.0.0"
        hypo = journal(home, "SELECT DISTINCT spec FROM hypothetical_orders")
        assert [r[0] for r in hypo] == ["shprobe==2.0.0"]
        assert not journal(home, "SELECT * FROM orders WHERE version='2.0.0'")  # nothing of it was sent

        os.kill(proc.pid, signal.SIGKILL)  # no final snapshot, no clean close
        proc.wait()
        proc = start(env, home)
        before = first["cursor"]
        resumed = until(lambda: (c := candidate(home)) and c.get("phase") == "running" and c["cursor"] > before
                        and c, what="the shadow to resume")
        assert resumed["spec"] == "shprobe==2.0.0"
        rows = journal(home, "SELECT id, ended_at FROM candidates")
        assert len(rows) == 1 and rows[0]["ended_at"] is None  # the same candidate, resumed
        ids = journal(home, "SELECT order_id, COUNT(*) FROM hypothetical_orders GROUP BY order_id HAVING COUNT(*) > 1")
        assert not ids

        done = ls(env, "promote", "--wait", "30")
        assert done.returncode == 0, done.stderr
        st = status_json(home / "state")
        assert st is not None and st["active"]["version"] == "2.0.0"
        assert journal(home, "SELECT kind FROM swaps ORDER BY id DESC LIMIT 1")[0][0] == "promote"
        assert journal(home, "SELECT outcome FROM candidates")[0][0] == "promoted"
        until(lambda: journal(home, "SELECT * FROM orders WHERE version='2.0.0'"), what="orders of 2.0.0")
        # its own state went on: it counts every candle it decided since it took 1.0.0's state
        state = until(lambda: (s := status_json(home / "state")) and s.get("strategy_state"), what="state")
        assert state["decided"] > 0
    finally:
        stop(proc)


def test_reject_stops_the_shadow(home: Path, env: dict[str, str]) -> None:
    proc = start(env, home)
    try:
        assert ls(env, "shadow", "shprobe==2.0.0", "--wait", "30").returncode == 0
        until(lambda: (c := candidate(home)) and c.get("phase") == "running", what="the shadow")
        done = ls(env, "reject", "--wait", "30")
        assert done.returncode == 0, done.stderr
        c = until(lambda: (c := candidate(home)) and c.get("phase") == "rejected" and c, what="the rejection")
        assert c["ended_reason"] == "rejected by the operator"
        assert status_json(home / "state")["active"]["version"] == "1.0.0"  # type: ignore[index]
    finally:
        stop(proc)


def test_refusals_without_a_host(home: Path, env: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "a.toml"
    bad.write_text("[analysis]\nalpha = 0.9\n")
    out = ls(env, "shadow", "shprobe==2.0.0", "--analysis", str(bad))
    assert out.returncode == 1 and "alpha" in out.stderr
    out = ls(env, "promote")
    assert out.returncode == 1 and "no candidate to promote" in out.stderr
    out = ls(env, "canary", "shprobe==2.0.0", "--market", "NOPE-5m")
    assert out.returncode == 1 and "unknown market" in out.stderr
    out = ls(env, "shadow", "shprobe==2.0.0")
    assert out.returncode == 0 and "no host is running" in out.stdout
    # --wait without a host returns at once with exit 0, as activate and pause do (it sat out the
    # whole wait and failed with 'the host (not running) has not applied generation G')
    out = ls(env, "reject", "--wait", "600")  # ls gives up long before 600 s
    assert out.returncode == 0, out.stderr
    assert "recorded (generation 2); no host is running on" in out.stdout


def test_canary_trades_only_its_market_and_comes_back_after_kill_9(home: Path, env: dict[str, str]) -> None:
    proc = start(env, home)
    try:
        done = ls(env, "canary", "shprobe==2.0.0", "--market", "BTC-5m", "--wait", "30")
        assert done.returncode == 0, done.stderr
        until(lambda: journal(home, "SELECT * FROM orders WHERE version='2.0.0'"), what="canary orders")
        c = candidate(home)
        assert c is not None and c["mode"] == "canary" and c["markets"] == ["BTC-5m"]
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        killed_at = journal(home, "SELECT MAX(batch_end) FROM decisions")[0][0]
        proc = start(env, home)
        until(lambda: journal(home, "SELECT * FROM decisions WHERE version='2.0.0' AND batch_end > ?", (killed_at,)),
              what="the canary to trade again")
        markets = {r[0] for r in journal(home, "SELECT DISTINCT market FROM orders WHERE version='2.0.0'")}
        assert markets == {"BTC-5m"}
        assert not journal(home, "SELECT * FROM hypothetical_orders")
        assert ls(env, "reject", "--wait", "30").returncode == 0
        cut = journal(home, "SELECT MAX(batch_end) FROM decisions")[0][0]
        until(lambda: journal(home, "SELECT * FROM decisions WHERE market='BTC-5m' AND version='1.0.0' AND "
                                    "batch_end > ?", (cut,)), what="BTC-5m back with 1.0.0")
    finally:
        stop(proc)


def test_promote_says_from_what_to_what_and_history_lists_every_rollout_step(home: Path,
                                                                            env: dict[str, str]) -> None:
    """Issue 24, point 12: ``promote --wait`` prints ``promoted shprobe==2.0.0 (from shprobe==1.0.0), trading
    paused ... ms``; ``history`` lists the shadow's and the canary's starts, the promotion and the rejection."""
    proc = start(env, home)
    try:
        assert ls(env, "shadow", "shprobe==2.0.0", "--wait", "30").returncode == 0
        done = ls(env, "promote", "--wait", "60")
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("promoted shprobe==2.0.0 (from shprobe==1.0.0), trading paused "), done.stdout
        assert re.match(r"promoted \S+ \(from \S+\), trading paused [0-9.]+ ms", done.stdout), done.stdout
        assert ls(env, "canary", "shprobe==1.0.0", "--market", "BTC-5m", "--wait", "30").returncode == 0
        assert ls(env, "reject", "--wait", "30").returncode == 0
    finally:
        stop(proc)
    shown = ls(env, "history")
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    for kind, version in (("shadow start", "shprobe==2.0.0"), ("shadow promoted", "shprobe==2.0.0"),
                          ("canary start", "shprobe==1.0.0"), ("canary rejected", "shprobe==1.0.0")):
        assert any(kind in line and version in line for line in lines), (kind, shown.stdout)
    assert any("BTC-5m" in line and "canary start" in line for line in lines)
    entries = json.loads(ls(env, "history", "--json").stdout)
    assert [e["kind"] for e in entries if e["what"] == "candidate"][:2] == ["canary rejected", "canary start"]
