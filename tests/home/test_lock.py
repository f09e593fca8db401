"""One host per home, even after ``state/`` was deleted under the first one."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from liveswap.home.lock import HostLock

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
