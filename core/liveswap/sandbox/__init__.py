"""Sandboxed strategy workers: one process per running strategy version.

``SandboxRunner`` (:mod:`.runner`) is the host's handle; :mod:`.worker` is the process's main;
:mod:`.protocol` the wire format; :mod:`.isolation` and :mod:`.limits` what the worker is cut off
from; :mod:`.supervisor` the restart budget. This package's ``__init__`` imports nothing, so the
worker starts without pulling in host-only modules (pydantic).

Layer: the host side (:mod:`.runner`, :mod:`.supervisor`) is an adapter room below the engine;
the worker side (:mod:`.worker`, :mod:`.protocol`) imports only the API, the runner seam and the
wire protocol (an import-linter contract).
"""
