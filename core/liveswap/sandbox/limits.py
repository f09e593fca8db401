"""The sandbox's resource limits: defined in the leaf :mod:`liveswap.limits` (so the settings hold
them without importing the sandbox), enforced here (:func:`liveswap.sandbox.isolation.apply_rlimits`)."""

from liveswap.limits import GiB, MemoryLimitKind, MiB, SandboxLevel, SandboxLimits

__all__ = ["GiB", "MemoryLimitKind", "MiB", "SandboxLevel", "SandboxLimits"]
