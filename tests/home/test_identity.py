"""HomeGuard: the home's files checked against the ones the host opened."""

from __future__ import annotations

import os
import shutil
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


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads and writes any file: chmod 000 stops only other users")
def test_a_journal_made_unreadable_is_named(state: Path) -> None:
    guard = HomeGuard(state)
    assert guard.problem() is None
    HomePaths(state).journal.chmod(0)
    assert guard.problem() == "state/journal.sqlite is no longer readable and writable by the host"
