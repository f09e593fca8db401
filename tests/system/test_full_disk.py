"""A full disk under a running host (issue 13): it stops opening positions, says why, exits cleanly
and loses nothing it had committed. The home lives on a small tmpfs that the test fills up."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.host_process import alive_status, orders, probe_env, start_host, until


def _mount_tmpfs(where: Path, size: str) -> bool:
    where.mkdir(parents=True)
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                          capture_output=True).returncode == 0


@pytest.fixture
def small_home(tmp_path: Path) -> Iterator[Path]:
    disk = tmp_path / "disk"
    if not _mount_tmpfs(disk, "48m"):
        pytest.skip("needs root to mount a small tmpfs (CI runs as root)")
    home = disk / "home"
    (home / "state").mkdir(parents=True)
    (home / "registry").mkdir()
    try:
        yield home
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)


def fill(disk: Path) -> None:
    with open(disk / "filler", "wb") as fh:
        try:
            while True:
                fh.write(b"\0" * (1 << 20))
                fh.flush()
        except OSError:
            pass


def test_a_full_disk_stops_the_host_cleanly_and_keeps_the_journal(small_home: Path, cli_env: dict[str, str]) -> None:
    env = {**probe_env(small_home, {**cli_env, "LIVESWAP_HOME": str(small_home)}),
           "LIVESWAP_HEARTBEAT_SECONDS": "0.2"}
    proc = start_host(env, "--strategy", "ctlprobe==1.0.0")
    try:
        until(lambda: alive_status(small_home, proc) or proc.poll() is not None, timeout=60, what="the host to trade")
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        until(lambda: orders(small_home), timeout=60, what="the host to place orders")
        placed = len(orders(small_home))
        fill(small_home.parent)
        code = proc.wait(60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    err = proc.stderr.read() if proc.stderr else ""
    assert code == 1, err[-2000:]
    assert "disk is full" in err or "journal cannot be written" in err, err[-2000:]
    last = err.strip().splitlines()[-1]  # a clean exit: the host's one-line reason closes its output
    assert last.startswith("liveswap: stopped: ") and "journal the host had open was closed consistent" in last
    (small_home.parent / "filler").unlink()
    status = json.loads((small_home / "state" / "status.json").read_text())
    assert status["running"] is False and status["paused"] is True
    assert "disk is full" in status["exit_reason"] or "journal cannot be written" in status["exit_reason"]
    db = sqlite3.connect(small_home / "state" / "journal.sqlite")
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("SELECT COUNT(*) FROM orders").fetchone()[0] >= placed  # what was committed is there
    finally:
        db.close()
