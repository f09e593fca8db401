"""The production ``VersionLoader``: registry checks, isolated install, sandboxed worker."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from loguru import logger

from liveswap.engine.active import ActiveStrategy
from liveswap.engine.loop import Engine
from liveswap.home.status import RegistryInfo
from liveswap.registry.errors import RegistryError
from liveswap.registry.registry import Registry
from liveswap.registry.statedecl import StateDecl
from liveswap.runners.base import StrategyFault
from liveswap.sandbox.limits import SandboxLimits
from liveswap.sandbox.runner import DEFAULT_MAX_STATE_BYTES, SandboxRunner
from liveswap.swap.loader import LoadError


class RegistryLoader:
    """Loads ``NAME[==VERSION]`` from the home's registry into a fresh sandboxed worker.

    The registry is shared with the engine thread (which rescans it every second for dropped
    wheels), so every use goes through one lock; the rescan skips a beat rather than wait.
    """

    def __init__(self, registry: Registry, *, limits: SandboxLimits, hook_timeout: float, state_dir: Path,
                 max_state_bytes: int = DEFAULT_MAX_STATE_BYTES) -> None:
        self.registry = registry
        self.max_state_bytes = max_state_bytes
        self.limits = limits
        self.hook_timeout = hook_timeout
        self.scratch_root = state_dir / "workers"
        self.log_dir = state_dir / "logs"
        self.lock = threading.Lock()
        self._next_rescan = 0.0
        self.summary: RegistryInfo | None = None
        """What the last rescan that found a change saw (``registry`` in status.json)."""

    def load(self, spec: str) -> ActiveStrategy:
        with self.lock:
            try:
                version = self.registry.resolve(spec)
                installed = self.registry.install(version)
            except RegistryError as exc:
                raise LoadError(str(exc)) from exc
        self.scratch_root.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        runner = SandboxRunner(
            version.name, version.version, installed.path, limits=self.limits, hook_timeout=self.hook_timeout,
            scratch_root=self.scratch_root, log_path=self.log_dir / f"worker-{version.name}-{version.version}.log",
            max_state_bytes=self.max_state_bytes,
        )
        try:
            runner.start()
        except StrategyFault as exc:
            raise LoadError(f"{version.spec} does not start: {exc}") from exc
        return ActiveStrategy(runner=runner, name=version.name, version=version.version,
                              wheel_sha256=version.sha256, state_decl=version.state)

    def declared(self, spec: str) -> StateDecl | None:
        """``spec``'s ``__liveswap_state__`` as the registry read it from source (None if unknown)."""
        with self.lock:
            try:
                return self.registry.find(spec).state
            except RegistryError:
                return None

    def rescan_tick(self, engine: Engine) -> None:
        """Between batches: notice wheels dropped into ``registry/`` (at most once a second)."""
        now = time.monotonic()
        if now < self._next_rescan or not self.lock.acquire(blocking=False):
            return
        try:
            self._next_rescan = now + 1.0
            found = self.registry.rescan()
            if found is not None:
                ok = sum(1 for v in found if v.verdict == "compatible")
                logger.info("registry: {} strategy versions ({} compatible)", len(found), ok)
                self.summary = RegistryInfo(versions=len(found), compatible=ok, scanned_at=time.time())
                self.registry.write_catalog()
        finally:
            self.lock.release()
