"""The names of the home folder's files: the one place that says where each lives.

A home folder holds ``registry/`` (strategy wheels) and ``state/`` (everything a host writes).
:class:`HomePaths` names each file of ``state/``; every module that reads or writes one of them
takes its path from here.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: the CLI's fast paths import these names
if TYPE_CHECKING:
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
CATALOG_FILE = "registry/catalog.json"
DOORBELL_FILE = "doorbell"  # a FIFO: the CLI rings it after writing control.json (home/doorbell.py)
"""What the last registry scan found: strategy name -> version -> verdict (read by the CLI's fast path)."""


class HomePaths:
    """Every file of a home's ``state/`` folder. Build it from the state folder itself (a ``Path``).

    A plain immutable value class rather than a dataclass: importing :mod:`dataclasses` (and
    :mod:`inspect` with it) would cost every CLI command that needs only the file names here.
    """

    __slots__ = ("state_dir",)
    state_dir: Path

    def __init__(self, state_dir: Path) -> None:
        object.__setattr__(self, "state_dir", state_dir)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"HomePaths is immutable: cannot set {name!r}")

    def __eq__(self, other: object) -> bool:
        return other.state_dir == self.state_dir if isinstance(other, HomePaths) else NotImplemented

    def __hash__(self) -> int:
        return hash(self.state_dir)

    def __repr__(self) -> str:
        return f"HomePaths(state_dir={self.state_dir!r})"

    @classmethod
    def of_home(cls, home: Path) -> HomePaths:
        return cls(home / STATE_DIR)

    @property
    def control(self) -> Path:
        return self.state_dir / CONTROL_FILE

    @property
    def doorbell(self) -> Path:
        return self.state_dir / DOORBELL_FILE

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

    @property
    def catalog(self) -> Path:
        return self.state_dir / CATALOG_FILE
