"""``SandboxRunner``: one strategy version in its own sandboxed worker process.

Implements the :class:`~liveswap.runners.base.Runner` protocol. :meth:`SandboxRunner.start`
spawns the worker and waits for its handshake; it does not touch the trading path, so the engine
can prepare a new version's runner while the old one keeps trading, then swap between batches.

Every failure of the worker -- an exception in a hook, a hook past ``hook_timeout``, a crash,
``os._exit``, a signal, the memory limit, bytes that are not a valid reply -- is raised as one
:class:`~liveswap.runners.base.StrategyFault` with a one-line reason (by the runner's
:class:`~liveswap.sandbox.link.WorkerLink`, which does every exchange). After the first fault the
worker is killed, the runner is dead (``alive`` is False) and every further call raises at once.
Nothing the worker does can raise anything else in the host. Calls from several threads (the
engine's, a swap's staging) are serialised by the runner's :class:`~liveswap.runners.gate.CallGate`.
"""

from __future__ import annotations

import json
import secrets
import shutil
import sys
import time
import weakref
from pathlib import Path
from typing import Any

from liveswap.exceptions import SandboxUnavailable
from liveswap.runners import Batch, BatchResult, CallGate, StrategyFault
from liveswap.sandbox import bwrap, policy, protocol, treewatch
from liveswap.sandbox import state_json as states
from liveswap.sandbox.isolation import make_scratch
from liveswap.sandbox.limits import SandboxLimits
from liveswap.sandbox.link import WorkerLink
from liveswap.sandbox.protocol import ProtocolError
from liveswap.sandbox.worker_process import LIVESWAP_ROOT, cleanup, launch, read_tail, rotate_log

DEFAULT_MAX_STATE_BYTES = 1_000_000
"""An exported state larger than this (JSON bytes) is a ``garbage`` fault (the setting ``max_state_bytes``)."""

