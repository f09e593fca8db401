"""``WorkerLink``: the request/reply exchange with one worker, and how the worker ends.

The :class:`~liveswap.sandbox.runner.SandboxRunner` holds one. Every exchange is bounded in
time (the hook time limit) and in size (refused from a frame's header); every reply is untrusted
and decoded here. Any failure -- a timeout, a closed channel, a malformed or oversized reply, a
fault the worker reports -- kills the worker and raises one
:class:`~liveswap.runners.base.StrategyFault` with a one-line reason; from then on the link is
dead and every further call raises at once.
"""

from __future__ import annotations

import subprocess
import time
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, get_args

from liveswap.runners import FaultKind, StrategyFault
from liveswap.sandbox import protocol, treewatch
from liveswap.sandbox.protocol import Channel, ChannelClosed, ChannelTimeout, GarbageReply, ProtocolError
from liveswap.sandbox.worker_process import describe_exit, read_tail

FAULT_KINDS: frozenset[str] = frozenset(get_args(FaultKind))
EXIT_MEMORY = 71
"""Exit status of a worker that hit ``MemoryError`` where it could not reply (see worker.main)."""


class WorkerLink:
    """One worker's channel, deadline and fault (see the module docstring); ``label`` names the
    version in every reason."""

    def __init__(self, *, label: str, hook_timeout: float) -> None:
        self._label = label
        self._hook_timeout = hook_timeout
        self._log_path: Path | None = None
        self._deadline = 0.0
        self._proc: subprocess.Popen[bytes] | None = None
        self._channel: Channel | None = None
        self._finalizer: weakref.finalize | None = None
        self._watch: treewatch.TreeWatch | None = None
        self._members: list[int] = []
        self._bwrapped = False
        self._alive = False
        self._fault: StrategyFault | None = None

    @property
    def alive(self) -> bool:
        return self._alive

    @property
    def started(self) -> bool:
        return self._proc is not None

    @property
    def fault(self) -> StrategyFault | None:
        return self._fault

    def record(self, fault: StrategyFault) -> StrategyFault:
        """A fault before any worker runs (no sandbox, no process): kept as the runner's fault."""
        self._fault = fault
        return fault

    def attach(self, *, proc: subprocess.Popen[bytes], channel: Channel, finalizer: weakref.finalize,
               watch: treewatch.TreeWatch | None, members: list[int], bwrapped: bool, log_path: Path) -> None:
        """The worker is running: ``finalizer`` kills it and cleans up (``members``: its tree seen at
        close); ``log_path``: its output, whose last line a crash's reason quotes."""
        self._proc, self._channel, self._finalizer, self._log_path = proc, channel, finalizer, log_path
        self._watch, self._members, self._bwrapped = watch, members, bwrapped
        self._alive = True

    def close(self, timeout: float) -> None:
        """Ask the worker to exit within ``timeout``, then kill it and clean up. Never raises."""
        if self._alive and self._channel is not None and self._proc is not None:
            self._members[:] = treewatch.tree(self._proc.pid)  # a clean exit too must take the whole tree
            deadline = time.monotonic() + timeout
            try:
                self._channel.send(protocol.encode_request("close"), deadline)
                self._channel.recv(deadline)
                self._proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except (protocol.ChannelError, subprocess.TimeoutExpired):
                pass
        self._alive = False
        if self._finalizer is not None:
            self._finalizer()

    def request(self, frame: bytes, what: str, timeout: float | None = None, *,
                limit: int = protocol.SMALL_REPLY_BYTES) -> Any:
        """One round trip: the ``ok`` value of the reply."""
        return self.interpret(self.exchange(frame, what, timeout, max_bytes=limit), what)

    def exchange(self, frame: bytes, what: str, timeout: float | None = None, *,
                 max_bytes: int = protocol.SMALL_REPLY_BYTES, progress: Callable[[bytes], bool] | None = None) -> bytes:
        """Send one request, return the reply's raw payload of at most ``max_bytes``, refused from
        its header when larger (any failure kills the worker and raises). ``progress``: True for a
        frame that only reports progress (a chunk's): the time limit starts again, the next is read."""
        if not self._alive or self._channel is None:
            self.raise_dead(what)
        limit = self._hook_timeout if timeout is None else timeout
        deadline = self._deadline = time.monotonic() + limit
        try:
            self._channel.send(frame, deadline)
            payload = self._channel.recv(deadline, max_bytes)
            while progress is not None and progress(payload):
                deadline = self._deadline = time.monotonic() + limit
                payload = self._channel.recv(deadline, max_bytes)
            return payload
        except GarbageReply as exc:
            cap = " (max_state_bytes)" if what == "export_state" else ""
            self.die("garbage", f"{what} of {self._label}: {exc}{cap}")
        except ChannelTimeout:
            shown = limit if progress is None else self._hook_timeout  # a chunk's limit holds per batch
            self.die("timeout", f"{what} of {self._label} took longer than {shown:g}s; worker {self._pid} killed")
        except ChannelClosed:
            self._die_exited(what)
        except ProtocolError as exc:
            self.die("protocol", f"{what} of {self._label}: {exc}")

    def interpret(self, payload: bytes, what: str) -> Any:
        """The ``ok`` value of a reply payload; a fault or malformed reply kills the worker and raises."""
        try:
            message = protocol.decode_reply(payload)
        except GarbageReply as exc:
            self.die("garbage", f"{what} of {self._label}: {exc}")
        except ProtocolError as exc:
            self.die("protocol", f"{what} of {self._label}: {exc}")
        self.check_deadline(what)
        if "ok" in message:
            return message["ok"]
        kind, reason = message.get("fault"), message.get("reason")
        if kind in FAULT_KINDS and isinstance(reason, str):
            line = " | ".join(part.strip() for part in reason.splitlines() if part.strip())
            self.die(kind, line[:500] or f"{what} failed ({kind})")
        self.die("protocol", f"{what} of {self._label}: reply has neither ok nor a valid fault")

    def check_deadline(self, what: str) -> None:
        """Decoding a reply counts against the call's time limit."""
        if time.monotonic() > self._deadline:
            self.die("timeout", f"{what} of {self._label}: reply not decoded within "
                     f"{self._hook_timeout:g}s (host-side decoding counts); worker {self._pid} killed")

    def raise_dead(self, what: str) -> NoReturn:
        if self._fault is not None:
            raise StrategyFault(self._fault.kind, f"worker of {self._label} is dead "
                                f"({self._fault.reason}); cannot {what}")
        raise StrategyFault("crash", f"worker of {self._label} is not running; cannot {what}")

    def die(self, kind: FaultKind, reason: str) -> NoReturn:
        """Kill the worker, keep ``reason`` as the fault, raise it."""
        self._alive = False
        if self._finalizer is not None:
            self._finalizer()
        self._fault = StrategyFault(kind, reason)
        raise self._fault

    @property
    def _pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def _tail(self) -> str:
        return read_tail(self._log_path, 2000) if self._log_path is not None else ""

    def _die_exited(self, what: str) -> NoReturn:
        assert self._proc is not None
        try:
            code = self._proc.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            self.die("protocol", f"worker {self._pid} closed its channel during {what} but kept running; killed")
        last = next((ln.strip() for ln in reversed(self._tail().splitlines()) if ln.strip()), "")
        kind: FaultKind = "crash"
        if self._bwrapped and code > 128:  # bwrap exits with 128 + N when its child died of signal N
            code = -(code - 128)
        if code == EXIT_MEMORY or (code == 1 and last.startswith("MemoryError")):
            kind = "memory"
        if self._watch is not None and self._watch.tripped is not None:
            self.die("memory", f"worker {self._pid} of {self._label} killed: its process tree used "
                     f"{self._watch.tripped >> 20} MiB, over sandbox.tree_memory_bytes during {what}")
        detail = f"; last output: {last[:200]}" if last else ""
        self.die(kind, f"worker {self._pid} of {self._label} {describe_exit(code)} during {what}{detail}")
