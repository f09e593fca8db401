"""Only one host per home folder: an OS file lock on ``state/host.lock`` (via ``filelock``).

The kernel drops the lock when the process dies, even by ``kill -9``, so a stale lock from a
killed host is simply taken over. The holder's pid is written next to it for the error message.
"""

from __future__ import annotations

import os
from pathlib import Path

from filelock import FileLock, Timeout

from liveswap.exceptions import HostLockedError
from liveswap.home.paths import HomePaths

__all__ = ["HostLock", "HostLockedError"]


class HostLock:
    def __init__(self, state_dir: Path) -> None:
        state_dir.mkdir(parents=True, exist_ok=True)
        paths = HomePaths(state_dir)
        self._lock = FileLock(paths.host_lock, timeout=0)
        self._pid_file = paths.host_pid

    def acquire(self) -> None:
        try:
            self._lock.acquire()
        except Timeout:
            pid = self.holder_pid()
            who = f"pid {pid}" if pid else "another process"
            raise HostLockedError(
                f"a liveswap host is already running on this home ({who}); stop it first or use another --home"
            ) from None
        self._pid_file.write_text(f"{os.getpid()}\n")

    def holder_pid(self) -> int | None:
        try:
            return int(self._pid_file.read_text().strip())
        except (OSError, ValueError):
            return None

    def release(self) -> None:
        if self._lock.is_locked:
            self._pid_file.unlink(missing_ok=True)
            self._lock.release()
