"""Adding wheels to a home's ``registry/``: each checked (statically; dependencies are resolved
at install), the accepted ones copied in atomically and recorded in the accepted-versions index.

:func:`add_wheels` is what ``Registry.add`` (and ``liveswap add``) does; :class:`AddResult` is
its answer per wheel.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from liveswap.fsutil import atomic_write_bytes
from liveswap.registry.check import check_wheel, run_extra_checks
from liveswap.registry.envs import EnvStore
from liveswap.registry.host import HostEnvironment
from liveswap.registry.index import AcceptedIndex, version_key
from liveswap.registry.limits import DEFAULT_LIMITS, WheelLimits
from liveswap.registry.model import ExtraCheck, Report
from liveswap.registry.wheel import WheelFacts, inspect_wheel


@dataclass(frozen=True)
class AddResult:
    """What ``Registry.add`` did with one wheel: ``copied_to`` is None when refused or already there."""

    report: Report
    copied_to: Path | None
    note: str = ""


def add_wheels(paths: Sequence[Path], *, registry_dir: Path, host: HostEnvironment, index: AcceptedIndex,
               envs: EnvStore, extra_checks: Sequence[ExtraCheck] = (),
               limits: WheelLimits = DEFAULT_LIMITS) -> list[AddResult]:
    """Check each wheel, then copy the accepted ones into ``registry_dir``. Refused wheels are not
    copied, nor is any wheel without a ``liveswap.strategies`` entry point. ``extra_checks`` (the
    sandboxed load trial) run on every strategy wheel that passed,
    in its environment when it resolves now, as ``Registry.check`` does."""
    known, index_problem = index.load()
    batch = _inspect_all(paths, host, limits)
    reports = {p: check_wheel(p, host=host, known=known, facts=f) for p, f in batch.items()}
    for report in reports.values():
        if report.kind == "library":  # registry/ holds strategies only: a library there could be taken for another's
            report.refuse("not a strategy (no entry point in group liveswap.strategies): a library a strategy "
                          "needs goes in the wheelhouse folder (setting wheelhouse) or comes from the index")
    if extra_checks:
        reports = {p: _with_extra_checks(r, envs, extra_checks) for p, r in reports.items()}
    accepted: dict[str, tuple[str, str]] = {}
    results = [_place(path, report, batch[path].data, registry_dir=registry_dir, host=host, limits=limits,
                      index_problem=index_problem, accepted=accepted) for path, report in reports.items()]
    index.record(accepted)
    return results


def _inspect_all(paths: Sequence[Path], host: HostEnvironment, limits: WheelLimits) -> dict[Path, WheelFacts]:
    batch: dict[Path, WheelFacts] = {}
    for raw in paths:
        path = Path(raw)
        facts = inspect_wheel(path, host, limits=limits)
        if not path.is_file():
            facts.report.reasons = [f"no such file: {path}"]
        batch[path] = facts
    return batch


def _with_extra_checks(report: Report, envs: EnvStore, extra_checks: Sequence[ExtraCheck]) -> Report:
    """A strategy wheel's report after the extra checks, run in the version's environment when it
    resolves now, as check does (a dependency given in this same command is not there yet)."""
    if report.kind != "strategy":
        return report
    if report.ok:
        trial = replace(report, reasons=list(report.reasons))
        envs.resolve_into(trial)
        if trial.ok:
            report = trial
    run_extra_checks(report, extra_checks)
    return report


def _place(path: Path, report: Report, data: bytes, *, registry_dir: Path, host: HostEnvironment,
           limits: WheelLimits, index_problem: str | None, accepted: dict[str, tuple[str, str]]) -> AddResult:
    """Copy one checked wheel into ``registry_dir`` unless it is refused, clashes with a file or a
    version already there or given twice, or is there already; ``accepted`` collects what goes in."""
    if index_problem:
        report.refuse(index_problem)
    dest = registry_dir / path.name
    if report.ok and dest.exists() and dest.resolve() != path.resolve():
        existing = inspect_wheel(dest, host, limits=limits).report.sha256
        if existing != report.sha256:
            report.refuse(f"registry/{path.name} already exists with other content")
    if not report.ok:
        return AddResult(report, None)
    key = version_key(report.dist_name, report.version)
    if accepted.get(key, (report.sha256,))[0] != report.sha256:
        report.refuse(f"{report.dist_name} {report.version} is given twice with different content")
        return AddResult(report, None)
    accepted[key] = (report.sha256, path.name)
    if dest.exists():
        return AddResult(report, None, "already in registry/")
    atomic_write_bytes(dest, data)
    return AddResult(report, dest, "added")
