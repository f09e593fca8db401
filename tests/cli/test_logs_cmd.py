"""``liveswap logs [--worker] [-n N] [-f]``: the host's log and the active worker's."""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

CLI = [sys.executable, "-m", "liveswap.cli.main"]


class Follower:
    """``liveswap logs -f`` in the background; ``line()`` waits (bounded) for its next output line."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.proc = subprocess.Popen([*CLI, "logs", "-f", *args], stdout=subprocess.PIPE, text=True, env=env)
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)

    def line(self) -> str:
        return self.lines.get(timeout=60)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def logs(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, "logs", *args], capture_output=True, text=True, env=env, timeout=60)


def test_logs_prints_the_end_of_the_host_log(home: Path, cli_env: dict[str, str]) -> None:
    done = logs(cli_env)
    assert done.returncode == 1 and "no log yet at" in done.stderr and "state/logs" in done.stderr
    log = home / "state" / "logs" / "liveswap.log"
    log.parent.mkdir()
    log.write_text("".join(f"line {i}\n" for i in range(5000)))
    assert logs(cli_env).stdout.splitlines() == [f"line {i}" for i in range(4960, 5000)]
    assert logs(cli_env, "-n", "2").stdout == "line 4998\nline 4999\n"


def test_worker_logs_follow_the_active_version_with_control_characters_escaped(
        home: Path, cli_env: dict[str, str]) -> None:
    status = home / "state" / "status.json"
    done = logs(cli_env, "--worker")
    assert done.returncode == 1 and "no active strategy version" in done.stderr
    status.write_text(json.dumps({"active": {"name": "momentum", "version": "1.1.0"}}))
    log_dir = home / "state" / "logs"
    log_dir.mkdir()
    (log_dir / "worker-momentum-1.1.0.log").write_text("hello from 1.1.0 \x1b[2J[bold]x\n")
    assert logs(cli_env, "--worker").stdout == "hello from 1.1.0 \\x1b[2J[bold]x\n"

    follower = Follower(cli_env, "--worker", "-n", "1")
    try:
        assert follower.line() == "hello from 1.1.0 \\x1b[2J[bold]x\n"  # it is reading the file now
        with open(log_dir / "worker-momentum-1.1.0.log", "a") as fh:
            fh.write("appended\n")
        assert follower.line() == "appended\n"
        (log_dir / "worker-momentum-1.2.0.log").write_text("from the new version\n")
        status.write_text(json.dumps({"active": {"name": "momentum", "version": "1.2.0"}}))  # a swap
        assert "following worker-momentum-1.2.0.log" in follower.line()
        assert follower.line() == "from the new version\n"
    finally:
        follower.stop()


def test_follow_survives_the_host_log_rotating(home: Path, cli_env: dict[str, str]) -> None:
    log = home / "state" / "logs" / "liveswap.log"
    log.parent.mkdir()
    log.write_text("old\n")
    follower = Follower(cli_env)
    try:
        assert follower.line() == "old\n"
        log.rename(log.with_name("liveswap.2026-01-01.log"))  # what loguru's rotation does
        log.write_text("new file\n")
        assert follower.line() == "new file\n"
    finally:
        follower.stop()


def test_ctrl_c_stops_following_with_status_0_like_status_watch(home: Path, cli_env: dict[str, str]) -> None:
    """Ctrl-C is how one stops ``logs -f``: not an error, no traceback (``status --watch`` does the same)."""
    log = home / "state" / "logs" / "liveswap.log"
    log.parent.mkdir()
    log.write_text("a line\n")
    follower = Follower(cli_env)
    assert follower.line() == "a line\n"
    with open(log, "a") as fh:
        fh.write("appended\n")
    assert follower.line() == "appended\n"  # it is following now
    follower.proc.send_signal(signal.SIGINT)
    assert follower.proc.wait(30) == 0
