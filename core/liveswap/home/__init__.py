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

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (the CLI's fast paths come through here)
if TYPE_CHECKING:
    from liveswap.home.control import ControlDoc
    from liveswap.home.control_store import load_control, read_desired, update_control
    from liveswap.home.lock import HostLock
    from liveswap.home.paths import HomePaths
    from liveswap.home.status import StatusDoc, read_status, write_status
    from liveswap.home.wait import WaitOutcome, wait_for_generation

__all__ = ["ControlDoc", "HomePaths", "HostLock", "StatusDoc", "WaitOutcome", "load_control", "read_desired",
           "read_status", "update_control", "wait_for_generation", "write_status"]

# name -> module: imported on first use, so the CLI's fast paths (:mod:`.quick`) never load pydantic
_WHERE = {"ControlDoc": "control", "load_control": "control_store", "read_desired": "control_store",
          "update_control": "control_store", "HostLock": "lock", "HomePaths": "paths", "StatusDoc": "status",
          "read_status": "status", "write_status": "status", "WaitOutcome": "wait", "wait_for_generation": "wait"}


def __getattr__(name: str) -> object:
    if name in _WHERE:
        from importlib import import_module

        return getattr(import_module(f"liveswap.home.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'liveswap.home' has no attribute {name!r}")
