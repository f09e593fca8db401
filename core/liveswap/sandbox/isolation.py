"""What a worker is cut off from: host environment, host files, the network, unbounded resources.

Host side: :func:`worker_env` (the environment allow-list) and :func:`make_scratch` (the worker's
own working directory). Worker side, called before any strategy code is imported:
:func:`unshare_network` and :func:`apply_rlimits`. Standard library only (the worker imports it).
"""

from __future__ import annotations

import ctypes
import os
import resource
import tempfile
from collections.abc import Mapping
from pathlib import Path

ENV_ALLOW = ("PATH", "LANG", "LANGUAGE", "TZ", "PYTHONHASHSEED", "PYTHONIOENCODING", "PYTHONUTF8")
"""Host variables a worker inherits (plus every ``LC_*``); nothing else, so no credentials."""

DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin"

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000


def worker_env(scratch: Path, host_env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The worker's whole environment: the allow-list, with ``HOME``/``TMPDIR`` in its scratch dir."""
    source = os.environ if host_env is None else host_env
    env = {k: v for k, v in source.items() if k in ENV_ALLOW or k.startswith("LC_")}
    env.setdefault("PATH", DEFAULT_PATH)
    env["HOME"] = str(scratch)
    env["TMPDIR"] = str(scratch)
    env["PYTHONNOUSERSITE"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def make_scratch(name: str, version: str, root: Path | None = None) -> Path:
    """A fresh private (0700) directory for one worker; the runner removes it at close."""
    if root is not None:
        root.mkdir(parents=True, exist_ok=True)
    safe = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in f"{name}-{version}")
    return Path(tempfile.mkdtemp(prefix=f"liveswap-{safe}-", dir=root))


def unshare_network() -> tuple[bool, str]:
    """Move this (single-threaded) process into a new user + network namespace.

    Returns ``(True, "")`` when the process now sees only an unconfigured loopback (no route to
    anything, 127.0.0.1 of the host included), else ``(False, reason)``. Tries a user namespace
    first (works unprivileged where the kernel allows it), then a bare network namespace (root).
    """
    unshare = getattr(os, "unshare", None)  # Python >= 3.12
    reasons: list[str] = []
    for flags, what in ((CLONE_NEWUSER | CLONE_NEWNET, "user+net"), (CLONE_NEWNET, "net")):
        if unshare is not None:
            try:
                unshare(flags)
                return True, ""
            except OSError as exc:
                reasons.append(f"unshare({what}): {exc.strerror}")
                continue
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.unshare(flags) == 0:
                return True, ""
            reasons.append(f"unshare({what}): {os.strerror(ctypes.get_errno())}")
        except (OSError, AttributeError) as exc:
            reasons.append(f"unshare({what}): {exc}")
    return False, "; ".join(reasons)


def apply_rlimits(table: Mapping[str, tuple[int, int] | list[int]]) -> list[str]:
    """``setrlimit`` every ``{"RLIMIT_...": (soft, hard)}``; returns one line per limit that failed.

    A hard limit above the current one cannot be raised by an unprivileged process: it is then
    clamped to the current hard limit (the tighter of the two wins).
    """
    problems: list[str] = []
    for name, (soft, hard) in table.items():
        res = getattr(resource, name, None)
        if res is None:
            problems.append(f"{name}: not on this platform")
            continue
        _, cur_hard = resource.getrlimit(res)
        if cur_hard != resource.RLIM_INFINITY:
            hard = min(hard, cur_hard)
            soft = min(soft, hard)
        try:
            resource.setrlimit(res, (soft, hard))
        except (ValueError, OSError) as exc:
            problems.append(f"{name}: {exc}")
    return problems
