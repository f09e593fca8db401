"""How much of the operator's disk and the host's time a registry may take: wheel size, unpacked
size, number of wheels. The settings ``max_wheel_bytes``, ``max_wheel_unpacked_bytes`` and
``max_registry_wheels`` (see :meth:`~liveswap.registry.Registry.from_settings`)."""

from __future__ import annotations

from dataclasses import dataclass

MiB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class WheelLimits:
    max_wheel_bytes: int = 64 * MiB
    """A larger wheel file is refused without being read."""
    max_unpacked_bytes: int = 256 * MiB
    """A wheel whose members add up to more (from the zip directory, before anything is unpacked) is refused."""
    max_wheels: int = 200
    """``registry/`` wheels past this many (newest last) are refused without being read."""


DEFAULT_LIMITS = WheelLimits()
