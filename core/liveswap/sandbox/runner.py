"""``SandboxRunner``: one strategy version in its own sandboxed worker process.

Implements the :class:`~liveswap.runners.base.Runner` protocol. :meth:`SandboxRunner.start`
spawns the worker and waits for its handshake; it does not touch the trading path, so the engine
can prepare a new version's runner while the old one keeps trading, then swap between batches.

Every failure of the worker -- an exception in a hook, a hook past ``hook_timeout``, a crash,
``os._exit``, a signal, the memory limit, bytes that are not a valid reply -- is raised as one
:class:`~liveswap.runners.base.StrategyFault` with a one-line reason. After the first fault the
worker is killed, the runner is dead (``alive`` is False) and every further call raises at once.
Nothing the worker does can raise anything else in the host. Calls from several threads (the
engine's, a swap's staging) are serialised by the runner's :class:`~liveswap.runners.gate.CallGate`.
"""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
import sys
import time
import weakref
from pathlib import Path
from typing import Any, NoReturn, get_args

from liveswap.exceptions import SandboxUnavailable
from liveswap.runners import Batch, BatchResult, CallGate, FaultKind, StrategyFault
from liveswap.sandbox import bwrap, policy, protocol, treewatch
from liveswap.sandbox import state_json as states
from liveswap.sandbox.isolation import make_scratch
from liveswap.sandbox.limits import SandboxLimits
from liveswap.sandbox.protocol import Channel, ChannelClosed, ChannelTimeout, GarbageReply, ProtocolError
from liveswap.sandbox.worker_process import LIVESWAP_ROOT, cleanup, describe_exit, launch, read_tail, rotate_log

