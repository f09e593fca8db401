"""HomeGuard: the home's files checked against the ones the host opened."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from liveswap.home.identity import HomeGuard
from liveswap.home.paths import HomePaths


@pytest.fixture
def state(home: Path) -> Path:
    paths = HomePaths.of_home(home)
    paths.journal.write_bytes(b"journal")
    paths.host_lock.write_bytes(b"")
    return paths.state_dir


def test_an_untouched_home_has_no_problem(state: Path) -> None:
    guard = HomeGuard(state)
    assert guard.problem() is None
    guard.close()


def test_a_removed_state_folder_is_named(state: Path) -> None:
    guard = HomeGuard(state)
    assert guard.problem() is None
    shutil.rmtree(state)
    assert guard.problem() == "state/ was removed"
    state.mkdir()  # recreated by someone else: still not the host's folder
    assert guard.problem() == "state/ was replaced by another file"


def test_a_replaced_journal_and_a_removed_lock_are_named(state: Path) -> None:
    guard = HomeGuard(state)
    assert guard.problem() is None
    paths = HomePaths(state)
    copy = state / "copy.sqlite"
    shutil.copy(paths.journal, copy)
    os.replace(copy, paths.journal)
    assert guard.problem() == "state/journal.sqlite was replaced by another file"
    guard.close()
    guard = HomeGuard(state)
    paths.host_lock.unlink()
    assert guard.problem() == "state/host.lock was removed"


UNPRIVILEGED = """
import sys
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from liveswap.home.identity import HomeGuard
state = Path(sys.argv[2])
state.mkdir()
(state / "journal.sqlite").write_bytes(b"journal")
(state / "host.lock").write_bytes(b"")
guard = HomeGuard(state)
assert guard.problem() is None
(state / "journal.sqlite").chmod(0)
print(guard.problem())
"""


def test_a_journal_made_unreadable_is_named(tmp_path: Path) -> None:
    """``chmod 000`` stops only a host that is not root: as root, the test runs the guard as nobody
    (in a folder of /tmp, which nobody can reach; pytest's own tmp folders are root's alone)."""
    home = Path(tempfile.mkdtemp(prefix="liveswap-nobody-")) if os.geteuid() == 0 else tmp_path / "home"
    home.mkdir(exist_ok=True)
    request_cleanup = home if os.geteuid() == 0 else None
    cmd = [sys.executable, "-c", UNPRIVILEGED, str(Path(__file__).resolve().parents[2] / "core"), str(home / "state")]
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("running as root without setpriv: cannot become an unprivileged user")
        os.chown(home, 65534, 65534)
        cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *cmd]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    finally:
        if request_cleanup is not None:
            shutil.rmtree(request_cleanup, ignore_errors=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "state/journal.sqlite is no longer readable and writable by the host"
