"""Steering a real ``liveswap run`` process through the CLI: with and without a host, --wait, the host lock.

The host needs a strategy: the ``strategy_env`` fixture drops two versions of a tiny probe
strategy, ``ctlprobe`` 1.0.0 and 2.0.0, as wheels into the home's ``registry/``; the host
validates, installs and runs them sandboxed like any other.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from liveswap.home.control_store import update_control

from tests.conftest import BIN
from tests.support.host_process import ls, orders, probe_env, running_host, status_of, until


@pytest.fixture
def strategy_env(home: Path, cli_env: dict[str, str]) -> dict[str, str]:
    return probe_env(home, cli_env)


# ---- without a running host --------------------------------------------------------------------

def test_changes_made_while_no_host_runs_are_the_desired_state_at_start(home: Path,
                                                                       strategy_env: dict[str, str]) -> None:
    commands = (["pause", "--market", "BTC-5m"], ["pause", "--market", "ETH-5m"], ["resume", "--market", "ETH-5m"],
                ["set", "stake=2", "risk.stake_cap=3"], ["rollback"], ["activate", "ctlprobe"])
    for args in commands:
        done = ls(strategy_env, *args)
        assert done.returncode == 0, done.stderr
        assert f"no host is running on {home}: applied when one starts" in done.stdout
    control = json.loads((home / "state" / "control.json").read_text())
    assert control["generation"] == 6 and control["active"] == "ctlprobe" and control["rollback"] is None

    # no --strategy: the host starts what control.json names (the default, momentum, is not installed)
    with running_host(home, strategy_env) as host:
        st = status_of(home)
        assert st["observed_generation"] == 6 and st["active"]["name"] == "ctlprobe"
        assert st["paused_markets"] == ["BTC-5m"] and st["params"] == {"stake": 2}
        assert st["risk"]["stake_cap"] == 3.0
        until(lambda: len(orders(home)) >= 20, what="orders")
        assert orders(home, "market = 'BTC-5m'") == []
        assert {r["stake_micros"] for r in orders(home)} == {2_000_000}
        assert host.poll() is None


def test_wait_without_a_host_returns_at_once(home: Path, strategy_env: dict[str, str]) -> None:
    """Nothing can apply the change now: --wait says so at once (exit 0) instead of sitting out 600 s."""
    done = subprocess.run([str(BIN / "liveswap"), "pause", "--wait", "600"], env=strategy_env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"pause all markets: recorded (generation 1); no host is running on {home}: applied when " \
                          "one starts\n"
    assert json.loads((home / "state" / "control.json").read_text())["paused"] is True


def test_the_first_command_on_a_fresh_home_warns_of_no_missing_control_file(home: Path,
                                                                          cli_env: dict[str, str]) -> None:
    """A host that never applied a generation never had a control.json: nothing was lost, so the
    README's first command prints no warning; once one was applied, its deletion is named."""
    status = {"observed_generation": 0, "active": {"name": "momentum", "version": "1.1.0"}}
    (home / "state" / "status.json").write_text(json.dumps(status))
    done = ls(cli_env, "pause", "--market", "BTC-5m")
    assert done.returncode == 0 and "missing" not in done.stderr, done.stderr
    (home / "state" / "control.json").unlink()
    (home / "state" / "status.json").write_text(json.dumps({**status, "observed_generation": 1}))
    done = ls(cli_env, "resume")
    assert done.returncode == 0 and "state/control.json was missing: rebuilt" in done.stderr, done.stderr


