"""Memory across a worker's whole process tree, watched from the host.

``RLIMIT_AS`` bounds each process, not their sum: three forked children may each hold the
per-process limit. Where cgroups are delegated a memory cgroup would be the tool; this machine
class (cgroup v1, nothing delegated) has none, so the host samples the resident memory of every
process under the worker (``/proc/PID/task/TID/children``, then ``statm``) every ``interval``
seconds and kills the whole sandbox once the sum passes ``limit``. It is a sampled limit, not a
hard one: a tree can exceed it for up to one interval (and, between samples, by what it can
allocate in that time, bounded by ``RLIMIT_AS`` x ``RLIMIT_NPROC``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections import deque

PAGE = os.sysconf("SC_PAGE_SIZE")


def tree(pid: int) -> list[int]:
    """``pid`` and every descendant, breadth first (at most 4096)."""
    found: list[int] = []
    queue = deque([pid])
    while queue and len(found) < 4096:
        current = queue.popleft()
        found.append(current)
        try:
            tasks = os.listdir(f"/proc/{current}/task")
        except OSError:
            continue
        for tid in tasks:
            try:
                with open(f"/proc/{current}/task/{tid}/children") as children:
                    queue.extend(int(c) for c in children.read().split())
            except (OSError, ValueError):
                continue
    return found


def running(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] not in (b"Z", b"X")
    except (OSError, IndexError):
        return False


def tree_rss(pid: int) -> int:
    """Resident bytes of ``pid``'s whole tree (0 if it is gone)."""
    total = 0
    for member in tree(pid):
        try:
            with open(f"/proc/{member}/statm", "rb") as statm:
                total += int(statm.read().split()[1]) * PAGE
        except (OSError, ValueError, IndexError):
            continue
    return total


class TreeWatch:
    """A daemon thread killing ``pid``'s process group when the tree's RSS passes ``limit``."""

    def __init__(self, pid: int, limit: int, interval: float = 0.2) -> None:
        self.pid = pid
        self.limit = limit
        self.interval = interval
        self.tripped: int | None = None
        """The tree's RSS when it was killed (None: never)."""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"treewatch {pid}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            used = tree_rss(self.pid)
            if used == 0:
                return
            if used > self.limit:
                self.tripped = used
                with contextlib.suppress(OSError):
                    os.killpg(self.pid, signal.SIGKILL)
                with contextlib.suppress(OSError):
                    os.kill(self.pid, signal.SIGKILL)
                return

    def stop(self) -> None:
        self._stop.set()
