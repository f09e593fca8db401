"""Runs a strategy in the host's own process: no sandbox. For tests and ``liveswap.testing``."""

from __future__ import annotations

from typing import Any

from liveswap.runners.base import Batch, BatchResult
from liveswap.runners.plugin_host import PluginHost


class InProcessRunner:
    """A :class:`~liveswap.runners.base.Runner` calling the strategy object directly."""

    def __init__(self, obj: Any, *, name: str, version: str) -> None:
        self._host = PluginHost(obj, name=name, version=version)
        self.name = name
        self.version = version

    def setup(self, params: dict[str, Any]) -> None:
        self._host.setup(params)

    def run_batch(self, batch: Batch) -> BatchResult:
        return self._host.run_batch(batch)

    def on_params(self, params: dict[str, Any]) -> None:
        self._host.on_params(params)

    def export_state(self) -> dict[str, Any] | None:
        return self._host.export_state()

    def import_state(self, state: dict[str, Any], from_version: str) -> None:
        self._host.import_state(state, from_version)

    def close(self) -> None:
        """Nothing to release: the strategy object lives and dies with this runner."""
