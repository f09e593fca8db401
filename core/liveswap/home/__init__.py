"""The home folder's files: the one definition of what a host and the CLI exchange.

A home holds ``registry/`` and ``state/``; this package names every file of ``state/`` and owns
reading and writing the ones shared between processes:

* :mod:`.paths`: the file names (:class:`~liveswap.home.paths.HomePaths`);
* :mod:`.control` / :mod:`.control_store`: ``control.json``, the desired state (strict model;
  locked read-modify-write bumping ``generation``; the loader the host and the CLI share);
* :mod:`.status`: ``status.json``, the observed state (strict model, reader, atomic writer);
* :mod:`.wait`: ``--wait``, following status.json until a generation is applied or refused;
* :mod:`.snapshots`: ``snapshot.json``, the strategy state a restart resumes from;
* :mod:`.lock`: ``host.lock``, one host per home;
* :mod:`.quick`: the CLI's standard-library fast paths (status.json as JSON, is a host running,
  control.json edits the full model would surely accept), so everyday commands start in a blink.

The CLI reaches a running host only through this package. Layer: a bottom room beside
``journal`` and ``api``; it may import ``liveswap.exceptions``, ``settings``, ``markets``,
``specs`` and ``fsutil``, never the engine, control, swap, feeds, brokers, runners or the CLI.
"""

from __future__ import annotations

from liveswap._face import attribute

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: a face costs nothing until used
if TYPE_CHECKING:
    from liveswap.home import changes, plainjson, quick
    from liveswap.home.control import CandidateRequest, ControlDoc, explain
    from liveswap.home.control_store import Change, load_control, read_desired, update_control
    from liveswap.home.doorbell import Doorbell
    from liveswap.home.identity import HomeGuard, release_room
    from liveswap.home.lock import HostLock
    from liveswap.home.paths import JOURNAL_FILE, STATE_DIR, HomePaths
    from liveswap.home.quick import RISK_KEYS
    from liveswap.home.snapshots import Snapshot, SnapshotWriter, read_snapshot
    from liveswap.home.status import (
        STALE_HEARTBEATS,
        ActiveInfo,
        DailyLossInfo,
        FleetInfo,
        MissedCandleInfo,
        OpenOrderInfo,
        PositionInfo,
        ProbationInfo,
        ReconcileInfo,
        Refusal,
        RegistryInfo,
        SandboxInfo,
        StatusDoc,
        SwapInfo,
        Tally,
        WorkerInfo,
        read_status,
        write_status,
    )
    from liveswap.home.wait import WaitOutcome, host_alive, wait_for_generation

__all__ = [
    "ActiveInfo", "CandidateRequest", "Change", "ControlDoc", "DailyLossInfo", "Doorbell", "FleetInfo", "HomeGuard",
    "HomePaths", "HostLock", "JOURNAL_FILE", "MissedCandleInfo", "OpenOrderInfo", "PositionInfo", "ProbationInfo",
    "RISK_KEYS", "ReconcileInfo", "Refusal", "RegistryInfo", "STALE_HEARTBEATS", "STATE_DIR", "SandboxInfo",
    "Snapshot", "SnapshotWriter", "StatusDoc", "SwapInfo", "Tally", "WaitOutcome", "WorkerInfo", "changes",
    "explain", "host_alive", "load_control", "plainjson", "quick", "read_desired", "read_snapshot", "read_status",
    "release_room", "update_control", "wait_for_generation", "write_status",
]

# name -> module of this package (or =module elsewhere), imported on first use
_WHERE = {
    "ActiveInfo": "status", "CandidateRequest": "control", "Change": "control_store", "ControlDoc": "control",
    "DailyLossInfo": "status", "Doorbell": "doorbell", "FleetInfo": "status", "HomeGuard": "identity",
    "HomePaths": "paths", "HostLock": "lock", "JOURNAL_FILE": "paths", "MissedCandleInfo": "status",
    "OpenOrderInfo": "status", "PositionInfo": "status", "ProbationInfo": "status", "RISK_KEYS": "quick",
    "ReconcileInfo": "status", "Refusal": "status", "RegistryInfo": "status", "STALE_HEARTBEATS": "status",
    "STATE_DIR": "paths", "SandboxInfo": "status", "Snapshot": "snapshots", "SnapshotWriter": "snapshots",
    "StatusDoc": "status", "SwapInfo": "status", "Tally": "status", "WaitOutcome": "wait", "WorkerInfo": "status",
    "changes": "changes", "explain": "control", "host_alive": "wait", "load_control": "control_store",
    "plainjson": "plainjson", "quick": "quick", "read_desired": "control_store", "read_snapshot": "snapshots",
    "read_status": "status", "release_room": "identity", "update_control": "control_store",
    "wait_for_generation": "wait", "write_status": "status",
}


def __getattr__(name: str) -> object:
    return attribute(__name__, _WHERE, name)
