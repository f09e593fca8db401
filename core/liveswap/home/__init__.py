"""The home folder's files: the one definition of what a host and the CLI exchange.

A home holds ``registry/`` and ``state/``; this package names every file of ``state/`` and owns
reading and writing the ones shared between processes:

* :mod:`.paths`: the file names (:class:`~liveswap.home.paths.HomePaths`);
* :mod:`.control` / :mod:`.control_store`: ``control.json``, the desired state (strict model;
  locked read-modify-write bumping ``generation``; the loader the host and the CLI share);
* :mod:`.status`: ``status.json``, the observed state (strict model, reader, atomic writer);
* :mod:`.wait`: ``--wait``, following status.json until a generation is applied or refused;
* :mod:`.snapshots`: ``snapshot.json``, the strategy state a restart resumes from;
* :mod:`.lock`: ``host.lock``, one host per home.

The CLI reaches a running host only through this package. Layer: a bottom room beside
``journal`` and ``api``; it may import ``liveswap.exceptions``, ``settings``, ``markets``,
``specs`` and ``fsutil``, never the engine, control, swap, feeds, brokers, runners or the CLI.
"""

from liveswap.home.control import ControlDoc
from liveswap.home.control_store import load_control, read_desired, update_control
from liveswap.home.lock import HostLock
from liveswap.home.paths import HomePaths
from liveswap.home.status import StatusDoc, read_status, write_status
from liveswap.home.wait import WaitOutcome, wait_for_generation

__all__ = ["ControlDoc", "HomePaths", "HostLock", "StatusDoc", "WaitOutcome", "load_control", "read_desired",
           "read_status", "update_control", "wait_for_generation", "write_status"]
