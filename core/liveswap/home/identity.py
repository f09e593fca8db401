"""Is the home still the host's home? The files a running host opened, checked at every heartbeat.

An operator can pull a home out from under a running host: ``rm -rf state/``, a journal replaced
by a copy, the lock file deleted, ``chmod 000`` on the journal. SQLite keeps writing into an
unlinked file without a word, so a host that did not look would trade on with no durable record.
:class:`HomeGuard` remembers, at start, the device and inode of ``state/``, the journal and the
lock file, and keeps a descriptor of the journal open; :meth:`HomeGuard.problem` then names the
first thing that is no longer so (one line), or returns None.
"""

from __future__ import annotations

import errno
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from liveswap.home.paths import HOST_LOCK_FILE, JOURNAL_FILE, HomePaths

__all__ = ["HomeGuard"]


@dataclass(frozen=True, slots=True)
class _Identity:
    dev: int
    ino: int

    @classmethod
    def of(cls, path: Path) -> _Identity:
        st = os.stat(path)
        return cls(st.st_dev, st.st_ino)


class HomeGuard:
    """Remember the home's files now; say later if any of them is gone, replaced or unusable."""

    def __init__(self, state_dir: Path) -> None:
        """Call it with the host lock held, and :meth:`remember_journal` once the journal is open
        (a fresh home's journal is created after the lock is taken)."""
        self._paths = HomePaths(state_dir)
        self._state = _Identity.of(state_dir)
        self._lock = _Identity.of(self._paths.host_lock)
        self._journal: _Identity | None = None
        self._journal_fd = -1
        reserve_room(state_dir)

    def remember_journal(self) -> None:
        """Take the journal as it is now as the host's own (idempotent)."""
        if self._journal is None and self._paths.journal.exists():
            self._journal = _Identity.of(self._paths.journal)
            self._journal_fd = os.open(self._paths.journal, os.O_RDONLY | os.O_CLOEXEC)

    def problem(self, *, write_probe: bool = True) -> str | None:
        """The first thing wrong with the home, in one line, or None when it is still the home.
        ``write_probe`` also creates and removes a file in ``state/`` (a read-only or full disk)."""
        state_dir = self._paths.state_dir
        checks = [(state_dir, self._state, "state/"), (self._paths.host_lock, self._lock, f"state/{HOST_LOCK_FILE}")]
        if self._journal is None:
            self.remember_journal()
        if self._journal is not None:
            checks.insert(1, (self._paths.journal, self._journal, f"state/{JOURNAL_FILE}"))
        for path, known, name in checks:
            try:
                now = _Identity.of(path)
            except FileNotFoundError:
                return f"{name} was removed"
            except OSError as exc:
                return f"{name} cannot be read ({exc.strerror})"
            if now != known:
                return f"{name} was replaced by another file"
        if self._journal_fd >= 0 and os.fstat(self._journal_fd).st_nlink == 0:
            return f"state/{JOURNAL_FILE} was deleted"
        if self._journal is not None and not os.access(self._paths.journal, os.R_OK | os.W_OK):
            return f"state/{JOURNAL_FILE} is no longer readable and writable by the host"
        return _write_probe(state_dir) if write_probe else None

    def close(self) -> None:
        if self._journal_fd >= 0:
            os.close(self._journal_fd)
            self._journal_fd = -1


RESERVE_FILE = ".reserve"
RESERVE_BYTES = 256 * 1024
"""Room kept in ``state/`` for a last status and the journal's rollback when the disk fills up."""


def reserve_room(state_dir: Path) -> None:
    """Keep :data:`RESERVE_BYTES` in ``state/.reserve`` (best effort) for :func:`release_room`."""
    path = state_dir / RESERVE_FILE
    if path.exists():
        return
    try:
        path.write_bytes(b"\0" * RESERVE_BYTES)
    except OSError:
        path.unlink(missing_ok=True)


def release_room(state_dir: Path) -> None:
    (state_dir / RESERVE_FILE).unlink(missing_ok=True)


def _write_probe(state_dir: Path) -> str | None:
    """None if a block can be written in ``state/`` now (permissions, read-only remount, a full
    disk: then the reserve is given back so a last status and the journal's rollback fit)."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=".probe.", dir=state_dir)
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            release_room(state_dir)
            return "the disk is full (no room in state/)"
        return f"state/ is not writable ({exc.strerror})"
    try:
        os.write(fd, b"\0" * 4096)
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            release_room(state_dir)
            return "the disk is full (no room in state/)"
        return f"state/ is not writable ({exc.strerror})"
    finally:
        os.close(fd)
        os.unlink(tmp)
    return None
