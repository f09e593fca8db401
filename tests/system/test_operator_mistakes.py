"""A clumsy operator's hands on a running host (issue 19): nothing costs money or the record.

Each test runs a real ``liveswap run`` on the probe strategy, sandboxed, and does to its home what
an operator might: deletes ``state/``, replaces the journal, removes the lock, deletes
control.json, kills the host.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
from pathlib import Path

import pytest
from liveswap.home.paths import HomePaths

from tests.support.host_process import alive_status, ls, probe_env, running_host, start_host, status_of, until

PROBE = ("--strategy", "ctlprobe==1.0.0")


@pytest.fixture
def env(home: Path, cli_env: dict[str, str]) -> dict[str, str]:
    return {**probe_env(home, cli_env), "LIVESWAP_HEARTBEAT_SECONDS": "0.2"}


def stopped(proc: subprocess.Popen[str]) -> str:
    """The host's exit: it must stop by itself (code 1) and say why; returns its stderr."""
    code = proc.wait(30)
    err = proc.stderr.read() if proc.stderr else ""
    assert code == 1, err
    return err


def test_removing_state_stops_the_host_and_it_recreates_nothing(home: Path, env: dict[str, str]) -> None:
    proc = start_host(env, *PROBE)
    until(lambda: alive_status(home, proc) or proc.poll() is not None, what="the host to trade")
    shutil.rmtree(home / "state")
    err = stopped(proc)
    assert "the home changed under the host (state/ was removed)" in err
    assert not (home / "state").exists(), "the host wrote into a state/ that is not its home"


def test_a_replaced_journal_stops_new_positions_and_status_says_why(home: Path, env: dict[str, str]) -> None:
    proc = start_host(env, *PROBE)
    until(lambda: alive_status(home, proc) or proc.poll() is not None, what="the host to trade")
    journal = HomePaths.of_home(home).journal
    copy = journal.with_name("copy.sqlite")
    src = sqlite3.connect(journal)
    dst = sqlite3.connect(copy)
    src.backup(dst)
    src.close()
    dst.close()
    os.replace(copy, journal)
    err = stopped(proc)
    assert "state/journal.sqlite was replaced by another file" in err
    st = status_of(home)
    assert st["running"] is False and st["paused"] is True
    assert "home changed under the host" in st["paused_reason"]
    assert "journal.sqlite was replaced" in st["exit_reason"]


def test_removing_the_lock_stops_the_host(home: Path, env: dict[str, str]) -> None:
    proc = start_host(env, *PROBE)
    until(lambda: alive_status(home, proc) or proc.poll() is not None, what="the host to trade")
    (home / "state" / "host.lock").unlink()
    assert "state/host.lock was removed" in stopped(proc)


def test_a_second_host_is_refused_after_state_was_removed(home: Path, env: dict[str, str]) -> None:
    slow = {**env, "LIVESWAP_HEARTBEAT_SECONDS": "30"}
    with running_host(home, slow, *PROBE) as first:
        first.send_signal(signal.SIGSTOP)  # a host that has not yet noticed: it still holds its locks
        shutil.rmtree(home / "state")
        second = ls(slow, "run", "--speed", "3000", *PROBE, timeout=60)
        assert second.returncode == 1
        assert "a liveswap host is already running on this home" in second.stderr


def test_a_deleted_control_file_keeps_the_pause_and_the_lowered_limit(home: Path, env: dict[str, str]) -> None:
    with running_host(home, env, *PROBE):
        for args in (["pause"], ["set", "risk.stake_cap=1"]):
            done = ls(env, *args, "--wait", "20")
            assert done.returncode == 0, done.stderr
        (home / "state" / "control.json").unlink()
        done = ls(env, "set", "note=1", "--wait", "20")
        assert done.returncode == 0, done.stderr
        st = status_of(home)
        assert st["paused"] is True and st["paused_by_operator"] is True
        assert st["risk"]["stake_cap"] == 1
        assert st["params"]["note"] == 1
        control = json.loads((home / "state" / "control.json").read_text())
        assert control["paused"] is True and control["risk"]["stake_cap"] == 1


def test_a_killed_host_is_shown_as_not_running_with_its_last_words(home: Path, env: dict[str, str]) -> None:
    log = home / "state" / "logs" / "liveswap.log"
    with running_host(home, env, *PROBE) as proc:
        until(lambda: log.exists() and "batch" in log.read_text(), what="the host to log a batch")
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert status_of(home)["running"] is True  # what the dead host left behind
        shown = until(lambda: (lambda r: r if "not running" in r.stdout else None)(ls(env, "status")),
                      what="status to say the host is not running")
        assert "last heartbeat" in shown.stdout and "last words:" in shown.stdout
        assert "INFO batch" in shown.stdout  # the log's last line, without the file format's decoration
