"""The running host as the compatibility checks see it: interpreter, tags, liveswap version and
the distributions installed in its environment.
"""

from __future__ import annotations

import importlib
import os
import platform
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from importlib.metadata import Distribution, distributions

from packaging.tags import Tag, sys_tags
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

import liveswap

INSTALLED_STRATEGIES_ENV = "LIVESWAP_INSTALLED_STRATEGIES"


def installed_strategies_default() -> bool:
    """The ``installed_strategies`` setting as the environment gives it (default on): whether
    strategies pip-installed into the host environment are listed beside the registry's wheels.
    The test suite turns it off so a strategy installed into the venv cannot leak into its homes."""
    return os.environ.get(INSTALLED_STRATEGIES_ENV, "true").strip().lower() not in ("0", "false", "no", "off")


@dataclass
class HostEnvironment:
    """What wheels are checked against. The defaults describe the running interpreter.

    ``search_path`` is where host distributions are looked up (``None``: ``sys.path``); tests point
    it at a private site directory instead of pip-installing into the venv. ``strategies``: whether
    distributions with a ``liveswap.strategies`` entry point count as strategy versions (they
    always count as installed packages for dependency checks).
    """

    liveswap_version: str = liveswap.__version__
    python_version: str = field(default_factory=platform.python_version)
    search_path: list[str] | None = None
    strategies: bool = field(default_factory=installed_strategies_default)

    @cached_property
    def tags(self) -> frozenset[Tag]:
        return frozenset(sys_tags())

    @cached_property
    def best_tag(self) -> str:
        return str(next(iter(sys_tags())))

    def distributions(self) -> Iterable[Distribution]:
        """Host distributions, first of each name on the path only (the one Python imports)."""
        importlib.invalidate_caches()
        seen: set[NormalizedName] = set()
        found = distributions(path=self.search_path) if self.search_path is not None else distributions()
        for dist in found:
            try:
                name = canonicalize_name(dist.metadata["Name"] or "")
            except Exception:  # noqa: BLE001 - a broken foreign dist-info is skipped, not fatal
                continue
            if name and name not in seen:
                seen.add(name)
                yield dist

    @cached_property
    def installed(self) -> dict[NormalizedName, Version]:
        """Canonical name -> version of every distribution importable by the host."""
        found: dict[NormalizedName, Version] = {}
        for dist in self.distributions():
            try:
                found[canonicalize_name(dist.metadata["Name"])] = Version(dist.version)
            except (InvalidVersion, TypeError, KeyError):
                continue
        # the running host is what counts, whatever metadata a source checkout left behind
        found[canonicalize_name("liveswap")] = Version(self.liveswap_version)
        return found

    def refresh(self) -> None:
        """Forget the cached list of installed distributions (after a pip install)."""
        self.__dict__.pop("installed", None)
