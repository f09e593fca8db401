"""Hostile strategies against processes: the host, other workers, leftovers, fork bombs, memory."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from liveswap.home.status import read_status
from liveswap.sandbox.limits import MiB, SandboxLimits

from tests.conftest import BIN
from tests.support.engine_helpers import advance
from tests.support.hostile import STRICT, failed, hostile_wheel, needs_strict, running, tree_of
from tests.support.wheelkit import make_wheel

pytestmark = needs_strict

PROBE = """
from liveswap.api import Intent, hookimpl

class Strategy:
    @hookimpl
    def on_candle(self, candle, ctx):
        return [Intent(candle.market, "up" if candle.close >= candle.open else "down", 1.0)]
"""

SIGNALS = '''
def attack(ctx):
    host = ctx.params.get("host_pid")
    if not host:
        return False
    attempt("sigstop", lambda: os.kill(host, signal.SIGSTOP))
    attempt("sigkill", lambda: os.kill(host, signal.SIGKILL))
    attempt("killpg", lambda: os.killpg(os.getpgid(host), signal.SIGKILL))
    attempt("renice", lambda: os.setpriority(os.PRIO_PROCESS, host, 19))
    attempt("renice_user", lambda: os.setpriority(os.PRIO_USER, 0, 19))
    attempt("pin", lambda: os.sched_setaffinity(host, {0}))
    attempt("ptrace", lambda: open("/proc/%d/mem" % host, "rb"))
    def grandchild():
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                while True:
                    time.sleep(0.2)
            os._exit(0)
        os.wait()
    grandchild()
'''


def until(predicate, timeout: float = 60.0, what: str = "condition"):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def state_letter(pid: int) -> str:
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(")", 1)[1].split()[0]


def test_cannot_signal_renice_or_pin_the_host_and_leaves_nothing_behind(home: Path, cli_env: dict[str, str]) -> None:
    hostile_wheel(home / "registry", SIGNALS, {})
    env = {**cli_env, "LIVESWAP_STRATEGY": "hostile", "LIVESWAP_SANDBOX__LEVEL": STRICT.level,
           "LIVESWAP_SNAPSHOT_SECONDS": "0.3", "LIVESWAP_PAPER__STARTING_BALANCE": "1000000",
           "LIVESWAP_RISK__DAILY_LOSS_LIMIT": "1000000"}
    proc = subprocess.Popen([str(BIN / "liveswap"), "run", "--speed", "3000"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        until(lambda: (st := read_status(home / "state")) is not None and st.running or proc.poll() is not None,
              what="the host to start")
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        sandbox = read_status(home / "state").sandbox  # type: ignore[union-attr]
        assert sandbox is not None and sandbox.level == STRICT.level and not sandbox.refused and sandbox.in_force
        nice, cpus = os.getpriority(os.PRIO_PROCESS, proc.pid), os.sched_getaffinity(proc.pid)
        done = subprocess.run([str(BIN / "liveswap"), "set", f"host_pid={proc.pid}", "--wait", "30"], env=env,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr

        def attacked() -> dict | None:  # type: ignore[type-arg]
            st = read_status(home / "state")
            state = (st.strategy_state if st is not None else None) or {}
            return state.get("results") if len(state.get("results") or {}) >= 7 else None
        results = until(attacked, what="the attack to run")
        failed(results, "sigstop", "sigkill", "killpg", "renice", "renice_user", "pin", "ptrace")
        assert proc.poll() is None and state_letter(proc.pid) != "T"
        assert os.getpriority(os.PRIO_PROCESS, proc.pid) == nice and os.sched_getaffinity(proc.pid) == cpus
        processed = read_status(home / "state").candles_processed  # type: ignore[union-attr]
        until(lambda: read_status(home / "state").candles_processed > processed + 20,  # type: ignore[union-attr]
              what="more trading")
        worker_tree = [p for p in tree_of(proc.pid) if p != proc.pid]
        assert len(worker_tree) >= 3  # bwrap, the worker, its setsid grandchild (at least)
    finally:
        proc.kill()  # kill -9 of the host: the sandbox's whole tree goes with it
        proc.wait()
        if proc.stderr:
            proc.stderr.close()
    until(lambda: not any(running(p) for p in worker_tree), timeout=10, what="the worker tree to die with the host")


def test_a_setsid_grandchild_dies_with_its_worker(home: Path, host) -> None:
    hostile_wheel(home / "registry", '''
def attack(ctx):
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            os.closerange(3, 1024)
            while True:
                time.sleep(0.2)
        os._exit(0)
    os.wait()
''', {})
    h = host()
    engine = h.start()
    h.attack()
    tree = tree_of(engine.active.runner.pid)
    assert len(tree) >= 3
    h.assert_keeps_trading_with_money_intact()
    engine.active.runner.close()
    assert not any(running(p) for p in tree)


def test_a_fork_bomb_stops_at_the_process_limit(home: Path, host) -> None:
    hostile_wheel(home / "registry", '''
def attack(ctx):
    n = 0
    try:
        for _ in range(500):
            if os.fork() == 0:
                time.sleep(30)
                os._exit(0)
            n += 1
    except OSError as exc:
        RESULTS["fork"] = "failed: " + str(exc)
    LEAK.append("forked %d" % n)
''', {})
    h = host(SandboxLimits(**{**STRICT.model_dump(), "processes": 16}))
    engine = h.start()
    results = h.attack()
    forked = int(results["_leak"][0].split()[1])
    assert forked < 16
    assert len(tree_of(engine.active.runner.pid)) <= 16 + 3
    h.assert_keeps_trading_with_money_intact()


def test_memory_of_forked_children_counts_and_is_capped_across_the_tree(home: Path, host) -> None:
    hostile_wheel(home / "registry", '''
def attack(ctx):
    for _ in range(4):
        if os.fork() == 0:
            hog = bytearray(150 * 1024 * 1024)
            for i in range(0, len(hog), 4096):
                hog[i] = 1
            time.sleep(60)
            os._exit(0)
    time.sleep(3)
''', {})
    make_wheel(home / "registry", "probe-strategy", "1.0.0", ep="probe", module="probe_strategy",
               body=PROBE)
    h = host(SandboxLimits(**{**STRICT.model_dump(), "memory_bytes": 256 * MiB, "tree_memory_bytes": 400 * MiB}))
    engine = h.start("probe==1.0.0")
    advance(engine, 300)
    refused = h.swap_to("hostile==6.6.6")
    # another strategy is warmed on recent candles before it takes over, so the attack may already
    # run (and its tree be killed) during the warm-up: the swap is refused; else the probation's
    # first batch kills it and the host rolls back. Either way the tree was capped.
    if refused is not None:
        assert "tree_memory_bytes" in refused
    else:
        advance(engine, 600)
        assert engine.last_swap is not None
        assert engine.last_swap.kind == "auto-rollback" and "tree_memory_bytes" in engine.last_swap.reason
    assert engine.active.spec == "probe==1.0.0"
    h.assert_keeps_trading_with_money_intact()
