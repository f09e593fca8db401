"""The sandbox level in force: what this machine can apply, what it cannot, and the worker's plan.

:func:`probe` answers, once per process and level, which layers this machine offers
(bubblewrap namespaces, Landlock ABI, seccomp, a separate uid) as a :class:`SandboxReport`:
``status.json``'s ``sandbox`` field and ``liveswap check`` show it. :func:`require` is the fail
closed gate: under ``strict`` a missing layer raises :class:`SandboxUnavailable` with one line
naming the setting to lower. :func:`plan` turns the level into the worker's command line and the
confinement its ``load`` request asks for.
"""

from __future__ import annotations

import functools
import itertools
import os
import subprocess
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from liveswap.exceptions import SandboxUnavailable
from liveswap.sandbox import bwrap, landlock, seccomp
from liveswap.sandbox.limits import SandboxLevel, SandboxLimits

SETTING_HINT = 'set sandbox.level = "basic" in liveswap.toml (or LIVESWAP_SANDBOX__LEVEL=basic) to run with less'
NOT_COVERED = ("cgroups: not used; memory across the process tree is a host-sampled RSS sum "
               "(sandbox.tree_memory_bytes, every 0.2 s), not a hard cgroup limit")
_serial = itertools.count()


@dataclass(frozen=True)
class SandboxReport:
    """The isolation level in force (``level``), the layers applied, what could not be applied."""

    level: SandboxLevel
    in_force: tuple[str, ...] = ()
    not_applied: tuple[str, ...] = ()
    refused: str = ""
    """Non-empty: no worker starts; the one-line reason, naming the setting to lower."""

    @property
    def ok(self) -> bool:
        return not self.refused

    def to_dict(self) -> dict[str, Any]:
        return {"level": self.level, "in_force": list(self.in_force), "not_applied": list(self.not_applied),
                "refused": self.refused or None}


@dataclass(frozen=True)
class Offer:
    """What this machine offers, found once per process."""

    bwrap: str | None
    bwrap_problem: str
    landlock_abi: int
    seccomp_bpf: bytes | None
    seccomp_problem: str
    root: bool = field(default_factory=lambda: os.geteuid() == 0)


