"""The production ``VersionLoader``: registry checks, isolated install, sandboxed worker."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from loguru import logger

from liveswap.engine import ActiveStrategy, Engine
from liveswap.home import RegistryInfo
from liveswap.registry import Registry, RegistryError, StateDecl
from liveswap.runners import StrategyFault
from liveswap.sandbox import DEFAULT_MAX_STATE_BYTES, SandboxLimits, SandboxRunner
from liveswap.swap.loader import LoadError


class RegistryLoader:
    """Loads ``NAME[==VERSION]`` from the home's registry into a fresh sandboxed worker.

    The registry is rescanned for dropped wheels by a background thread of its own (started by
    :meth:`rescan_tick`, at most once a second): reading, hashing and checking wheels never runs
    on the trading thread, which only publishes the last finished scan's summary. Every use of the
    registry goes through one lock (a scan and a swap's preparation wait for each other, trading
    never does).
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
        self._due = threading.Event()
        self._scanner: threading.Thread | None = None
        self.scans = 0
        """How many scans found a change (and set :attr:`summary`) so far."""
        self.summary: RegistryInfo | None = None
        """What the last rescan that found a change saw (``registry`` in status.json); set by the scan thread."""

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
        """Between batches, on the trading thread: ask the scan thread for a rescan (at most once a
        second). Costs a few microseconds; reading, hashing and checking wheels run on that thread,
        which publishes what it found as :attr:`summary`."""
        now = time.monotonic()
        if now < self._next_rescan:
            return
        self._next_rescan = now + 1.0
        if self._scanner is None:
            self._scanner = threading.Thread(target=self._scan_forever, name="liveswap-registry-scan", daemon=True)
            self._scanner.start()
        self._due.set()

    def wait_scanned(self, timeout: float, *, after: int) -> RegistryInfo | None:
        """:attr:`summary` once more than ``after`` scans found a change (tests, tools); None at the timeout."""
        deadline = time.monotonic() + timeout
        while self.scans <= after and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.summary if self.scans > after else None

    def _scan_forever(self) -> None:
        while True:
            self._due.wait()
            self._due.clear()
            try:
                summary = self.scan_once()
            except Exception as exc:  # noqa: BLE001 - a scan's failure must not end the thread
                logger.error("registry: scan failed: {}: {}", type(exc).__name__, exc)
                continue
            if summary is not None:
                self.summary = summary
                self.scans += 1

    def scan_once(self) -> RegistryInfo | None:
        """Rescan ``registry/`` if anything changed (under the lock) and write the catalog; the summary, or None."""
        with self.lock:
            found = self.registry.rescan()
            if found is None:
                return None
            ok = sum(1 for v in found if v.verdict == "compatible")
            logger.info("registry: {} strategy versions ({} compatible)", len(found), ok)
            self.registry.write_catalog()
        return RegistryInfo(versions=len(found), compatible=ok, scanned_at=time.time())
