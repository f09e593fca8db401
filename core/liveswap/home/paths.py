"""The names of the home folder's files: the one place that says where each lives.

A home folder holds ``registry/`` (strategy wheels) and ``state/`` (everything a host writes).
:class:`HomePaths` names each file of ``state/``; every module that reads or writes one of them
takes its path from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

STATE_DIR = "state"
CONTROL_FILE = "control.json"
CONTROL_LOCK_FILE = "control.lock"
STATUS_FILE = "status.json"
SNAPSHOT_FILE = "snapshot.json"
CLOCK_FILE = "clock.json"
HOST_LOCK_FILE = "host.lock"
HOST_PID_FILE = "host.pid"
JOURNAL_FILE = "journal.sqlite"
PAPER_BROKER_FILE = "paper_broker.sqlite"


@dataclass(frozen=True, slots=True)
class HomePaths:
    """Every file of a home's ``state/`` folder. Build it from the state folder itself."""

    state_dir: Path

    @classmethod
    def of_home(cls, home: Path) -> HomePaths:
        return cls(home / STATE_DIR)

    @property
    def control(self) -> Path:
        return self.state_dir / CONTROL_FILE

    @property
    def control_lock(self) -> Path:
        return self.state_dir / CONTROL_LOCK_FILE

    @property
    def status(self) -> Path:
        return self.state_dir / STATUS_FILE

    @property
    def snapshot(self) -> Path:
        return self.state_dir / SNAPSHOT_FILE

    @property
    def clock(self) -> Path:
        return self.state_dir / CLOCK_FILE

    @property
    def host_lock(self) -> Path:
        return self.state_dir / HOST_LOCK_FILE

    @property
    def host_pid(self) -> Path:
        return self.state_dir / HOST_PID_FILE

    @property
    def journal(self) -> Path:
        return self.state_dir / JOURNAL_FILE

    @property
    def paper_broker(self) -> Path:
        return self.state_dir / PAPER_BROKER_FILE