FAULT_KINDS: frozenset[str] = frozenset(get_args(FaultKind))
DEFAULT_MAX_STATE_BYTES = 1_000_000
"""An exported state larger than this (JSON bytes) is a ``garbage`` fault (the setting ``max_state_bytes``)."""
EXIT_MEMORY = 71
"""Exit status of a worker that hit ``MemoryError`` where it could not reply (see worker.main)."""

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
        self._deadline = 0.0
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
        self._bwrapped = False
        self._watch: treewatch.TreeWatch | None = None
        self.worker_pid: int | None = None
        self.spawn_seconds: float | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._channel: Channel | None = None
        self._alive = False
        self._fault: StrategyFault | None = None
        self._finalizer: weakref.finalize | None = None
        self.gate = CallGate()

    def __repr__(self) -> str:
        state = "alive" if self._alive else ("faulted" if self._fault else "stopped")
        return f"<SandboxRunner {self.name} {self.version} pid={self.pid} {state}>"

    # -- life cycle ------------------------------------------------------------------------

    @property
    def alive(self) -> bool:
        """True from a successful :meth:`start` until the first fault or :meth:`close`."""
        return self._alive

    @property
    def fault(self) -> StrategyFault | None:
        """The fault that ended this runner, if one did."""
        return self._fault

    def start(self) -> SandboxRunner:
        """Spawn the worker and complete the handshake; raises ``StrategyFault`` (``load`` etc.)."""
        if self._proc is not None:
            raise StrategyFault("protocol", f"runner for {self.name} {self.version} was already started")
        began = time.monotonic()
        try:
            self.sandbox = policy.require(self.limits)
        except SandboxUnavailable as exc:
            self._fault = StrategyFault("load", exc.reason)
            raise
        self.scratch = make_scratch(self.name, self.version, self.scratch_root)
        log_path = self.log_path or self.scratch / "worker.log"
        self.log_path = log_path
        rotate_log(log_path, (self.limits.file_size_bytes or 0) // 2)
        plan = policy.plan(self.limits, self.install_dir, self.scratch, LIVESWAP_ROOT, tuple(self.sys_path))
        inside_scratch = Path(bwrap.INSIDE_SCRATCH) if plan.sandboxed else self.scratch
        self.work_dir = inside_scratch
        self._bwrapped = plan.sandboxed
        try:
            self._proc, self._channel = launch(plan, scratch=self.scratch, inside_scratch=inside_scratch,
                                               log_path=log_path, max_frame=self.max_frame)
        except OSError as exc:
            shutil.rmtree(self.scratch, ignore_errors=True)
            self._fault = StrategyFault("crash", f"cannot start a worker for {self.name} {self.version}: {exc}")
            raise self._fault from None
        self.pid = self._proc.pid
        limit = self.limits.tree_memory_bytes or self.limits.memory_bytes
        self._watch = treewatch.TreeWatch(self.pid, limit) if limit else None
        self._members: list[int] = []
        self._finalizer = weakref.finalize(self, cleanup, self._proc, self._channel, self.scratch, self._watch,
                                           self._members)
        self._alive = True
        nonce = secrets.token_hex(8)
        path = plan.lib_root if plan.sandboxed else self.install_dir
        hello = self._request(
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
            self._die("protocol", f"worker {self.pid} answered the handshake with {str(hello)[:80]!r}"
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
        if self._alive and self._channel is not None and self._proc is not None:
            self._members[:] = treewatch.tree(self._proc.pid)  # a clean exit too must take the whole tree
            deadline = time.monotonic() + self.close_timeout
            try:
                self._channel.send(protocol.encode_request("close"), deadline)
                self._channel.recv(deadline)
                self._proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except (protocol.ChannelError, subprocess.TimeoutExpired):
                pass
        self._alive = False
        if self._finalizer is not None:
            self._finalizer()

    def rss_bytes(self) -> int | None:
        """Resident memory of the worker's whole process tree, from ``/proc`` (None if not running)."""
        if not self._alive or self.pid is None:
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
            self._request(protocol.encode_request("setup", params), "setup")

    def run_batch(self, batch: Batch) -> BatchResult:
        with self.gate.call():
            frame = protocol.encode_batch(batch.candles, batch.fills, batch.settlements)
            value = self._request(frame, "run_batch", limit=protocol.batch_reply_limit(len(batch.candles)))
            try:
                outputs = protocol.decode_outputs(value, len(batch.candles))
            except ProtocolError as exc:
                self._die("protocol", str(exc))
            self._check_deadline("run_batch")
            return BatchResult(outputs=outputs)

    def on_params(self, params: dict[str, Any]) -> None:
        with self.gate.call():
            self._request(protocol.encode_request("params", params), "on_params")

    def export_state(self, schema: int | None = None) -> dict[str, Any] | None:
        with self.gate.call():
            state = self._interpret(self._exchange_state("export", schema), "export_state")
            if state is not None and not isinstance(state, dict):
                self._die("garbage", f"export_state came back as a {type(state).__name__}, not a dict")
            return state

    def import_state(self, state: dict[str, Any], from_version: str) -> None:
        with self.gate.call():
            self._request(protocol.encode_request("import", state, from_version), "import_state")

    def export_state_json(self, schema: int | None = None) -> bytes | None:
        """:meth:`export_state` as the worker's JSON bytes of a dict, *not parsed here*: for relaying to
        another worker with :meth:`import_state_json` (the swap's commit path). None without the hook.
        ``schema``: an older layout the version declared in ``writes`` (``export_state(schema=N)``)."""
        with self.gate.call():
            payload = self._exchange_state("export_json", schema)
            state_json = protocol.state_json_of(payload)
            if state_json is None:
                state = self._interpret(payload, "export_state")  # a fault raises here
                if state is None or isinstance(state, dict):  # an ok reply laid out otherwise: re-encode it
                    return None if state is None else json.dumps(state, separators=(",", ":")).encode()
                self._die("garbage", f"export_state came back as a {type(state).__name__}, not a dict")
            why = states.check_state_json(state_json, max_bytes=self.max_state_bytes, nesting_checked=True)
            if why:  # blamed on this version, the one that produced it, before anyone relays or keeps it
                self._die("garbage", f"export_state of {self.name} {self.version}: {why}")
            return None if state_json == b"null" else state_json

    def import_state_json(self, state_json: bytes, from_version: str) -> None:
        """:meth:`import_state` of a state given as JSON bytes (parsed in the worker; anything but a
        JSON object is a ``garbage`` fault)."""
        with self.gate.call():
            self._request(protocol.encode_request("import_json", state_json, from_version), "import_state")

    def ping(self) -> None:
        """A no-op round trip: raises ``StrategyFault`` if the worker is stuck or gone."""
        with self.gate.call():
            self._request(protocol.encode_request("ping"), "ping")

    # -- machinery --------------------------------------------------------------------------

    def _exchange_state(self, op: str, schema: int | None) -> bytes:
        """The reply to an export: at most ``max_state_bytes`` (+ its wrapping), refused from its header
        when larger, and from its brackets when nested deeper than the cap, before anything parses it."""
        payload = self._exchange(protocol.encode_request(op, schema), "export_state",
                                 max_bytes=self.max_state_bytes + protocol.STATE_REPLY_OVERHEAD)
        if states.too_deep(payload, states.MAX_STATE_DEPTH + 1):  # + 1: the reply's own {"ok": ...}
            self._die("garbage", f"export_state of {self.name} {self.version}: the state is nested deeper "
                      f"than {states.MAX_STATE_DEPTH} levels")
        return payload

    def _check_deadline(self, what: str) -> None:
        """Decoding a reply counts against the call's time limit."""
        if time.monotonic() > self._deadline:
            self._die("timeout", f"{what} of {self.name} {self.version}: reply not decoded within "
                      f"{self.hook_timeout:g}s (host-side decoding counts); worker {self.pid} killed")

    def _request(self, frame: bytes, what: str, timeout: float | None = None, *,
                 limit: int = protocol.SMALL_REPLY_BYTES) -> Any:
        return self._interpret(self._exchange(frame, what, timeout, max_bytes=limit), what)

    def _exchange(self, frame: bytes, what: str, timeout: float | None = None, *,
                  max_bytes: int = protocol.SMALL_REPLY_BYTES) -> bytes:
        """Send one request, return the reply's raw payload of at most ``max_bytes``, refused from
        its header when larger (any failure kills the worker and raises)."""
        if not self._alive or self._channel is None:
            self._raise_dead(what)
        limit = self.hook_timeout if timeout is None else timeout
        deadline = self._deadline = time.monotonic() + limit
        try:
            self._channel.send(frame, deadline)
            return self._channel.recv(deadline, max_bytes)
        except GarbageReply as exc:
            self._die("garbage", f"{what} of {self.name} {self.version}: {exc}"
                      + (" (max_state_bytes)" if what == "export_state" else ""))
        except ChannelTimeout:
            self._die("timeout", f"{what} of {self.name} {self.version} took longer than {limit:g}s; "
                      f"worker {self.pid} killed")
        except ChannelClosed:
            self._die_exited(what)
        except ProtocolError as exc:
            self._die("protocol", f"{what} of {self.name} {self.version}: {exc}")

    def _interpret(self, payload: bytes, what: str) -> Any:
        """The ``ok`` value of a reply payload; a fault or malformed reply kills the worker and raises."""
        try:
            message = protocol.decode_reply(payload)
        except GarbageReply as exc:
            self._die("garbage", f"{what} of {self.name} {self.version}: {exc}")
        except ProtocolError as exc:
            self._die("protocol", f"{what} of {self.name} {self.version}: {exc}")
        self._check_deadline(what)
        if "ok" in message:
            return message["ok"]
        kind, reason = message.get("fault"), message.get("reason")
        if kind in FAULT_KINDS and isinstance(reason, str):
            line = " | ".join(part.strip() for part in reason.splitlines() if part.strip())
            self._die(kind, line[:500] or f"{what} failed ({kind})")
        self._die("protocol", f"{what} of {self.name} {self.version}: reply has neither ok nor a valid fault")

    def _raise_dead(self, what: str) -> NoReturn:
        if self._fault is not None:
            raise StrategyFault(self._fault.kind, f"worker of {self.name} {self.version} is dead "
                                f"({self._fault.reason}); cannot {what}")
        raise StrategyFault("crash", f"worker of {self.name} {self.version} is not running; cannot {what}")

    def _die(self, kind: FaultKind, reason: str) -> NoReturn:
        self._alive = False
        if self._finalizer is not None:
            self._finalizer()
        self._fault = StrategyFault(kind, reason)
        raise self._fault

    def _die_exited(self, what: str) -> NoReturn:
        assert self._proc is not None
        try:
            code = self._proc.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            self._die("protocol", f"worker {self.pid} closed its channel during {what} but kept running; killed")
        last = next((ln.strip() for ln in reversed(self.log_tail().splitlines()) if ln.strip()), "")
        kind: FaultKind = "crash"
        if self._bwrapped and code > 128:  # bwrap exits with 128 + N when its child died of signal N
            code = -(code - 128)
        if code == EXIT_MEMORY or (code == 1 and last.startswith("MemoryError")):
            kind = "memory"
        if self._watch is not None and self._watch.tripped is not None:
            self._die("memory", f"worker {self.pid} of {self.name} {self.version} killed: its process tree used "
                      f"{self._watch.tripped >> 20} MiB, over sandbox.tree_memory_bytes during {what}")
        detail = f"; last output: {last[:200]}" if last else ""
        self._die(kind, f"worker {self.pid} of {self.name} {self.version} {describe_exit(code)} "
                  f"during {what}{detail}")
