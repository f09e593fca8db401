"""The sandboxed worker process: ``python -m liveswap.sandbox.worker REQUEST_FD REPLY_FD``.

Started by :class:`~liveswap.sandbox.runner.SandboxRunner` with a scrubbed environment, its own
scratch directory as working directory, and stdout/stderr going to a log file. It talks to the
host only through the two inherited pipe fds given on the command line; fd 1 is pointed at the
log before anything else, so a strategy's ``print()`` can never reach the channel.

Order of events: the bootstrap imports this module with nothing of the version on ``sys.path``
(isolated mode; see :mod:`.worker_process`); read the ``load`` request; confine itself as asked
(:func:`_confine`: network namespace when not under bubblewrap, resource limits, no capability in
any set and its own uid when the host is root, ``no_new_privs``, Landlock, seccomp; a *required*
layer that fails, or any capability left, is a ``load`` fault: fail closed); import the standard
library modules it may need later; only then append the version's paths to ``sys.path``, *after*
the standard library's, resolve the entry point and register it in a fresh :class:`StrategyPlugin`.
The reply to ``load`` is the handshake (pid, layers in force, implemented hooks) or a ``load``
fault. Then it answers one request at a time until ``close`` or end of file on the request pipe.
"""

from __future__ import annotations

import faulthandler
import importlib
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from liveswap.runners.base import Batch, StrategyFault
from liveswap.runners.strategy_plugin import StrategyPlugin, resolve_entry_point
from liveswap.sandbox import caps, chunk, landlock, protocol, seccomp
from liveswap.sandbox.isolation import apply_rlimits, unshare_network

EXIT_HOST_GONE = 70
EXIT_MEMORY = 71  # MemoryError where no reply could be sent; the host reports a "memory" fault
_PARENT = os.getppid()
STDLIB_PRELOAD = ("traceback", "linecache", "tokenize", "inspect", "json", "importlib.metadata", "importlib.util")
"""Standard-library modules the worker may import lazily once strategy code runs (tracebacks of a
fault read source lines), imported before the version's paths exist. A belt to the braces: the
version's paths come after the standard library's, so no module of the version can shadow one.
Measured: loading, running and exporting a strategy imports no other standard-library module."""


_fault = protocol.encode_fault


def _fault_of(exc: StrategyFault) -> bytes:
    kind = "memory" if isinstance(exc.__cause__, MemoryError) else exc.kind
    if exc.__cause__ is not None:
        traceback.print_exception(exc.__cause__, file=sys.stderr)
    return _fault(kind, exc.reason)


_OK_NONE = protocol.encode_ok(None)


def _watch_parent(parent: int) -> None:
    """Exit when the parent is gone (a worker stuck in strategy code never sees end of file)."""
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os._exit(EXIT_HOST_GONE)


def _drop_privileges(uid: int | None, required: set[str]) -> tuple[list[str], list[str], list[str]]:
    """No capability left in any set, its own uid when asked; ``(in_force, problems, failed)``.

    A capability left over is always a failure (whatever the level): a worker never runs a
    version's code with one."""
    in_force: list[str] = []
    problems: list[str] = []
    failed: list[str] = []
    privileged = bool(caps.status().get("CapEff"))
    why = caps.drop_bounding() if privileged else ""
    problems += [why] if why else []
    if uid is not None:
        try:
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            in_force.append(f"uid {uid}")
        except OSError as exc:
            problems.append(f"uid {uid}: {exc.strerror}")
            failed += ["uid"] if "uid" in required else []
    why = caps.clear() if any(caps.status().get(s) for s in ("CapEff", "CapPrm", "CapInh")) else ""
    left = why or caps.leftover(bounding=privileged)
    if left:
        problems.append(left)
        failed.append("capabilities")
    else:
        in_force.append("no capabilities")
    return in_force, problems, failed


def _confine(confine: dict[str, Any], rlimits: dict[str, Any]) -> tuple[list[str], list[str], list[str]]:
    """Apply the confinement the host asked for, in order; ``(in_force, problems, required_failures)``.

    Runs before any path of the version is on ``sys.path`` (so before any of its code can be
    imported) and before any thread is started (Landlock and seccomp bind the calling thread and
    the threads and processes it creates afterwards).
    """
    in_force: list[str] = []
    problems: list[str] = []
    required = set(confine.get("required") or ())
    if confine.get("unshare_net"):
        isolated, why = unshare_network()
        in_force += ["netns"] if isolated else []
        problems += [] if isolated else [why]
    problems += apply_rlimits(rlimits)
    enforced, trouble, failed = _drop_privileges(confine.get("uid"), required)
    in_force += enforced
    problems += trouble
    why = seccomp.no_new_privs()
    problems += [why] if why else []
    if confine.get("landlock"):
        enforced, trouble = landlock.restrict(confine["landlock"]["read"], confine["landlock"]["write"])
        in_force += enforced
        problems += trouble
        if "landlock" in required and (not enforced or any("scoping" in t or "TCP" in t for t in trouble)):
            failed.append("landlock")
    elif "landlock" in required:
        failed.append("landlock")
    if confine.get("seccomp"):
        why = seccomp.apply(confine["seccomp"])
        in_force += [] if why else ["seccomp"]
        problems += [why] if why else []
        failed += ["seccomp"] if why and "seccomp" in required else []
    elif "seccomp" in required:
        failed.append("seccomp")
    return in_force, problems, failed