class SandboxRunner:
    """A strategy version running in a sandboxed worker; see the module docstring.

    ``install_dir`` is the version's install directory (the wheel's files with its ``*.dist-info``),
    or None for a strategy installed in the host's own environment. ``sys_path`` is the worker's
    whole import path besides the standard library and the liveswap API (default:
    ``[install_dir]``, or the host's own ``sys.path`` for a strategy installed in the host's
    environment). ``log_path`` receives the worker's stdout and stderr (default: ``worker.log`` in
    its scratch dir, removed at close).
    ``cpus`` pins the worker to those CPUs (``sched_setaffinity``); sharing the host's trading
    thread's CPU roughly halves the round trip on small VMs (no cross-CPU wake-up), see
    ``docs/sandbox.md``.
    """

    def __init__(
        self,
        name: str,
        version: str,
        install_dir: Path | None,
        *,
        limits: SandboxLimits | None = None,
        hook_timeout: float = 5.0,
        start_timeout: float = 15.0,
        close_timeout: float = 1.0,
        scratch_root: Path | None = None,
        log_path: Path | None = None,
        max_frame: int = protocol.DEFAULT_MAX_FRAME,
        cpus: set[int] | None = None,
        max_state_bytes: int = DEFAULT_MAX_STATE_BYTES,
        sys_path: list[Path] | None = None,
    ) -> None:
        self.name = name
        self.version = version
        self.install_dir = install_dir
        if sys_path is not None:
            self.sys_path = [str(p) for p in sys_path]
        else:
            self.sys_path = [str(install_dir)] if install_dir is not None else [p for p in sys.path if p]
        self.limits = limits or SandboxLimits()
        self.hook_timeout = hook_timeout
        self.start_timeout = start_timeout
        self.close_timeout = close_timeout
        self.scratch_root = scratch_root
        self.max_frame = max_frame
        self.max_state_bytes = max_state_bytes
        self.cpus = set(cpus) if cpus else None
        self.log_path: Path | None = log_path
        self.scratch: Path | None = None
        self.pid: int | None = None
        self.sandboxed = True
        self.network_isolated = False
        self.network_reason = "not started"
        self.limit_problems: list[str] = []
        self.implements: frozenset[str] = frozenset()
        self.sandbox: policy.SandboxReport | None = None
        self.layers: tuple[str, ...] = ()
        self.work_dir: Path | None = None
        """The worker's cwd/HOME/TMPDIR as the worker sees it (``/scratch`` inside bubblewrap)."""
        self.worker_pid: int | None = None
        self.spawn_seconds: float | None = None
        self._link = WorkerLink(label=f"{name} {version}", hook_timeout=hook_timeout)
        self.gate = CallGate()

    def __repr__(self) -> str:
        state = "alive" if self._link.alive else ("faulted" if self._link.fault else "stopped")
        return f"<SandboxRunner {self.name} {self.version} pid={self.pid} {state}>"

    # -- life cycle ------------------------------------------------------------------------

    @property
    def alive(self) -> bool:
        """True from a successful :meth:`start` until the first fault or :meth:`close`."""
        return self._link.alive

    @property
    def fault(self) -> StrategyFault | None:
        """The fault that ended this runner, if one did."""
        return self._link.fault

    def start(self) -> SandboxRunner:
        """Spawn the worker and complete the handshake; raises ``StrategyFault`` (``load`` etc.)."""
        if self._link.started:
            raise StrategyFault("protocol", f"runner for {self.name} {self.version} was already started")
        began = time.monotonic()
        try:
            self.sandbox = policy.require(self.limits)
        except SandboxUnavailable as exc:
            self._link.record(StrategyFault("load", exc.reason))
            raise
        self.scratch = make_scratch(self.name, self.version, self.scratch_root)
        log_path = self.log_path or self.scratch / "worker.log"
        self.log_path = log_path
        rotate_log(log_path, (self.limits.file_size_bytes or 0) // 2)
        plan = policy.plan(self.limits, self.install_dir, self.scratch, LIVESWAP_ROOT, tuple(self.sys_path))
        inside_scratch = Path(bwrap.INSIDE_SCRATCH) if plan.sandboxed else self.scratch
        self.work_dir = inside_scratch
        try:
            proc, channel = launch(plan, scratch=self.scratch, inside_scratch=inside_scratch,
                                   log_path=log_path, max_frame=self.max_frame)
        except OSError as exc:
            shutil.rmtree(self.scratch, ignore_errors=True)
            raise self._link.record(StrategyFault(
                "crash", f"cannot start a worker for {self.name} {self.version}: {exc}")) from None
        self.pid = proc.pid
        limit = self.limits.tree_memory_bytes or self.limits.memory_bytes
        watch = treewatch.TreeWatch(self.pid, limit) if limit else None
        members: list[int] = []
        finalizer = weakref.finalize(self, cleanup, proc, channel, self.scratch, watch, members)
        self._link.attach(proc=proc, channel=channel, finalizer=finalizer, watch=watch, members=members,
                          bwrapped=plan.sandboxed, log_path=log_path)
        nonce = secrets.token_hex(8)
        path = plan.lib_root if plan.sandboxed else self.install_dir
        hello = self._link.request(
            protocol.encode_request("load", {
                "name": self.name,
                "version": self.version,
                "path": str(path) if path is not None else None,
                "sys_path": [plan.lib_root] if plan.sandboxed else self.sys_path,
                "rlimits": self.limits.rlimits(),
                "confine": plan.confine,
                "network_isolated": plan.sandboxed,
                "nonce": nonce,
                "cpus": sorted(self.cpus) if self.cpus else None,
            }),
            "load",
            self.start_timeout,
        )
        problem = protocol.hello_problem(hello)
        if problem or hello.get("nonce") != nonce or (not plan.sandboxed and hello.get("pid") != self.pid):
            self._link.die("protocol", f"worker {self.pid} answered the handshake with {str(hello)[:80]!r}"
                      + (f": {problem}" if problem else ""))
        self.worker_pid = hello["pid"]
        self.network_isolated = hello["network_isolated"]
        self.network_reason = hello["network_reason"]
        self.limit_problems = list(hello["limit_problems"])
        self.layers = tuple(hello["in_force"])
        self.implements = frozenset(hello["implements"])
        self.spawn_seconds = time.monotonic() - began
        return self

    def close(self) -> None:
        """Ask the worker to exit (``close_timeout``), then kill it; remove its scratch dir. Never raises."""
        self._link.close(self.close_timeout)

    def rss_bytes(self) -> int | None:
        """Resident memory of the worker's whole process tree, from ``/proc`` (None if not running)."""
        if not self._link.alive or self.pid is None:
            return None
        return treewatch.tree_rss(self.pid) or None

    def log_tail(self, max_chars: int = 2000) -> str:
        """The end of the worker's stdout/stderr log ("" if there is none)."""
        if self.log_path is None:
            return ""
        return read_tail(self.log_path, max_chars)

    # -- Runner protocol --------------------------------------------------------------------

    def setup(self, params: dict[str, Any]) -> None:
        with self.gate.call():
            self._link.request(protocol.encode_request("setup", params), "setup")

    def run_batch(self, batch: Batch) -> BatchResult:
        with self.gate.call():
            frame = protocol.encode_batch(batch.candles, batch.fills, batch.settlements)
            value = self._link.request(frame, "run_batch", limit=protocol.batch_reply_limit(len(batch.candles)))
            try:
                outputs = protocol.decode_outputs(value, len(batch.candles))
            except ProtocolError as exc:
                self._link.die("protocol", str(exc))
            self._link.check_deadline("run_batch")
            return BatchResult(outputs=outputs)

    def on_params(self, params: dict[str, Any]) -> None:
        with self.gate.call():
            self._link.request(protocol.encode_request("params", params), "on_params")

    def export_state(self, schema: int | None = None) -> dict[str, Any] | None:
        with self.gate.call():
            state = self._link.interpret(self._exchange_state("export", schema), "export_state")
            if state is not None and not isinstance(state, dict):
                self._link.die("garbage", f"export_state came back as a {type(state).__name__}, not a dict")
            return state

    def import_state(self, state: dict[str, Any], from_version: str) -> None:
        with self.gate.call():
            self._link.request(protocol.encode_request("import", state, from_version), "import_state")

    def export_state_json(self, schema: int | None = None) -> bytes | None:
        """:meth:`export_state` as the worker's JSON bytes of a dict, *not parsed here*: for relaying to
        another worker with :meth:`import_state_json` (the swap's commit path). None without the hook.
        ``schema``: an older layout the version declared in ``writes`` (``export_state(schema=N)``)."""
        with self.gate.call():
            payload = self._exchange_state("export_json", schema)
            state_json = protocol.state_json_of(payload)
            if state_json is None:
                state = self._link.interpret(payload, "export_state")  # a fault raises here
                if state is None or isinstance(state, dict):  # an ok reply laid out otherwise: re-encode it
                    return None if state is None else json.dumps(state, separators=(",", ":")).encode()
                self._link.die("garbage", f"export_state came back as a {type(state).__name__}, not a dict")
            why = states.check_state_json(state_json, max_bytes=self.max_state_bytes, nesting_checked=True)
            if why:  # blamed on this version, the one that produced it, before anyone relays or keeps it
                self._link.die("garbage", f"export_state of {self.name} {self.version}: {why}")
            return None if state_json == b"null" else state_json

    def import_state_json(self, state_json: bytes, from_version: str) -> None:
        """:meth:`import_state` of a state given as JSON bytes (parsed in the worker; anything but a
        JSON object is a ``garbage`` fault)."""
        with self.gate.call():
            self._link.request(protocol.encode_request("import_json", state_json, from_version), "import_state")

    def ping(self) -> None:
        """A no-op round trip: raises ``StrategyFault`` if the worker is stuck or gone."""
        with self.gate.call():
            self._link.request(protocol.encode_request("ping"), "ping")

    # -- machinery --------------------------------------------------------------------------

    def _exchange_state(self, op: str, schema: int | None) -> bytes:
        """The reply to an export: at most ``max_state_bytes`` (+ its wrapping), refused from its header
        when larger, and from its brackets when nested deeper than the cap, before anything parses it."""
        payload = self._link.exchange(protocol.encode_request(op, schema), "export_state",
                                 max_bytes=self.max_state_bytes + protocol.STATE_REPLY_OVERHEAD)
        if states.too_deep(payload, states.MAX_STATE_DEPTH + 1):  # + 1: the reply's own {"ok": ...}
            self._link.die("garbage", f"export_state of {self.name} {self.version}: the state is nested deeper "
                      f"than {states.MAX_STATE_DEPTH} levels")
        return payload
