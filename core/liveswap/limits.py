"""Resource limits of a sandboxed worker (``SandboxLimits``), as ``setrlimit`` values.

A leaf (pydantic only), beside ``settings``: the settings hold these limits without importing the
sandbox, which enforces them (``liveswap.sandbox.limits`` is its name for this module).

The limits are set by the worker on itself with :func:`resource.setrlimit`, before any strategy
code is imported (see :func:`liveswap.sandbox.isolation.apply_rlimits`). Soft and hard limits are
equal (except CPU time, below), so strategy code cannot raise them again. What each does **not**
stop is documented per field; ``docs/sandbox.md`` has the full story.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["GiB", "MemoryLimitKind", "MiB", "SandboxLevel", "SandboxLimits"]

MiB = 1024 * 1024
GiB = 1024 * MiB

MemoryLimitKind = Literal["address_space", "data"]
SandboxLevel = Literal["strict", "basic", "none"]


class SandboxLimits(BaseModel):
    """The knobs of the sandbox; ``None`` leaves a limit as the host has it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    level: SandboxLevel = Field(
        "strict",
        description=(
            "'strict': every layer (bubblewrap namespaces, a separate uid when the host is root, "
            "Landlock ABI >= 6, seccomp, size-limited scratch); if one cannot be applied no worker "
            "starts (fail closed). 'basic': every layer this machine offers, the rest reported. "
            "'none': a plain child process with a scrubbed environment and rlimits (development only)."
        ),
    )
    scratch_bytes: int = Field(
        64 * MiB, ge=1 * MiB,
        description="size of the worker's private tmpfs scratch (its HOME, TMPDIR and cwd); not on the journal's disk",
    )
    uid_base: int = Field(
        1_600_000_000, ge=1000,
        description="a host running as root starts each worker as its own unprivileged uid counted from here",
    )

    memory_bytes: int | None = Field(
        1 * GiB,
        ge=64 * MiB,
        description=(
            "RLIMIT_AS (address space, not RSS): mapped virtual memory, including untouched "
            "reservations such as thread stacks and malloc arenas; exceeding it makes allocations "
            "fail (MemoryError in Python). It does not limit page cache, shared memory of other "
            "processes, or kernel memory."
        ),
    )
    tree_memory_bytes: int | None = Field(
        None,
        ge=64 * MiB,
        description=(
            "resident memory of the worker's whole process tree (children included), sampled by the host "
            "every 0.2 s; past it the sandbox is killed (fault 'memory'). None: the same as memory_bytes"
        ),
    )
    memory_kind: MemoryLimitKind = Field(
        "address_space",
        description="'address_space' sets RLIMIT_AS; 'data' sets RLIMIT_DATA (heap + anonymous mmap, Linux >= 4.7)",
    )
    cpu_seconds: int | None = Field(
        3600,
        ge=1,
        description=(
            "RLIMIT_CPU: CPU time over the worker's whole life (not per call: the per-call limit is "
            "the runner's hook_timeout). SIGXCPU at the limit, SIGKILL 5 s later. A restart starts afresh."
        ),
    )
    open_files: int | None = Field(256, ge=16, description="RLIMIT_NOFILE: open file descriptors")
    processes: int | None = Field(
        32,
        ge=1,
        description=(
            "RLIMIT_NPROC: processes and threads of the worker's uid, across its whole process tree "
            "(each worker has its own uid or user namespace under 'strict'); ignored by the kernel for root."
        ),
    )
    file_size_bytes: int | None = Field(
        32 * MiB, ge=1 * MiB,
        description=("RLIMIT_FSIZE: largest file the worker may write; also caps its log, the one file it "
                     "writes on the home's disk"),
    )
    core_dumps: bool = Field(False, description="False sets RLIMIT_CORE to 0: a crashing worker dumps no core")
    isolate_network: bool = Field(
        True,
        description="run the worker in its own user + network namespace (no interfaces but a down loopback)",
    )

    def rlimits(self) -> dict[str, tuple[int, int]]:
        """``{"RLIMIT_...": (soft, hard)}`` for the worker (plain data: it travels as JSON)."""
        table: dict[str, tuple[int, int]] = {}
        if self.memory_bytes is not None:
            name = "RLIMIT_AS" if self.memory_kind == "address_space" else "RLIMIT_DATA"
            table[name] = (self.memory_bytes, self.memory_bytes)
        if self.cpu_seconds is not None:
            table["RLIMIT_CPU"] = (self.cpu_seconds, self.cpu_seconds + 5)
        if self.open_files is not None:
            table["RLIMIT_NOFILE"] = (self.open_files, self.open_files)
        if self.processes is not None:
            table["RLIMIT_NPROC"] = (self.processes, self.processes)
        if self.file_size_bytes is not None:
            table["RLIMIT_FSIZE"] = (self.file_size_bytes, self.file_size_bytes)
        if not self.core_dumps:
            table["RLIMIT_CORE"] = (0, 0)
        return table
