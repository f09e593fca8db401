"""Runs a strategy in the host's own process: no sandbox. For tests and ``liveswap.testing``."""

from __future__ import annotations

import json
from typing import Any

from liveswap.runners.base import Batch, BatchResult
from liveswap.runners.gate import CallGate
from liveswap.runners.strategy_plugin import StrategyPlugin


class InProcessRunner:
    """A :class:`~liveswap.runners.base.Runner` calling the strategy object directly."""

    def __init__(self, obj: Any, *, name: str, version: str) -> None:
        self._plugin = StrategyPlugin(obj, name=name, version=version)
        self.name = name
        self.version = version
        self.sandboxed = False
        self.network_isolated = False
        self.pid: int | None = None
        self.alive = True
        self.gate = CallGate()

    def setup(self, params: dict[str, Any]) -> None:
        with self.gate.call():
            self._plugin.setup(params)

    def run_batch(self, batch: Batch) -> BatchResult:
        with self.gate.call():
            return self._plugin.run_batch(batch)

    def on_params(self, params: dict[str, Any]) -> None:
        with self.gate.call():
            self._plugin.on_params(params)

    def export_state(self, schema: int | None = None) -> dict[str, Any] | None:
        with self.gate.call():
            return self._plugin.export_state(schema)

    def import_state(self, state: dict[str, Any], from_version: str) -> None:
        with self.gate.call():
            self._plugin.import_state(state, from_version)

    def export_state_json(self, schema: int | None = None) -> bytes | None:
        state = self.export_state(schema)
        return None if state is None else json.dumps(state, separators=(",", ":")).encode()

    def import_state_json(self, state_json: bytes, from_version: str) -> None:
        self.import_state(json.loads(state_json), from_version)

    @property
    def strategy(self) -> Any:
        """The strategy object itself (in-process only: tests look into it)."""
        return self._plugin.strategy

    def rss_bytes(self) -> int | None:
        """The host's own process: nothing separate to measure."""
        return None

    def close(self) -> None:
        """Nothing to release: the strategy object lives and dies with this runner."""
