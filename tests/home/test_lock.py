"""One host per home, even after ``state/`` was deleted under the first one."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from liveswap.home.lock import HostLock

from tests.conftest import BIN

SECOND = ("import sys; from pathlib import Path; from liveswap.home.lock import HostLock; "
          "HostLock(Path(sys.argv[1])).acquire()")
HOLD = "; import time; print('held', flush=True); time.sleep(60)"


def second_host(state: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", SECOND, str(state)], capture_output=True, text=True, timeout=30)


def test_a_second_host_is_refused_even_after_state_was_removed(home: Path) -> None:
    state = home / "state"
    first = HostLock(state)
    first.acquire()
    try:
        assert "already running" in second_host(state).stderr
        shutil.rmtree(state)
        refused = second_host(state)
        assert refused.returncode != 0 and "already running on this home" in refused.stderr
    finally:
        first.release()
    assert second_host(state).returncode == 0  # released: the next host takes the home


def test_a_killed_holder_leaves_no_lock(home: Path) -> None:
    state = home / "state"
    holder = subprocess.Popen([sys.executable, "-c", SECOND + HOLD, str(state)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    assert second_host(state).returncode != 0
    holder.kill()
    holder.wait()
    assert second_host(state).returncode == 0


def test_a_second_liveswap_run_is_refused_naming_the_first_whatever_was_deleted(home: Path,
                                                                                cli_env: dict[str, str]) -> None:
    """Issue 24, point 6: the files naming the host deleted under it; a second ``liveswap run`` is refused and
    names the first host's pid (from the kernel's lock on the home folder), and the first keeps trading alone.
    (Removing ``state/host.lock`` itself stops the first host: tests/system/test_operator_mistakes.py.)"""
    from tests.support.host_process import probe_env, running_host, status_of
    from tests.support.wait import until

    env = probe_env(home, cli_env)
    first = subprocess.run([str(BIN / "liveswap"), "activate", "ctlprobe==1.0.0"], env=env, capture_output=True,
                           text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    with running_host(home, env) as proc:
        for name in ("host.pid", "status.json", "control.json"):
            (home / "state" / name).unlink(missing_ok=True)
        second = subprocess.run([str(BIN / "liveswap"), "run", "--speed", "3000"], env=env, capture_output=True,
                                text=True, timeout=120)
        assert second.returncode == 1, second.stderr
        assert f"already running on this home (pid {proc.pid})" in second.stderr
        until(lambda: (home / "state" / "status.json").exists(), what="the first host's next status")
        assert status_of(home)["pid"] == proc.pid
