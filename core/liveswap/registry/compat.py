"""Can THIS host run a strategy: a satisfied ``liveswap`` requirement, a valid entry point, and
every other requirement satisfiable offline (host environment or wheels in ``registry/``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from liveswap import ENTRY_POINT_GROUP
from liveswap.registry.host import HostEnvironment
from liveswap.registry.model import Dependency, Report
from liveswap.registry.wheel import WheelFacts

HOST = canonicalize_name("liveswap")
_EP_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_EP_VALUE = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*(:[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*)?$")


@dataclass
class WheelPool:
    """Intact wheels in ``registry/`` that may satisfy a dependency, newest first per name."""

    by_name: dict[NormalizedName, list[WheelFacts]] = field(default_factory=dict)

    @classmethod
    def of(cls, wheels: Iterable[WheelFacts]) -> WheelPool:
        pool = cls()
        for facts in wheels:
            meta = facts.metadata
            if meta is not None and facts.report.ok:
                pool.by_name.setdefault(canonicalize_name(meta.name), []).append(facts)
        for versions in pool.by_name.values():
            versions.sort(key=lambda f: f.metadata.version if f.metadata else Version("0"), reverse=True)
        return pool

    def candidates(self, name: NormalizedName) -> list[WheelFacts]:
        return self.by_name.get(name, [])


def applies(marker: Marker | None, extras: Iterable[str] = ()) -> bool:
    """Whether a requirement's marker holds on this interpreter (for the base install or ``extras``)."""
    if marker is None:
        return True
    try:
        return any(marker.evaluate({"extra": extra}) for extra in ("", *extras))
    except Exception:  # noqa: BLE001 - an unevaluable marker is treated as applying, then fails loudly
        return True


def check_host_requirement(requires: list[Requirement], host: HostEnvironment, report: Report) -> None:
    """A ``liveswap`` requirement must be present and satisfied by the running host."""
    mine = [r for r in requires if canonicalize_name(r.name) == HOST and applies(r.marker)]
    if not mine:
        report.refuse(
            f"no liveswap requirement: declare Requires-Dist: liveswap>=1.0,<2 (this host is {host.liveswap_version})"
        )
        return
    report.requires_liveswap = ", ".join(str(r.specifier) or "any" for r in mine)
    for req in mine:
        if not req.specifier.contains(host.liveswap_version, prereleases=True):
            report.refuse(f"requires {req} but this host is liveswap {host.liveswap_version}")


def check_entry_points(entry_points: Mapping[str, str], report: Report) -> None:
    if not entry_points:
        report.refuse(f"no entry point in group {ENTRY_POINT_GROUP} (entry_points.txt)")
    for name, value in entry_points.items():
        if not _EP_NAME.match(name):
            report.refuse(f"entry point name {name!r} is not a valid strategy name")
        if not _EP_VALUE.match(value):
            report.refuse(f"entry point {name} = {value!r} is not 'module:attr'")


def resolve_dependencies(
    requires: list[Requirement], host: HostEnvironment, pool: WheelPool, report: Report
) -> None:
    """Fill ``report.dependencies`` and ``report.install_plan``; refuse for each unsatisfiable one."""
    chosen: dict[NormalizedName, WheelFacts] = {}
    _resolve(requires, (), host, pool, report, chosen, top=True)


def _resolve(
    requires: list[Requirement],
    extras: Iterable[str],
    host: HostEnvironment,
    pool: WheelPool,
    report: Report,
    chosen: dict[NormalizedName, WheelFacts],
    *,
    top: bool,
) -> None:
    for req in requires:
        name = canonicalize_name(req.name)
        if name == HOST or not applies(req.marker, extras):
            continue
        dep = _satisfy(req, host, pool, report, chosen)
        if top:
            report.dependencies.append(dep)


def _satisfy(
    req: Requirement,
    host: HostEnvironment,
    pool: WheelPool,
    report: Report,
    chosen: dict[NormalizedName, WheelFacts],
) -> Dependency:
    name = canonicalize_name(req.name)
    if req.url:
        report.refuse(f"dependency {req} is a direct URL, which cannot be satisfied offline")
        return Dependency(str(req), "")
    installed = host.installed.get(name)
    if installed is not None and req.specifier.contains(installed, prereleases=True):
        return Dependency(str(req), "host", str(installed))
    if name in chosen:
        facts = chosen[name]
        version = facts.metadata.version if facts.metadata else None
        if version is not None and req.specifier.contains(version, prereleases=True):
            return Dependency(str(req), "registry", str(version), facts.report.path, facts.report.sha256)
        report.refuse(f"dependency {req} conflicts with {name} {version} already needed by another requirement")
        return Dependency(str(req), "")
    for facts in pool.candidates(name):
        meta = facts.metadata
        if meta is not None and req.specifier.contains(meta.version, prereleases=True):
            chosen[name] = facts
            dep = Dependency(str(req), "registry", str(meta.version), facts.report.path, facts.report.sha256)
            report.install_plan.append(dep)
            _resolve(list(meta.requires_dist or []), req.extras, host, pool, report, chosen, top=False)
            return dep
    have = f"the host has {installed}" if installed is not None else "not installed in the host"
    offered = ", ".join(str(f.metadata.version) for f in pool.candidates(name) if f.metadata)
    in_registry = f"registry/ has {offered}" if offered else "no usable wheel in registry/"
    report.refuse(f"dependency {req} is not satisfiable offline ({have}; {in_registry})")
    return Dependency(str(req), "")