def test_every_control_file_the_cli_writes_is_one_the_hosts_model_accepts(home: Path,
                                                                         cli_env: dict[str, str]) -> None:
    """The CLI's fast path (no pydantic) writes control.json; the host's loader (the strict pydantic model)
    accepts every version of it, and the file is exactly what the model would write."""
    from liveswap.fsutil import atomic_write_json
    from liveswap.home.control_store import parse_text

    markets = ["BTC-5m", "ETH-5m"]
    (home / "state" / "status.json").write_text(json.dumps({"markets": markets, "observed_generation": 4}))
    (home / "state" / "control.json").write_text('{"generation": 3, "params": {"w": [1, 2.5]}}')
    (home / "state" / "registry").mkdir()  # the last registry scan found momentum 1.0.0 (as a host writes it)
    (home / "state" / "registry" / "catalog.json").write_text('{"versions": {"momentum": {"1.0.0": "compatible"}}}')
    steps = (["pause", "--market", "BTC-5m", "--market=ETH-5m"], ["resume", "--market", "ETH-5m"], ["pause"],
             ["resume"], ["set", "stake=2", "risk.stake_cap=3", 'name="é \\u2028"', "mode=fast", "w=null"],
             ["set", "risk.max_open_positions=0", "risk.daily_loss_limit=2.5e1", "risk.stake_cap=null"],
             ["activate", "momentum==1.0.0"], ["rollback"], ["rollback", "--to", "1.2"], ["activate", "momentum"])
    for generation, argv in enumerate(steps, start=5):
        done = subprocess.run([sys.executable, "-X", "importtime", str(BIN / "liveswap"), *argv], env=cli_env,
                              capture_output=True, text=True, timeout=60)
        imported = [line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()]
        assert done.returncode == 0, (argv, done.stderr[-500:])
        # the fast path; a risk limit with no host running is checked against this home's settings first
        assert "pydantic" not in imported or any(a.startswith("risk.") for a in argv), argv
        text = (home / "state" / "control.json").read_text()
        doc = parse_text(text, markets)  # what the host's watcher does with the file
        assert doc.generation == generation
        atomic_write_json(home / "model.json", doc.to_json())
        assert text == (home / "model.json").read_text(), argv  # byte for byte what the model writes
    assert doc.risk_overrides() == {"max_open_positions": 0, "daily_loss_limit": 25.0}
    assert doc.params == {"stake": 2, "name": "é \u2028", "mode": "fast"} and doc.rollback is None


