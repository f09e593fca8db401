"""The hot swap: prepare a version off the trading path, commit it between two batches, keep the
old one warm through probation, roll back by command or on fault (see :mod:`.manager`).

Every change of the active version goes through :meth:`.change.Versions.change`; which version a
start resumes is :mod:`.startup`; :class:`.pending.Preparation` prepares a version off the trading
path (for the rollout's candidates too).

Layer: above the engine, below control and rollout. It steers the engine through its methods
(``activate``, ``record_swap_outcome``, ...) and may import engine, registry, runners, sandbox,
home and specs; never control, rollout, host or the CLI."""

from __future__ import annotations

from liveswap._face import attribute

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: a face costs nothing until used
if TYPE_CHECKING:
    from liveswap.swap import startup
    from liveswap.swap.loader import VersionLoader
    from liveswap.swap.manager import SwapManager
    from liveswap.swap.pending import Done, Preparation
    from liveswap.swap.registry_loader import RegistryLoader

__all__ = [
    "Done", "Preparation", "RegistryLoader", "SwapManager", "VersionLoader", "startup",
]

# name -> module of this package (or =module elsewhere), imported on first use
_WHERE = {
    "Done": "pending", "Preparation": "pending", "RegistryLoader": "registry_loader", "SwapManager": "manager",
    "VersionLoader": "loader", "startup": "startup",
}


def __getattr__(name: str) -> object:
    return attribute(__name__, _WHERE, name)
