"""The worker process from the outside: the command line that boots it, and what is left of it.

* :data:`BOOTSTRAP` and :func:`worker_paths` -- the ``python -I -S -B -c`` program that starts a
  worker with only the standard library and the liveswap API importable (the version's paths
  are added by the confined worker);
* :func:`launch` -- the worker spawned (under bubblewrap when the plan is sandboxed) with its two
  pipes, and the host's :class:`Channel` to it;
* :func:`cleanup` -- kill the worker's whole process tree, reap it, close its pipes, remove its
  scratch directory (the runner's finalizer);
* :func:`rotate_log`, :func:`read_tail` and :func:`describe_exit` -- the worker's log kept under its
  size limit, its end, and an exit status said in words (signal names with the likely cause).
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import liveswap
from liveswap.sandbox import bwrap, spawn, treewatch
from liveswap.sandbox.isolation import worker_env
from liveswap.sandbox.policy import WorkerPlan
from liveswap.sandbox.protocol import Channel

__all__ = ["BOOTSTRAP", "LIVESWAP_ROOT", "WORKER_API", "cleanup", "describe_exit", "launch", "read_tail", "rotate_log",
           "worker_paths"]

# -I -S -B: no PYTHON* variables, no .pyc written, no script dir and no site-packages at all
# (neither the host's nor the user's) on sys.path. At start the worker's sys.path is the standard
# library alone: the top-level packages in WORKER_API (liveswap and the pluggy its API is built on)
# are imported from where the host has them, and nothing of the version can be imported. The
# version's paths come in the ``load`` request and are appended (after the standard library) only
# once the worker is confined (liveswap.sandbox.worker._load).
BOOTSTRAP = (
    "import sys, json; from importlib.machinery import PathFinder\n"
    "cfg = json.loads(sys.argv[1])\n"
    "class HostApi:\n"
    "    find_spec = staticmethod(lambda n, p=None, t=None: PathFinder.find_spec(n, cfg['api'][n])"
    " if n in cfg['api'] else None)\n"
    "sys.meta_path.insert(0, HostApi)\n"
    "from liveswap.sandbox.worker import main; raise SystemExit(main(sys.argv[2:]))"
)
LIVESWAP_ROOT = str(Path(liveswap.__file__).resolve().parent.parent)
WORKER_API = ("liveswap", "pluggy")


def worker_paths() -> str:
    """The bootstrap's argument: where each WORKER_API package is."""
    api: dict[str, list[str]] = {"liveswap": [LIVESWAP_ROOT]}
    for name in WORKER_API[1:]:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.origin:
            api[name] = [str(Path(spec.origin).resolve().parent.parent)]
    return json.dumps({"api": api})


def launch(plan: WorkerPlan, *, scratch: Path, inside_scratch: Path, log_path: Path,
           max_frame: int) -> tuple[subprocess.Popen[bytes], Channel]:
    """Spawn the worker ``plan`` describes (stdout and stderr appended to ``log_path``, cwd
    ``scratch``) with a request and a reply pipe; the host's ends become the returned channel.
    ``OSError`` if it cannot be spawned (every pipe closed)."""
    request_r, request_w = os.pipe()
    reply_r, reply_w = os.pipe()
    # sandboxed: what bwrap bound, the install (or env) and the API packages (see sandbox/bwrap.py)
    paths = json.dumps({"api": {name: [bwrap.INSIDE_LIB] for name in WORKER_API}}) if plan.sandboxed else worker_paths()
    argv = [*plan.prefix, plan.python, *plan.python_flags, "-c", BOOTSTRAP, paths, str(request_r), str(reply_w)]
    try:
        with open(log_path, "ab") as log:
            proc = (spawn.popen if plan.sandboxed else subprocess.Popen)(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                cwd=scratch,
                env=worker_env(inside_scratch),
                pass_fds=(request_r, reply_w),
                start_new_session=True,
            )
    except OSError:
        for fd in (request_r, request_w, reply_r, reply_w):
            os.close(fd)
        raise
    os.close(request_r)
    os.close(reply_w)
    return proc, Channel(reply_r, request_w, max_frame=max_frame)


def cleanup(proc: subprocess.Popen[bytes] | None, channel: Channel | None, scratch: Path | None,
             watch: treewatch.TreeWatch | None = None, members: list[int] | None = None) -> None:
    """Kill the worker's process group, reap it, wait until every process of its tree (``members``,
    seen before, plus what is under it now) is gone, close the pipes, remove the scratch dir."""
    if watch is not None:
        watch.stop()
    members = list(members or [])
    if proc is not None:
        if proc.poll() is None:
            members += treewatch.tree(proc.pid)
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)
    deadline = time.monotonic() + 5.0
    while any(treewatch.running(pid) for pid in members) and time.monotonic() < deadline:
        time.sleep(0.005)  # the namespace's processes die with its PID 1, a moment after bwrap
    if channel is not None:
        channel.close()
    if scratch is not None:
        shutil.rmtree(scratch, ignore_errors=True)


def rotate_log(log: Path, above: int) -> None:
    """Keep one older log (``.1``) once the log passed ``above`` bytes: ``RLIMIT_FSIZE`` caps the
    log too, and a full log would make the next worker's writes (tracebacks) fail."""
    with contextlib.suppress(OSError):
        if above and log.stat().st_size > above:
            os.replace(log, log.with_name(log.name + ".1"))


def read_tail(log: Path, max_chars: int) -> str:
    """The last ``max_chars`` bytes of the worker's log as text ("" if it cannot be read)."""
    try:
        with open(log, "rb") as stream:
            stream.seek(0, os.SEEK_END)
            stream.seek(max(0, stream.tell() - max_chars))
            return stream.read().decode(errors="replace")
    except OSError:
        return ""


def describe_exit(code: int) -> str:
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        hint = {
            "SIGKILL": " (out-of-memory killer, CPU hard limit, or killed from outside)",
            "SIGXCPU": " (CPU time limit)",
            "SIGSEGV": " (segmentation fault)",
            "SIGABRT": " (aborted)",
        }.get(name, "")
        return f"killed by {name}{hint}"
    return f"exited with code {code}"
