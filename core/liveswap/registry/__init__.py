"""The strategy registry: which strategy versions exist, whether THIS host can run them, and an
isolated install of each.

Public surface::

    reg = Registry(home)                    # registry/ and state/ of a home folder
    reg.scan() -> list[StrategyVersion]     # every version found, each with verdict and reasons
    reg.changed() -> bool                   # cheap: poll every second, scan() when True
    reg.rescan() -> list[StrategyVersion] | None
    reg.resolve("momentum" | "momentum==1.2.0") -> StrategyVersion   # RegistryError if unknown/refused
    reg.install(version) -> InstalledVersion      # its own environment (resolved, locked, verified)
    reg.lock_of(version) -> dict | None           # summary of its lock, if installed
    reg.prune(keep=["NAME==VERSION" or sha256, ...]) -> PruneResult  # environments + cache nothing needs
    reg.add([wheel, ...]) -> list[AddResult]
    reg.check(wheel_or_spec, extra_checks=()) -> Report
    check_wheel(path, ...) -> Report        # without a Registry

Nothing here raises for bad input except :class:`RegistryError` (one-line ``str``) from
``resolve``/``find``/``install``/``check`` of an unknown spec.

Layer: an adapter room below the engine. It may import specs, fsutil, exceptions and settings;
never the engine, swap, control, host or CLI.
"""

from liveswap.registry.check import check_installed, check_wheel
from liveswap.registry.envs import EnvStore
from liveswap.registry.errors import RegistryError
from liveswap.registry.host import HostEnvironment
from liveswap.registry.install import install_wheel
from liveswap.registry.intake import AddResult
from liveswap.registry.model import (
    Dependency,
    ExtraCheck,
    InstalledVersion,
    Report,
    StrategyVersion,
)
from liveswap.registry.prune import PruneResult, disk_usage, needed_by, prune_versions
from liveswap.registry.registry import Registry
from liveswap.registry.resolver import EnvConfig, ResolutionError

__all__ = [
    "AddResult",
    "Dependency",
    "EnvConfig",
    "EnvStore",
    "ExtraCheck",
    "HostEnvironment",
    "InstalledVersion",
    "PruneResult",
    "Registry",
    "RegistryError",
    "Report",
    "ResolutionError",
    "StrategyVersion",
    "check_installed",
    "check_wheel",
    "disk_usage",
    "install_wheel",
    "needed_by",
    "prune_versions",
]
