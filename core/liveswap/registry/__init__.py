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

from __future__ import annotations

from liveswap._face import attribute

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: a face costs nothing until used
if TYPE_CHECKING:
    from liveswap.registry.check import check_installed, check_wheel
    from liveswap.registry.crossing import Crossing, decide
    from liveswap.registry.envs import EnvStore
    from liveswap.registry.errors import RegistryError
    from liveswap.registry.host import HostEnvironment
    from liveswap.registry.install import install_wheel
    from liveswap.registry.intake import AddResult
    from liveswap.registry.model import Dependency, ExtraCheck, InstalledVersion, Report, StrategyVersion
    from liveswap.registry.prune import PruneResult, disk_usage, needed_by, prune_versions
    from liveswap.registry.registry import Registry
    from liveswap.registry.resolver import EnvConfig, ResolutionError
    from liveswap.registry.selection import versions_of
    from liveswap.registry.statedecl import StateDecl, validate

__all__ = [
    "AddResult", "Crossing", "Dependency", "EnvConfig", "EnvStore", "ExtraCheck", "HostEnvironment",
    "InstalledVersion", "PruneResult", "Registry", "RegistryError", "Report", "ResolutionError", "StateDecl",
    "StrategyVersion", "check_installed", "check_wheel", "decide", "disk_usage", "install_wheel", "needed_by",
    "prune_versions", "validate", "versions_of",
]

# name -> module of this package (or =module elsewhere), imported on first use
_WHERE = {
    "AddResult": "intake", "Crossing": "crossing", "Dependency": "model", "EnvConfig": "resolver",
    "EnvStore": "envs", "ExtraCheck": "model", "HostEnvironment": "host", "InstalledVersion": "model",
    "PruneResult": "prune", "Registry": "registry", "RegistryError": "errors", "Report": "model",
    "ResolutionError": "resolver", "StateDecl": "statedecl", "StrategyVersion": "model", "check_installed": "check",
    "check_wheel": "check", "decide": "crossing", "disk_usage": "prune", "install_wheel": "install",
    "needed_by": "prune", "prune_versions": "prune", "validate": "statedecl", "versions_of": "selection",
}


def __getattr__(name: str) -> object:
    return attribute(__name__, _WHERE, name)
