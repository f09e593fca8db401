"""Sandboxed strategy workers: one process per running strategy version.

``SandboxRunner`` (:mod:`.runner`) is the host's handle; :mod:`.worker` is the process's main;
:mod:`.protocol` the wire format; :mod:`.isolation` and :mod:`.limits` what the worker is cut off
from; :mod:`.supervisor` the restart budget. This package's ``__init__`` imports nothing, so the
worker starts without pulling in host-only modules (pydantic).

Layer: the host side (:mod:`.runner`, :mod:`.supervisor`) is an adapter room below the engine;
the worker side (:mod:`.worker`, :mod:`.protocol`) imports only the API, the runner seam and the
wire protocol (an import-linter contract).
"""

from __future__ import annotations

from liveswap._face import attribute

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: a face costs nothing until used
if TYPE_CHECKING:
    from liveswap.sandbox.chunk_runner import ChunkRunner
    from liveswap.sandbox.limits import SandboxLimits
    from liveswap.sandbox.policy import probe, sandbox_status
    from liveswap.sandbox.runner import DEFAULT_MAX_STATE_BYTES, SandboxRunner
    from liveswap.sandbox.state_json import MAX_STATE_DEPTH, check_state_json
    from liveswap.sandbox.supervisor import Supervisor
    from liveswap.sandbox.trial import load_trial

__all__ = [
    "ChunkRunner", "DEFAULT_MAX_STATE_BYTES", "MAX_STATE_DEPTH", "SandboxLimits", "SandboxRunner", "Supervisor",
    "check_state_json", "load_trial", "probe", "sandbox_status",
]

# name -> module of this package (or =module elsewhere), imported on first use
_WHERE = {
    "ChunkRunner": "chunk_runner", "DEFAULT_MAX_STATE_BYTES": "runner", "MAX_STATE_DEPTH": "state_json",
    "SandboxLimits": "limits", "SandboxRunner": "runner", "Supervisor": "supervisor",
    "check_state_json": "state_json", "load_trial": "trial", "probe": "policy", "sandbox_status": "policy",
}


def __getattr__(name: str) -> object:
    return attribute(__name__, _WHERE, name)
