"""Choosing a strategy version: a spec parsed, the versions a wheel report lists, the version a
spec selects among those scanned (the newest compatible; a registry wheel wins a tie with an
installed distribution) and why a refused one cannot be used.
"""

from __future__ import annotations

from collections.abc import Sequence

from packaging.utils import canonicalize_name

from liveswap.registry.errors import RegistryError
from liveswap.registry.model import Report, StrategyVersion
from liveswap.specs import SpecError, parse_spec, version_order


def parse(spec: str) -> tuple[str, str | None]:
    """``NAME`` or ``NAME==VERSION``; raises :class:`RegistryError` for anything else."""
    try:
        return parse_spec(spec)
    except SpecError as exc:
        raise RegistryError(f"invalid strategy spec {spec!r}: expected NAME or NAME==VERSION ({exc})") from None


def select(versions: Sequence[StrategyVersion], spec: str) -> StrategyVersion:
    """The version ``NAME==VERSION`` names, or the newest compatible (else newest) of ``NAME``,
    refused or not. Raises :class:`RegistryError` when nothing matches."""
    name, version = parse(spec)
    candidates = [v for v in versions if canonicalize_name(v.name) == canonicalize_name(name)]
    if not candidates:
        known = sorted({v.name for v in versions})
        hint = f" (known: {', '.join(known)})" if known else " (the registry is empty)"
        raise RegistryError(f"unknown strategy {name!r}{hint}")
    if version is not None:
        wanted = version_order(version)
        matches = [v for v in candidates if v.version == version or version_order(v.version) == wanted]
        if not matches:
            have = ", ".join(dict.fromkeys(v.version for v in candidates))
            raise RegistryError(f"{name} {version} is not in the registry (versions: {have})")
        candidates = matches
    best = _best(candidates, compatible_only=True) or _best(candidates, compatible_only=False)
    assert best is not None
    return best


def refusal(found: StrategyVersion, spec: str) -> RegistryError:
    """Why ``found`` (selected by ``spec``, refused) cannot be resolved: the first reason, and how many more."""
    _, version = parse(spec)
    what = f"{found.name}=={found.version}" if version else f"no compatible version of {found.name}; newest"
    more = f" (+{len(found.reasons) - 1} more: liveswap check {found.spec})" if len(found.reasons) > 1 else ""
    return RegistryError(f"{what} is refused: {found.reasons[0]}{more}", found.reasons)


def _best(candidates: list[StrategyVersion], *, compatible_only: bool) -> StrategyVersion | None:
    pool = [v for v in candidates if v.verdict == "compatible" or not compatible_only]
    if not pool:
        return None
    return max(pool, key=lambda v: (version_order(v.version), v.source == "registry"))


def versions_of(report: Report) -> list[StrategyVersion]:
    """One StrategyVersion per entry point; a wheel without any is listed under its dist name."""
    entry_points = report.entry_points or {
        (canonicalize_name(report.dist_name) if report.dist_name else (report.path.stem if report.path else "?")): ""
    }
    return [
        StrategyVersion(
            name=name,
            version=report.version,
            dist_name=report.dist_name,
            source=report.source,
            path=report.path,
            sha256=report.sha256,
            entry_point=value,
            verdict=report.verdict,
            reasons=list(report.reasons),
            report=report,
        )
        for name, value in entry_points.items()
    ]
