"""The host side of the desired state: apply ``state/control.json`` to the engine and the swap.

:class:`ControlWatcher` is a step between two batches (declared by the host): it notices a change of
control.json (read with :mod:`liveswap.home.control_store`, the one loader), applies pause,
markets, params and risk with :meth:`Engine.apply_desired`, and hands ``active``/``rollback``
requests to the swap (a :class:`SwapRequester`). The files themselves are defined in
:mod:`liveswap.home`.

Layer: above ``engine``, beside ``swap``. It may import engine, home, runners, journal, settings
and specs; never swap (it talks to it through :class:`SwapRequester`), the host or the CLI.
"""

from __future__ import annotations

from liveswap._face import attribute

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: a face costs nothing until used
if TYPE_CHECKING:
    from liveswap.control.watcher import ControlWatcher, SwapRequest, SwapRequester, desired_from, unapplied_active

__all__ = [
    "ControlWatcher", "SwapRequest", "SwapRequester", "desired_from", "unapplied_active",
]

# name -> module of this package (or =module elsewhere), imported on first use
_WHERE = {
    "ControlWatcher": "watcher", "SwapRequest": "watcher", "SwapRequester": "watcher", "desired_from": "watcher",
    "unapplied_active": "watcher",
}


def __getattr__(name: str) -> object:
    return attribute(__name__, _WHERE, name)
