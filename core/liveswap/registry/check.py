"""The full report of one wheel or one pip-installed distribution: every reason, not the first."""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from importlib.metadata import Distribution
from pathlib import Path

from packaging.metadata import Metadata
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name

from liveswap import ENTRY_POINT_GROUP
from liveswap.registry.archive import STRONG_HASHES
from liveswap.registry.compat import check_entry_points, check_host_requirement, declare_dependencies
from liveswap.registry.host import HostEnvironment
from liveswap.registry.index import version_key
from liveswap.registry.model import ExtraCheck, Report
from liveswap.registry.statedecl import MAX_SOURCE_BYTES, declarations
from liveswap.registry.wheel import WheelFacts, inspect_wheel


def check_wheel(
    path: Path,
    *,
    host: HostEnvironment | None = None,
    known: Mapping[str, str] | None = None,
    extra_checks: Sequence[ExtraCheck] = (),
    allow_library: bool = False,
    facts: WheelFacts | None = None,
) -> Report:
    """Check a wheel file; usable without a :class:`~liveswap.registry.Registry`. Never raises.

    Dependencies are listed, not resolved (that needs the resolver and the home's settings:
    :meth:`~liveswap.registry.Registry.check` resolves them).
    ``known``: accepted versions (``version_key -> sha256``) for the immutability check.
    ``extra_checks`` run only when every static check passed (e.g. a sandboxed load test).
    ``allow_library``: do not refuse a wheel that is no strategy at all (neither a ``liveswap``
    requirement nor an entry point): the scan lists one found in ``registry/`` as a library (never a
    dependency source: those are the index and the wheelhouse); ``registry add`` refuses it.
    """
    host = host or HostEnvironment()
    facts = facts or inspect_wheel(Path(path), host)
    report = _copy(facts.report)
    meta = facts.metadata
    if meta is not None:
        _check_strategy(report, meta, facts.entry_points.get(ENTRY_POINT_GROUP, {}), host, allow_library)
        _read_state(report, _wheel_reader(facts.data))
    if known and report.dist_name and report.version and report.sha256:
        accepted = known.get(version_key(report.dist_name, report.version))
        if accepted and accepted != report.sha256:
            report.refuse(
                f"{report.dist_name} {report.version} is already known with another wheel (sha256 {accepted[:12]}); "
                "versions are immutable: publish a new version"
            )
    return run_extra_checks(report, extra_checks)


def check_installed(dist: Distribution, host: HostEnvironment | None = None) -> Report:
    """Check a distribution pip installed into the host environment (RECORD verified on disk)."""
    host = host or HostEnvironment()
    report = Report(source="installed", path=None, kind="strategy")
    try:
        report.dist_name = dist.metadata["Name"] or ""
        report.version = dist.version or ""
        text = dist.read_text("METADATA") or ""
        try:
            meta = Metadata.from_email(text, validate=True)
        except ExceptionGroup as group:
            for exc in group.exceptions:
                report.refuse(f"METADATA: {exc}".splitlines()[0])
            return report
        entry_points = {ep.name: ep.value for ep in dist.entry_points if ep.group == ENTRY_POINT_GROUP}
        report.entry_points = entry_points
        _verify_installed_files(dist, report)
        if meta.requires_python is not None:
            report.requires_python = str(meta.requires_python)
            if not _python_ok(meta.requires_python, host):
                report.refuse(f"Requires-Python {meta.requires_python} excludes this interpreter "
                              f"(Python {host.python_version})")
        _check_strategy(report, meta, entry_points, host, allow_library=False)
        _read_state(report, _installed_reader(dist))
    except Exception as exc:  # noqa: BLE001 - a broken foreign install must never crash the host
        report.refuse(f"cannot be checked: {type(exc).__name__}: {exc}".splitlines()[0])
    return report


def run_extra_checks(report: Report, extra_checks: Sequence[ExtraCheck]) -> Report:
    if report.ok:
        for extra in extra_checks:
            try:
                found: Iterable[str] = extra(report) or ()
                for reason in found:
                    report.refuse(str(reason).splitlines()[0] if str(reason).strip() else "extra check failed")
            except Exception as exc:  # noqa: BLE001 - the check's failure is a refusal, not a crash
                report.refuse(f"{getattr(extra, '__name__', 'extra check')} failed: {type(exc).__name__}: {exc}"
                              .splitlines()[0])
    return report


def _check_strategy(
    report: Report,
    meta: Metadata,
    entry_points: Mapping[str, str],
    host: HostEnvironment,
    allow_library: bool,
) -> None:
    requires = list(meta.requires_dist or [])
    is_strategy = bool(entry_points) or any(canonicalize_name(r.name) == "liveswap" for r in requires)
    report.kind = "strategy" if is_strategy else "library"
    if is_strategy or not allow_library:
        check_host_requirement(requires, host, report)
        check_entry_points(entry_points, report)
    declare_dependencies(requires, report)


def _read_state(report: Report, read: Callable[[str], bytes | None]) -> None:
    """Each entry point's ``__liveswap_state__``, read from its module's source (never imported)."""
    report.state, reasons = declarations(report.entry_points, read)
    for reason in reasons:
        report.refuse(reason)


def _wheel_reader(data: bytes) -> Callable[[str], bytes | None]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        return lambda _path: None  # already a reason of the wheel's inspection

    def read(path: str) -> bytes | None:
        try:
            with archive.open(path) as member:
                return member.read(MAX_SOURCE_BYTES + 1)
        except (KeyError, zipfile.BadZipFile, OSError, ValueError, EOFError):
            return None

    return read


def _installed_reader(dist: Distribution) -> Callable[[str], bytes | None]:
    def read(path: str) -> bytes | None:
        try:
            with open(str(dist.locate_file(path)), "rb") as file:
                return file.read(MAX_SOURCE_BYTES + 1)
        except OSError:
            return None

    return read


def _verify_installed_files(dist: Distribution, report: Report) -> None:
    bad = 0
    for file in dist.files or []:
        if file.hash is None or file.hash.mode not in STRONG_HASHES:
            continue
        located = Path(str(file.locate()))
        try:
            digest = hashlib.new(file.hash.mode, located.read_bytes()).digest()
        except OSError:
            report.refuse(f"installed file {file} is missing")
            bad += 1
        else:
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != file.hash.value:
                report.refuse(f"installed file {file} does not match RECORD (modified after install)")
                bad += 1
        if bad >= 20:
            report.refuse("... and possibly more files not matching RECORD")
            return


def _python_ok(spec: SpecifierSet, host: HostEnvironment) -> bool:
    try:
        return spec.contains(host.python_version, prereleases=True)
    except InvalidSpecifier:
        return False


def _copy(report: Report) -> Report:
    return Report(
        source=report.source,
        path=report.path,
        sha256=report.sha256,
        dist_name=report.dist_name,
        version=report.version,
        kind=report.kind,
        entry_points=dict(report.entry_points),
        requires_liveswap=report.requires_liveswap,
        requires_python=report.requires_python,
        tags=list(report.tags),
        dependencies=[],
        reasons=list(report.reasons),
        state=dict(report.state),
    )