def _add_version_paths(paths: list[str]) -> None:
    """Put the version's paths on ``sys.path`` *after* the standard library's (which can then never
    be shadowed by a module of the same name), once everything the worker needs is imported."""
    for name in STDLIB_PRELOAD:
        importlib.import_module(name)
    sys.path.extend(p for p in paths if p not in sys.path)


def _load(message: dict[str, Any]) -> tuple[StrategyPlugin | None, bytes]:
    in_force, problems, failed = _confine(message.get("confine") or {}, message.get("rlimits") or {})
    if failed:
        return None, _fault("load", f"sandbox: could not apply {', '.join(failed)} ({'; '.join(problems)[:300]})")
    if message.get("cpus"):
        try:
            os.sched_setaffinity(0, message["cpus"])
        except OSError as exc:
            problems.append(f"cpus {message['cpus']}: {exc.strerror}")
    threading.Thread(target=_watch_parent, args=(_PARENT,), daemon=True).start()
    path = message.get("path")
    _add_version_paths([str(p) for p in message.get("sys_path") or ([path] if path else [])])
    name, version = str(message["name"]), str(message["version"])
    try:
        obj = resolve_entry_point(name, path=[path] if path else None)
        host = StrategyPlugin(obj, name=name, version=version)
    except StrategyFault as exc:
        return None, _fault_of(exc)
    except MemoryError:
        return None, _fault("memory", f"loading {name} {version} ran out of memory")
    except Exception as exc:  # noqa: BLE001 - whatever the strategy's import does is a load fault
        return None, _fault("load", f"cannot load {name} {version}: {type(exc).__name__}: {exc}")
    hello = {
        "pid": os.getpid(),
        "nonce": message.get("nonce"),
        "in_force": in_force,
        "network_isolated": message.get("network_isolated") is True or "netns" in in_force,
        "network_reason": "; ".join(p for p in problems if "unshare" in p),
        "limit_problems": problems,
        "implements": sorted(host.implements),
        "python": sys.version.split()[0],
    }
    return host, protocol.encode_ok(hello)


def _answer(host: StrategyPlugin, request: tuple[Any, ...], write: Callable[[bytes], None]) -> bytes:
    op = request[0]
    try:
        if op == "batch":
            candles, fills, settlements = protocol.decode_batch(*request[1:])
            result = host.run_batch(Batch(candles, fills, settlements))
            try:
                return protocol.encode_outputs(result.outputs)
            except (TypeError, ValueError, RecursionError) as exc:
                return _fault("garbage", f"on_candle returned a value that cannot cross the sandbox: {exc}")
        if op == "chunk":  # a backtest's run of batches (see liveswap.sandbox.chunk)
            try:
                return chunk.run_chunk(host.run_batch, request[1:], write)
            except (TypeError, ValueError, RecursionError) as exc:
                return _fault("garbage", f"on_candle returned a value that cannot cross the sandbox: {exc}")
        if op == "setup":
            host.setup(request[1])
        elif op == "params":
            host.on_params(request[1])
        elif op == "export":
            return protocol.encode_ok(host.export_state(_schema(request)))
        elif op == "import":
            host.import_state(request[1], str(request[2]))
        elif op == "export_json":
            return protocol.encode_state_ok(host.export_state_json(_schema(request)))
        elif op == "import_json":
            host.import_state_json(request[1], str(request[2]))
        elif op == "ping":
            return protocol.encode_ok(os.getpid())
        else:
            return _fault("protocol", f"worker does not know the request {op!r}")
        return _OK_NONE
    except StrategyFault as exc:
        return _fault_of(exc)
    except MemoryError:
        return _fault("memory", f"{op} ran out of memory (limit reached)")


def _schema(request: tuple[Any, ...]) -> int | None:
    """The layout an ``export``/``export_json`` request asks for (``writes``), None for the version's own."""
    schema = request[1] if len(request) > 1 else None
    return schema if isinstance(schema, int) and not isinstance(schema, bool) else None


def serve(request_fd: int, reply_fd: int) -> int:
    """Handshake, then answer requests until ``close`` or end of file. Returns the exit status."""
    first = protocol.read_frame(request_fd)
    if first is None:
        return 0
    op, load = protocol.decode_request(first)
    if op != "load":
        protocol.write_frame(reply_fd, _fault("protocol", f"first request must be load, not {op!r}"))
        return 2
    host, reply = _load(load)
    protocol.write_frame(reply_fd, reply)
    if host is None:
        return 0
    while (payload := protocol.read_frame(request_fd)) is not None:
        request = protocol.decode_request(payload)
        if request[0] == "close":
            protocol.write_frame(reply_fd, _OK_NONE)
            return 0
        protocol.write_frame(reply_fd, _answer(host, request, lambda frame: protocol.write_frame(reply_fd, frame)))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    request_fd, reply_fd = int(args[0]), int(args[1])
    os.dup2(2, 1)  # stdout -> the log: print() in strategy code never reaches the channel
    for fd in (request_fd, reply_fd):
        os.set_inheritable(fd, False)
    faulthandler.enable(file=sys.stderr)
    try:
        return serve(request_fd, reply_fd)
    except MemoryError:
        os._exit(EXIT_MEMORY)


if __name__ == "__main__":
    raise SystemExit(main())
