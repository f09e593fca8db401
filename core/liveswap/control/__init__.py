"""Steering a running host through files: ``state/control.json`` (desired) → engine → ``status.json``.

* :mod:`.model`: the strict model of ``control.json`` and the :class:`SwapRequest` handed to the swap;
* :mod:`.store`: read/modify/write of ``control.json`` under a file lock, bumping ``generation``;
* :mod:`.watcher`: the host side, a ``between_batches`` callback noticing and applying changes;
* :mod:`.wait`: the CLI side of ``--wait``, following ``status.json`` until a generation is applied.
"""

from liveswap.control.model import ControlDoc, SwapRequest
from liveswap.control.store import ControlError, read_desired, update_control
from liveswap.control.watcher import ControlWatcher, install_control

__all__ = ["ControlDoc", "ControlError", "ControlWatcher", "SwapRequest", "install_control", "read_desired",
           "update_control"]
