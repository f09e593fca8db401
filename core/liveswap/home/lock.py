"""Only one host per home folder, even when ``state/`` is deleted under it.

Two OS locks, both dropped by the kernel when the process dies (even by ``kill -9``), so a stale
lock from a killed host is simply taken over:

* an ``flock`` on the **home folder itself** (an open descriptor of the directory). It cannot be
  lost by deleting a file: ``rm -rf state/`` while a host runs leaves the home folder, and its
  lock, in place, so a second host on the same home is still refused;
* ``state/host.lock`` (via ``filelock``), which older tools and operators look for, with the
  holder's pid in ``state/host.pid`` for the error message.

A second host is refused naming the first one's pid: from ``state/host.pid``, else from the
kernel's own table of locks (``/proc/locks``: the holder of the lock on the home folder, so the
pid is named even when every file of ``state/`` was deleted), else from ``status.json``.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from filelock import FileLock, Timeout

from liveswap.exceptions import HostLockedError
from liveswap.home.paths import HomePaths

__all__ = ["HostLock", "HostLockedError", "flock_holder"]

PROC_LOCKS = Path("/proc/locks")


def flock_holder(path: Path, table: Path = PROC_LOCKS) -> int | None:
    """The pid holding an ``flock`` on ``path``, from the kernel's lock table (Linux), or None."""
    try:
        st = os.stat(path)
        lines = table.read_text().splitlines()
    except OSError:
        return None
    where = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
    for line in lines:  # "12: FLOCK  ADVISORY  WRITE 26638 fe:00:2147929 0 EOF"
        fields = line.split()
        if len(fields) >= 6 and fields[1] == "FLOCK" and fields[5] == where and fields[4].isdigit():
            pid = int(fields[4])
            if pid != os.getpid():
                return pid
    return None


def _status_pid(state_dir: Path) -> int | None:
    from liveswap.home.quick import read_status

    pid = (read_status(state_dir) or {}).get("pid")
    return pid if isinstance(pid, int) and not isinstance(pid, bool) else None


class HostLock:
    def __init__(self, state_dir: Path) -> None:
        state_dir.mkdir(parents=True, exist_ok=True)
        paths = HomePaths(state_dir)
        self._home = state_dir.parent
        self._home_fd: int | None = None
        self._lock = FileLock(paths.host_lock, timeout=0)
        self._pid_file = paths.host_pid

    def acquire(self) -> None:
        fd = os.open(self._home, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            self._refuse()
        try:
            self._lock.acquire()
        except Timeout:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
            self._refuse()
        self._home_fd = fd
        self._pid_file.write_text(f"{os.getpid()}\n")

    def _refuse(self) -> None:
        pid = self.holder_pid()
        who = f"pid {pid}" if pid else "another process"
        raise HostLockedError(
            f"a liveswap host is already running on this home ({who}); stop it first or use another --home"
        ) from None

    def holder_pid(self) -> int | None:
        try:
            return int(self._pid_file.read_text().strip())
        except (OSError, ValueError):
            pass
        return flock_holder(self._home) or _status_pid(self._pid_file.parent)

    def release(self) -> None:
        if self._lock.is_locked:
            self._pid_file.unlink(missing_ok=True)
            with contextlib.suppress(OSError):  # state/ was removed under us: the lock file went with it
                self._lock.release()
        if self._home_fd is not None:
            fcntl.flock(self._home_fd, fcntl.LOCK_UN)
            os.close(self._home_fd)
            self._home_fd = None
