"""Can THIS host run a strategy: a satisfied ``liveswap`` requirement and a valid entry point.

Its other requirements are only listed here (:func:`declare_dependencies`); a real resolver
pins them when the version is installed (:mod:`liveswap.registry.resolver`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from liveswap import ENTRY_POINT_GROUP
from liveswap.registry.host import HostEnvironment
from liveswap.registry.model import Dependency, Report

HOST = canonicalize_name("liveswap")
_EP_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_EP_VALUE = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*(:[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*)?$")


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


def declare_dependencies(requires: list[Requirement], report: Report) -> None:
    """Fill ``report.dependencies`` with every requirement but ``liveswap`` that applies here.

    They are resolved at install by a real resolver (:mod:`liveswap.registry.resolver`) from the
    configured index and wheel folders; a direct URL is refused (only indexes and folders are
    trusted sources).
    """
    for req in requires:
        if canonicalize_name(req.name) == HOST or not applies(req.marker):
            continue
        if req.url:
            report.refuse(f"dependency {req} is a direct URL; publish it to an index or a wheel folder")
        report.dependencies.append(Dependency(str(req), ""))