def _bwrap_works(path: str) -> str:
    """'' when bwrap can build a sandbox here (a trial run of ``true``), else why not."""
    argv = bwrap.command(bwrap=path, install_dir=None, scratch_bytes=1024 * 1024, user_namespace=os.geteuid() != 0)
    try:
        done = subprocess.run([*argv, "/bin/true"], capture_output=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bubblewrap: {exc}"
    if done.returncode != 0:
        last = (done.stderr.decode(errors="replace").strip().splitlines() or ["?"])[-1]
        return f"bubblewrap cannot create namespaces here: {last[:160]}"
    return ""


@functools.cache
def offer() -> Offer:
    """Probe the machine (cached for the process: a trial bwrap run costs a few ms)."""
    path = bwrap.find_bwrap()
    problem = "bubblewrap: no bwrap executable (apt-get install bubblewrap)" if path is None else _bwrap_works(path)
    bpf, why = seccomp.worker_filter()
    return Offer(bwrap=path if not problem else None, bwrap_problem=problem, landlock_abi=landlock.abi_version(),
                 seccomp_bpf=bpf, seccomp_problem=why)


def probe(limits: SandboxLimits) -> SandboxReport:
    """What ``limits.level`` amounts to on this machine."""
    level = limits.level
    if level == "none":
        return SandboxReport("none", ("own process", "scrubbed environment", "rlimits", "tree memory watch"),
                             ("sandbox.level is none: no namespaces, Landlock or seccomp",))
    machine = offer()
    in_force = ["own process", "scrubbed environment", "rlimits", "tree memory watch"]
    missing: list[str] = []
    if machine.bwrap:
        in_force += ["namespaces(user/mount/pid/net/ipc/uts)" if not machine.root
                     else "namespaces(mount/pid/net/ipc/uts)", f"tmpfs scratch ({limits.scratch_bytes} bytes)"]
        if machine.root:
            in_force.append("separate uid")
    else:
        missing.append(machine.bwrap_problem)
        if machine.root:
            missing.append("separate uid: needs bubblewrap when the host runs as root")
    if machine.landlock_abi >= 6:
        in_force.append(f"landlock(abi {machine.landlock_abi}: files, tcp, signals, abstract sockets)")
    elif machine.landlock_abi >= 1:
        in_force.append(f"landlock(abi {machine.landlock_abi}: partial)")
        missing.append(f"landlock: ABI {machine.landlock_abi} lacks signal/abstract-socket scoping (needs 6)")
    else:
        missing.append("landlock: not offered by this kernel")
    if machine.seccomp_bpf:
        in_force.append("seccomp(no sockets, no namespaces)")
    else:
        missing.append(machine.seccomp_problem)
    refused = ""
    if level == "strict" and missing:
        refused = f"sandbox level strict cannot be applied here: {missing[0]}; {SETTING_HINT} isolation"
    return SandboxReport(level, tuple(in_force), (*missing, NOT_COVERED), refused)


def require(limits: SandboxLimits) -> SandboxReport:
    """The report, or :class:`SandboxUnavailable` when the configured level cannot be applied."""
    report = probe(limits)
    if report.refused:
        raise SandboxUnavailable(report.refused)
    return report


def sandbox_status(limits: SandboxLimits) -> dict[str, Any]:
    """status.json's ``sandbox`` field (contract section 4): the level in force, the layers applied
    and what could not be applied, as plain JSON."""
    return probe(limits).to_dict()


@dataclass(frozen=True)
class WorkerPlan:
    """How to start one worker: its argv prefix, ``lib_root`` (without bubblewrap: where liveswap is;
    with it: the version's environment as the worker sees it), and its ``confine`` request."""

    prefix: list[str]
    python: str
    lib_root: str
    python_flags: tuple[str, ...]
    confine: dict[str, Any]
    sandboxed: bool


def plan(limits: SandboxLimits, install_dir: Path | None, scratch: Path, host_lib_root: str,
         readable: tuple[str, ...] = ()) -> WorkerPlan:
    """The worker's command line and confinement under ``limits.level`` (call :func:`require` first)."""
    confine: dict[str, Any] = {"uid": None, "landlock": None, "seccomp": None,
                               "unshare_net": limits.isolate_network, "required": []}
    if limits.level == "none":
        return WorkerPlan([], sys.executable, host_lib_root, ("-I", "-S", "-B"), confine, False)
    machine = offer()
    required = ["landlock", "seccomp"] if limits.level == "strict" else []
    if machine.seccomp_bpf:
        confine["seccomp"] = machine.seccomp_bpf
    if machine.bwrap:
        exe, _ = bwrap.base_python()
        # a pip-installed strategy (no install dir of its own) sees the host environment's packages, read-only
        visible = install_dir if install_dir is not None else Path(sysconfig.get_paths()["purelib"])
        prefix = bwrap.command(bwrap=machine.bwrap, install_dir=visible, scratch_bytes=limits.scratch_bytes,
                               user_namespace=not machine.root)
        if machine.root:
            confine["uid"] = limits.uid_base + (os.getpid() % 10_000) * 10_000 + next(_serial) % 10_000
            required.append("uid")
        if machine.landlock_abi >= 1:
            read, write = bwrap.landlock_paths(visible)
            confine["landlock"] = {"read": read, "write": write}
        confine["unshare_net"] = False  # bwrap made the network namespace
        confine["required"] = required
        return WorkerPlan(prefix, exe, str(visible), ("-I", "-S", "-B"), confine, True)
    if machine.landlock_abi >= 1:
        read = [host_lib_root, sys.base_prefix, sys.prefix, sysconfig.get_paths()["purelib"], "/usr", "/lib",
                "/lib64", "/dev/null", "/dev/urandom", *readable]
        if install_dir is not None:
            read.append(str(install_dir))
        confine["landlock"] = {"read": read, "write": [str(scratch), "/dev/null"]}
    confine["required"] = required
    return WorkerPlan([], sys.executable, host_lib_root, ("-I", "-S", "-B"), confine, False)