def test_twenty_concurrent_writers_lose_no_update(home: Path, strategy_env: dict[str, str]) -> None:
    procs = [subprocess.Popen([str(BIN / "liveswap"), "set", f"k{i}={i}"], env=strategy_env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(20)]
    results = [(p.wait(60), p.stderr.read() if p.stderr else "") for p in procs]
    for p in procs:
        for stream in (p.stdout, p.stderr):
            if stream:
                stream.close()
    assert all(code == 0 for code, _ in results), results
    control = json.loads((home / "state" / "control.json").read_text())
    assert control["params"] == {f"k{i}": i for i in range(20)}
    assert control["generation"] == 20


# ---- with a running host -----------------------------------------------------------------------

def test_wait_applied_refused_and_timed_out_with_a_running_host(home: Path, strategy_env: dict[str, str]) -> None:
    with running_host(home, strategy_env, "--strategy", "ctlprobe==1.0.0") as host:
        done = ls(strategy_env, "set", "stake=3", "--wait", "5")
        assert done.returncode == 0, done.stderr
        assert f"generation 1 applied by the host (pid {host.pid})" in done.stdout

        # params reach the strategy: on_params, Context.params (exported at the next snapshot), orders
        def probe_saw() -> Any:
            state = status_of(home).get("strategy_state") or {}
            return state.get("ctx_params") == {"stake": 3} and state.get("on_params") == [{"stake": 3}]
        until(probe_saw, what="the strategy to see stake=3")
        until(lambda: orders(home, "stake_micros = 3000000"), what="an order staking 3")

        # pause one market: no new orders there while the others trade; resume: it trades again
        done = ls(strategy_env, "pause", "--market", "ETH-5m", "--wait", "5")
        assert done.returncode == 0, done.stderr
        cursor = status_of(home)["cursor"]
        until(lambda: len(orders(home, "batch_end > ? AND market = 'BTC-5m'", (cursor,))) >= 5, what="BTC-5m orders")
        assert orders(home, "batch_end > ? AND market = 'ETH-5m'", (cursor,)) == []
        done = ls(strategy_env, "resume", "--market", "ETH-5m", "--wait", "5")
        assert done.returncode == 0, done.stderr
        cursor = status_of(home)["cursor"]
        until(lambda: orders(home, "batch_end > ? AND market = 'ETH-5m'", (cursor,)), what="ETH-5m orders again")

        # a swap through the host's swap manager: refused for an unknown version, done for a known one
        # an unknown version is refused at once, with or without --wait, and control.json is not touched
        for wait in (["--wait", "20"], []):
            done = ls(strategy_env, "activate", "ctlprobe==9.9.9", *wait)
            assert done.returncode == 1 and "refused" in done.stderr and "9.9.9" in done.stderr
        done = ls(strategy_env, "activate", "nosuch")
        assert done.returncode == 1 and "nosuch" in done.stderr
        assert status_of(home)["active"]["version"] == "1.0.0"
        done = ls(strategy_env, "activate", "ctlprobe==2.0.0", "--wait", "20", "--json")
        assert done.returncode == 0, done.stderr
        out = json.loads(done.stdout)
        assert out["applied"] is True and (out["swap"]["from"], out["swap"]["to"]) == ("ctlprobe==1.0.0",
                                                                                     "ctlprobe==2.0.0")
        assert out["message"].startswith("activated ctlprobe==2.0.0 (from ctlprobe==1.0.0), trading paused ")
        assert out["message"].endswith(" ms; state carried: 2.0.0's import_state took 1.0.0's state (undeclared)")
        assert out["swap"]["state"] == "state carried: 2.0.0's import_state took 1.0.0's state (undeclared)"
        assert status_of(home)["active"]["version"] == "2.0.0"
        until(lambda: orders(home, "version = '2.0.0'"), what="orders of 2.0.0")
        done = ls(strategy_env, "rollback", "--wait", "20")
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("rolled back to ctlprobe==1.0.0 (from ctlprobe==2.0.0), trading paused ")
        crossed = done.stdout.rstrip().split("; ", 1)[1]  # how state crossed, said before the command returns
        assert crossed in ("1.0.0 resumed its own state at the swap plus a replay of the candles since",  # probation
                           "state carried: 1.0.0's import_state took 2.0.0's state (undeclared)")  # after it
        assert status_of(home)["active"]["version"] == "1.0.0"
        assert crossed in ls(strategy_env, "history").stdout

        # timed out: the host is alive but stopped (SIGSTOP), so it cannot apply anything
        host.send_signal(signal.SIGSTOP)
        try:
            done = ls(strategy_env, "set", "x=1", "--wait", "0.5")
        finally:
            host.send_signal(signal.SIGCONT)
        assert done.returncode == 1
        assert f"timed out after 0.5s; the host (pid {host.pid}) has not applied generation 6" in done.stderr
        until(lambda: status_of(home)["observed_generation"] == 6, what="generation 6 after SIGCONT")


def test_an_invalid_hand_edit_is_reported_and_trading_goes_on(home: Path, strategy_env: dict[str, str]) -> None:
    strategy_env = {**strategy_env, "LIVESWAP_HEARTBEAT_SECONDS": "5"}
    with running_host(home, strategy_env, "--strategy", "ctlprobe==1.0.0") as host:
        path = home / "state" / "control.json"
        t = time.monotonic()
        update_control(home / "state", lambda doc, g: {**doc, "params": {"stake": 2}})
        until(lambda: status_of(home)["observed_generation"] == 1, timeout=2.5, what="generation 1")
        print(f"control.json change observed in status after {1000 * (time.monotonic() - t):.0f} ms "
              "(heartbeat 5 s)")

        # written in place, as an editor may: the host can see the truncated file first ("empty file"),
        # then the whole one; what must end up in status is the field and its reason
        path.write_text('{"params": {"stake": 4}, "risk": {"stake_cap": "big"}, "generation": 2}')
        expected = "control.json risk.stake_cap: Input should be a valid number (got 'big')"
        st = until(lambda: (s := status_of(home))["control_error"] == expected and s, timeout=2.5,
                   what="the control error")
        assert st["params"] == {"stake": 2} and st["observed_generation"] == 1
        decided = len(orders(home))
        until(lambda: len(orders(home)) > decided + 20, what="trading to go on")
        new = orders(home, "batch_end > ?", (st["cursor"],))
        assert {r["stake_micros"] for r in new} == {2_000_000}  # the last good params
        shown = ls(strategy_env, "status")
        assert shown.returncode == 0 and "risk.stake_cap: Input should be a valid number" in shown.stdout

        path.write_text('{"params": {"stake": 4}, "generation": 3}')
        until(lambda: status_of(home)["observed_generation"] == 3, timeout=2.5, what="the fixed file")
        assert status_of(home)["control_error"] is None and host.poll() is None


# ---- one host per home -------------------------------------------------------------------------

def test_a_second_host_is_refused_and_a_killed_one_is_taken_over(home: Path, strategy_env: dict[str, str]) -> None:
    with running_host(home, strategy_env, "--strategy", "ctlprobe==1.0.0") as first:
        second = ls(strategy_env, "run", "--speed", "3000", "--strategy", "ctlprobe==1.0.0", timeout=30)
        assert second.returncode == 1
        assert f"a liveswap host is already running on this home (pid {first.pid})" in second.stderr
        assert "Traceback" not in second.stderr
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
        with running_host(home, strategy_env, "--strategy", "ctlprobe==1.0.0") as third:
            assert status_of(home)["pid"] == third.pid
            done = ls(strategy_env, "pause", "--market", "SOL-5m", "--wait", "5")
            assert done.returncode == 0 and f"pid {third.pid}" in done.stdout


# ---- a refusal never poisons the desired state (issue 24, point 1) --------------------------------

def test_a_limit_above_the_ceiling_is_refused_before_it_is_written_with_or_without_a_host(
        home: Path, strategy_env: dict[str, str]) -> None:
    """``set risk.stake_cap=10`` above the start-up ceiling of 5 is refused at once, control.json untouched, so
    the emergency pause after it applies; the same without a host (the home's settings are the ceiling)."""
    refused = ls(strategy_env, "set", "risk.stake_cap=10")
    assert refused.returncode == 1
    assert "risk.stake_cap 10 is above 5, the limit a host of this home starts with" in refused.stderr
    assert not (home / "state" / "control.json").exists()
    assert ls(strategy_env, "activate", "ctlprobe==1.0.0").returncode == 0
    with running_host(home, strategy_env) as host:
        before = (home / "state" / "control.json").read_bytes()
        refused = ls(strategy_env, "set", "risk.stake_cap=10", "--wait", "5")
        assert refused.returncode == 1
        assert f"risk.stake_cap 10 is above 5, the limit the running host (pid {host.pid}) started with" \
            in refused.stderr
        assert (home / "state" / "control.json").read_bytes() == before
        for args in (["pause"], ["resume"], ["set", "risk.stake_cap=2"]):
            done = ls(strategy_env, *args, "--wait", "60")
            assert done.returncode == 0, (args, done.stderr)
        assert status_of(home)["risk"]["stake_cap"] == 2.0


def test_a_hand_written_raise_is_held_named_and_never_blocks_a_pause(home: Path,
                                                                     strategy_env: dict[str, str]) -> None:
    """A raise that reached control.json by hand before the host started: the host applies the rest, holds the
    limit, and says plainly what it refused and how to undo it; no "applied" beside "refused"; a later pause
    and rollback apply, and the undo it names clears it."""
    (home / "state" / "control.json").write_text(json.dumps(
        {"active": "ctlprobe==1.0.0", "generation": 2, "risk": {"stake_cap": 10}, "params": {"stake": 2}}))
    with running_host(home, strategy_env):
        st = until(lambda: status_of(home) if status_of(home)["control_refusal"] else None, what="the host's answer")
        assert st["params"] == {"stake": 2} and st["risk"]["stake_cap"] == 5.0
        shown = ls(strategy_env, "status")
        assert "generation 2 applied in part" in shown.stdout
        assert "generation 2 applied\n" not in shown.stdout and "refused generation 2" not in shown.stdout
        assert "risk.stake_cap 10 is above 5" in shown.stdout
        assert "undo: liveswap set risk.stake_cap=null" in shown.stdout
        done = ls(strategy_env, "pause", "--wait", "60")
        assert done.returncode == 0, done.stderr
        assert status_of(home)["paused"] is True
        done = ls(strategy_env, "set", "risk.stake_cap=null", "--wait", "60")
        assert done.returncode == 0, done.stderr
        assert status_of(home)["control_error"] is None
        assert "undo" not in ls(strategy_env, "status").stdout


@pytest.mark.parametrize("argv", [["set", "foo"], ["set", "=1"], ["set", "risk.leverage=2"],
                                  ["activate", "bad name!"], ["rollback", "--to", "not-a-version"],
                                  ["shadow", "bad name!"]])
def test_usage_errors_exit_2_with_one_line_and_write_nothing(home: Path, cli_env: dict[str, str],
                                                             argv: list[str]) -> None:
    """Issue 24, point 12 (contract section 3: 2 is a usage error), like argparse's own (``set`` alone)."""
    done = ls(cli_env, *argv)
    assert done.returncode == 2, (argv, done.returncode, done.stderr)
    assert done.stderr.startswith("liveswap: ") and len(done.stderr.strip().splitlines()) == 1
    assert not (home / "state" / "control.json").exists()
    assert ls(cli_env, "set").returncode == 2
