"""How strategy code is run: the ``Runner`` seam (:mod:`.base`, with the capabilities a runner
declares) and the in-process runner; :mod:`.strategy_plugin` drives one strategy with pluggy (the
sandboxed worker uses it too).

Layer: an adapter room below the engine. It may import api and exceptions; never the engine,
journal, home, swap, control, host or CLI."""

from __future__ import annotations

from liveswap._face import attribute

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: a face costs nothing until used
if TYPE_CHECKING:
    from liveswap.runners.base import Batch, BatchResult, FaultKind, Runner, StrategyFault
    from liveswap.runners.gate import CallGate, GateMark
    from liveswap.runners.inprocess import InProcessRunner

__all__ = [
    "Batch", "BatchResult", "CallGate", "FaultKind", "GateMark", "InProcessRunner", "Runner", "StrategyFault",
]

# name -> module of this package (or =module elsewhere), imported on first use
_WHERE = {
    "Batch": "base", "BatchResult": "base", "CallGate": "gate", "FaultKind": "base", "GateMark": "gate",
    "InProcessRunner": "inprocess", "Runner": "base", "StrategyFault": "base",
}


def __getattr__(name: str) -> object:
    return attribute(__name__, _WHERE, name)
