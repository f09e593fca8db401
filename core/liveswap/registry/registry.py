"""The registry of strategy versions in one home folder: discover, check, resolve, add, install.

Sources: every ``*.whl`` in ``registry/`` (names starting with ``.`` are ignored, so a copy in
progress can be named ``.x.whl`` and renamed), and every distribution in the host environment
with a ``liveswap.strategies`` entry point (source ``"installed"``; unless the
``installed_strategies`` setting is off). A registry wheel wins over an installed distribution
of the same version. A library wheel in
``registry/`` (no entry point, no liveswap requirement) is not a strategy: it only satisfies
dependencies; ``registry/`` is also a wheel folder the resolver uses. Beside it: adding wheels
(:mod:`.intake`) and choosing a version among those scanned (:mod:`.selection`). Own files:
``state/registry/index.json`` (accepted versions), ``state/versions/`` (each version's
environment and lock, see :mod:`liveswap.registry.envs`) and ``state/cache/uv`` (the resolver's
cache, which environments hard-link into).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from liveswap.fsutil import atomic_write_json
from liveswap.home import HomePaths
from liveswap.registry.check import check_installed, check_wheel, run_extra_checks
from liveswap.registry.discovery import Signature, sources_signature, unique_facts, wheel_files
from liveswap.registry.envs import EnvStore
from liveswap.registry.errors import RegistryError
from liveswap.registry.host import HostEnvironment
from liveswap.registry.index import AcceptedIndex, version_key
from liveswap.registry.intake import AddResult, add_wheels
from liveswap.registry.limits import DEFAULT_LIMITS, WheelLimits
from liveswap.registry.model import ExtraCheck, InstalledVersion, Report, StrategyVersion
from liveswap.registry.prune import PruneResult, needed_by, prune_versions
from liveswap.registry.resolver import EnvConfig
from liveswap.registry.selection import refusal, select, versions_of
from liveswap.registry.wheel import WheelFacts, inspect_wheel
from liveswap.specs import version_order

__all__ = ["AddResult", "Registry"]  # AddResult: liveswap.registry.intake

if TYPE_CHECKING:
    from liveswap.settings import Settings

class Registry:
    """Strategy versions of the home folder ``home`` (``registry/`` and ``state/``)."""

    def __init__(
        self,
        home: Path,
        *,
        host: HostEnvironment | None = None,
        registry_dir: Path | None = None,
        state_dir: Path | None = None,
        env_config: EnvConfig | None = None,
        limits: WheelLimits = DEFAULT_LIMITS,
    ) -> None:
        self.home = Path(home)
        self.registry_dir = registry_dir or self.home / "registry"
        self.state_dir = state_dir or self.home / "state"
        self.versions_dir = self.state_dir / "versions"
        self.cache_dir = self.state_dir / "cache" / "uv"
        self.envs = EnvStore(self.versions_dir, env_config or EnvConfig(self.cache_dir, ()))
        self.index = AcceptedIndex(self.state_dir / "registry" / "index.json")
        self.host = host or HostEnvironment()
        self.limits = limits
        self._facts: dict[Path, tuple[tuple[int, int, int], WheelFacts]] = {}
        self._signature: Signature | None = None
        self._versions: list[StrategyVersion] = []
        self._wheel_reports: list[Report] = []

    @classmethod
    def from_settings(cls, settings: Settings, *, host: HostEnvironment | None = None) -> Registry:
        """The registry of ``settings.home`` (folders, wheelhouse, index and resolver of ``settings``).

        Dependencies come only from the sources the operator declared (the index, the wheelhouse),
        never from ``registry/``: a wheel there is a strategy, not a library any version may load."""
        host = host or HostEnvironment(strategies=settings.installed_strategies)
        wheelhouse = settings.wheelhouse_dir
        config = EnvConfig(
            cache_dir=settings.state_dir / "cache" / "uv",
            find_links=(wheelhouse,) if wheelhouse else (),
            index_url=settings.index_url,
            offline=settings.offline,
            resolver=settings.resolver,
        )
        limits = WheelLimits(max_wheel_bytes=settings.max_wheel_bytes,
                             max_unpacked_bytes=settings.max_wheel_unpacked_bytes,
                             max_wheels=settings.max_registry_wheels)
        return cls(settings.home, host=host, registry_dir=settings.registry_dir, state_dir=settings.state_dir,
                   env_config=config, limits=limits)

    # -- discovery ---------------------------------------------------------------------------

    def signature(self) -> Signature:
        """A cheap fingerprint of everything a scan reads: directory listings, sizes, mtimes.

        Covers ``registry/``, the index and the directories of the host's import path (a
        ``pip install`` adds a ``.dist-info`` there). Not covered: edits of files inside an
        installed distribution; the next scan verifies them against RECORD anyway.
        """
        return self._sources_signature() + self._index_signature()

    def _sources_signature(self) -> Signature:
        return sources_signature(self.registry_dir, find_links=self.envs.config.find_links,
                                 search_path=self.host.search_path)

    def _index_signature(self) -> Signature:
        failures = self.envs.unresolvable_signature()
        extra: Signature = (failures,) if failures else ()
        try:
            st = os.stat(self.index.path)
        except OSError:
            return extra
        return (("index", st.st_size, st.st_mtime_ns, st.st_ino), *extra)

    def changed(self) -> bool:
        """Whether anything a scan reads changed since the last ``scan()`` (cheap: stats only)."""
        return self._signature is None or self.signature() != self._signature

    def rescan(self) -> list[StrategyVersion] | None:
        """``scan()`` if ``changed()``, else ``None``; meant to be polled every second."""
        return self.scan() if self.changed() else None

    def versions(self) -> list[StrategyVersion]:
        """The versions of the last scan (scanning first if anything changed)."""
        self.rescan()
        return list(self._versions)

    def wheel_reports(self) -> list[Report]:
        """Reports of every wheel in ``registry/`` of the last scan, libraries included."""
        self.rescan()
        return list(self._wheel_reports)

    def _facts_of(self, path: Path, st: os.stat_result) -> WheelFacts:
        stamp = (st.st_size, st.st_mtime_ns, st.st_ino)
        cached = self._facts.get(path)
        if cached and cached[0] == stamp:
            return cached[1]
        facts = inspect_wheel(path, self.host, limits=self.limits)
        if not facts.intact:  # a refused wheel's bytes are never needed again (an intact one's state
            facts.data = b""  # declaration is read from them at every scan)
        self._facts[path] = (stamp, facts)
        return facts

    def scan(self) -> list[StrategyVersion]:
        """Check every registry wheel and installed strategy; record newly accepted versions."""
        sources = self._sources_signature()  # before reading: a drop during the scan shows as a change
        self.host.refresh()
        all_facts = self._read_facts()
        known, index_problem = self.index.load()
        unique, claimed = unique_facts(all_facts, known)
        reports = [self._check(facts, claimed, index_problem) for facts in unique]
        self.index.record({version_key(r.dist_name, r.version): (r.sha256, r.path.name)
                           for r in reports if r.ok and r.path is not None})
        versions = [v for r in reports if r.kind != "library" for v in versions_of(r)]
        versions.extend(self._installed_versions())
        versions.sort(key=lambda v: (v.name, version_order(v.version), v.source != "registry"))
        self._versions = versions
        self._wheel_reports = reports
        self._signature = sources + self._index_signature()  # after our own index write
        return list(versions)

    def _read_facts(self) -> list[WheelFacts]:
        """The facts of every registry wheel (cached by stat); the newest past the limit refused unread."""
        files = wheel_files(self.registry_dir)
        self._facts = {p: v for p, v in self._facts.items() if any(p == f for f, _ in files)}
        keep = self.limits.max_wheels
        all_facts = [self._facts_of(path, st) for path, st in files[:keep]]
        for path, _ in files[keep:]:
            over = WheelFacts(report=Report(source="registry", path=path))
            over.report.refuse(f"registry/ holds more than {keep} wheels (max_registry_wheels): not read")
            all_facts.append(over)
        return all_facts

    def _check(self, facts: WheelFacts, claimed: dict[str, str], index_problem: str | None) -> Report:
        report = check_wheel(facts.report.path or Path(), host=self.host, known=claimed,
                             allow_library=True, facts=facts)
        if index_problem:
            report.refuse(index_problem)
        if report.ok and report.kind == "strategy" and (why := self.envs.unresolvable(report)):
            report.refuse(why)  # the last resolution failed and nothing it read has changed
        return report

    def _installed_versions(self) -> list[StrategyVersion]:
        """The strategies of the host environment (none when ``installed_strategies`` is off)."""
        return [v for dist in (self.host.distributions() if self.host.strategies else ())
                if any(ep.group == "liveswap.strategies" for ep in dist.entry_points)
                for v in versions_of(check_installed(dist, self.host))]

    def write_catalog(self) -> None:
        """``state/registry/catalog.json``: name -> version -> verdict of the last scan, so the CLI
        can accept a known ``activate`` without importing the registry. The host writes it after its
        scans (a scan itself writes only the index); best effort: never fails."""
        catalog: dict[str, dict[str, str]] = {}
        for v in self._versions:
            catalog.setdefault(v.name, {})[v.version] = v.verdict
        with contextlib.suppress(OSError, ValueError):
            atomic_write_json(HomePaths(self.state_dir).catalog, {"versions": catalog}, durable=False)

    # -- resolution --------------------------------------------------------------------------

    def find(self, spec: str) -> StrategyVersion:
        """The version ``NAME==VERSION`` names, or the newest compatible (else newest) of ``NAME``,
        refused or not. Raises :class:`RegistryError` when nothing matches."""
        return select(self.versions(), spec)

    def resolve(self, spec: str) -> StrategyVersion:
        """``NAME`` (newest compatible by packaging Version; the registry wheel wins a tie with an
        installed one) or ``NAME==VERSION``. Raises :class:`RegistryError` if unknown or refused."""
        found = self.find(spec)
        if found.verdict == "refused":
            raise refusal(found, spec)
        return found

    # -- install -----------------------------------------------------------------------------

    def install(self, version: StrategyVersion, *, full_verify: bool = False) -> InstalledVersion:
        """The version's own environment, resolved and installed on first use, verified against its
        lock every time (``full_verify``: hash every file). Raises :class:`RegistryError`."""
        if version.verdict != "compatible":
            raise RegistryError(f"{version.spec} is refused: {version.reasons[0] if version.reasons else '?'}",
                                version.reasons)
        path = lock = None
        if version.source != "installed":
            try:
                env = self.envs.ensure(version.report, full_verify=full_verify)
            except OSError as exc:
                raise RegistryError(f"cannot install {version.spec} into {self.versions_dir}: {exc}") from exc
            path, lock = env.site, env.lock.summary()
        return InstalledVersion(
            name=version.name,
            version=version.version,
            dist_name=version.dist_name,
            source=version.source,
            sha256=version.sha256,
            entry_point=version.entry_point,
            path=path,
            lock=lock,
        )

    def lock_of(self, version: StrategyVersion) -> dict[str, Any] | None:
        """The summary of ``version``'s lock if its environment is installed (not verified), else None."""
        lock = self.envs.installed(version.report) if version.source == "registry" else None
        return lock.summary() if lock is not None else None

    def prune(self, keep: Iterable[str] = (), *, dry_run: bool = False) -> PruneResult:
        """Remove the environments nothing needs, then the cache entries no environment links to.

        Kept: the environment of every wheel in ``registry/`` and of each wheel sha256 or
        ``NAME==VERSION`` in ``keep`` (what the host runs, what the journal would roll back to).
        Returns what was removed and the bytes freed on disk.
        """
        reasons = [(r.sha256, f"registry wheel {r.path.name}") for r in self.wheel_reports() if r.path]
        specs = set(keep)
        reasons += [(v.sha256, f"{v.spec} is needed") for v in self.versions() if v.spec in specs]
        reasons += [(k, "needed") for k in specs if "==" not in k]
        return prune_versions(self.versions_dir, needed_by(reasons), dry_run=dry_run, cache_dir=self.cache_dir)

    # -- check and add -----------------------------------------------------------------------

    def check(self, target: str | Path, extra_checks: Sequence[ExtraCheck] = (), *, resolve: bool = True) -> Report:
        """The full report of a wheel file or of ``NAME[==VERSION]``; raises only for an unknown spec.

        With ``resolve`` a compatible strategy's environment is resolved and installed (or, if it
        exists, verified file by file) and its lock is in ``report.lock``: an unresolvable
        requirement or a changed environment is a reason."""
        as_path = Path(target)
        if str(target).endswith(".whl") or as_path.is_file():
            self.rescan()
            facts = inspect_wheel(as_path, self.host, limits=self.limits)
            if not facts.report.sha256 and not as_path.exists():
                facts.report.reasons = [f"no such file: {target}"]
            known, _ = self.index.load()
            report = check_wheel(as_path, host=self.host, known=known, facts=facts)
        else:
            found = self.find(str(target))
            remembered = self.envs.unresolvable(found.report) if resolve else None  # check resolves again
            report = replace(found.report, reasons=[r for r in found.reasons if r != remembered],
                             dependencies=list(found.report.dependencies))
        if resolve:
            self.envs.resolve_into(report)
        return run_extra_checks(report, extra_checks)

    def add(self, paths: Sequence[Path], extra_checks: Sequence[ExtraCheck] = ()) -> list[AddResult]:
        """Check each wheel (statically: dependencies are resolved at install), then copy the
        accepted ones into ``registry/`` atomically. Refused wheels are not copied.
        ``extra_checks`` (the sandboxed load trial) run on every strategy wheel that passed, as in
        :meth:`check`, so ``add`` and ``check`` give the same verdict (see :mod:`.intake`)."""
        self.rescan()
        return add_wheels(paths, registry_dir=self.registry_dir, host=self.host, index=self.index, envs=self.envs,
                          extra_checks=extra_checks, limits=self.limits)
