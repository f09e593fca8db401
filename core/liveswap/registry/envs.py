"""Each strategy version in its own environment: resolved, locked, verified, shared on disk.

Layout of the home's ``state/``::

    versions/<dist>-<version>-<sha12>/site/                the environment (the worker's sys.path)
    versions/<dist>-<version>-<sha12>/liveswap.lock.json    its lock (see :mod:`liveswap.registry.lock`)
    cache/uv/                                              the resolver's cache; site/ files hard-link into it
    cache/pyc/                                             bytecode by source sha256, hard-linked likewise

:meth:`EnvStore.ensure` installs a version once (resolve, install the pinned set, install the
strategy wheel after verifying its RECORD, link its bytecode, hash every file, write the lock,
rename into place)
and afterwards only verifies the environment against its lock. A failed resolution is remembered
(``versions/.unresolvable/``) so that scans list the version as refused with the resolver's
reason until a wheel folder changes (or, with an index, for ten minutes). Removing what nothing needs is
:mod:`liveswap.registry.prune`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock, Timeout
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from liveswap.fsutil import atomic_write_bytes
from liveswap.registry.bytecode import link_bytecode
from liveswap.registry.errors import RegistryError
from liveswap.registry.install import install_wheel
from liveswap.registry.lock import (
    LOCK_FILE,
    SITE_DIR,
    Lock,
    read_lock,
    take_manifest,
    verify,
    write_lock,
    write_stats,
)
from liveswap.registry.model import Dependency, Report
from liveswap.registry.resolver import EnvConfig, ResolutionError, install_pinned, resolve

LOCK_TIMEOUT_SECONDS = 600.0
UNRESOLVABLE_DIR = ".unresolvable"
UNRESOLVABLE_TTL_SECONDS = 600.0
"""How long a failed resolution against an index is remembered (the index may change)."""


def version_dir_name(dist_name: str, version: str, sha256: str) -> str:
    return f"{canonicalize_name(dist_name)}-{version}-{sha256[:12]}"


@dataclass(frozen=True)
class Env:
    """An installed, verified environment: ``site`` goes on the worker's sys.path."""

    root: Path
    lock: Lock

    @property
    def site(self) -> Path:
        return self.root / SITE_DIR


class EnvStore:
    """The environments under ``versions_dir``, resolved and installed under ``config``."""

    def __init__(self, versions_dir: Path, config: EnvConfig) -> None:
        self.versions_dir = versions_dir
        self.config = config

    def root_of(self, report: Report) -> Path:
        return self.versions_dir / version_dir_name(report.dist_name, report.version, report.sha256)

    def installed(self, report: Report) -> Lock | None:
        """The lock of ``report``'s environment if it is installed (not verified), else None."""
        if not report.sha256:
            return None
        try:
            return read_lock(self.root_of(report))
        except RegistryError:
            return None

    def ensure(self, report: Report, *, full_verify: bool = False) -> Env:
        """The verified environment of ``report``'s wheel, resolving and installing it first if
        needed. Raises :class:`RegistryError` (resolution, install, or a changed environment)."""
        if report.path is None or not report.sha256:
            raise RegistryError(f"{report.dist_name} {report.version} has no wheel to install")
        final = self.root_of(report)
        if (final / LOCK_FILE).is_file():
            return self._verified(report, final, full_verify)
        locks = self.versions_dir / ".locks"
        locks.mkdir(parents=True, exist_ok=True)
        try:
            with FileLock(str(locks / f"{final.name}.lock")).acquire(timeout=LOCK_TIMEOUT_SECONDS):
                if (final / LOCK_FILE).is_file():
                    return self._verified(report, final, full_verify)
                for stale in [*self.versions_dir.glob(f".tmp-{final.name}-*"), *([final] if final.exists() else [])]:
                    shutil.rmtree(stale, ignore_errors=True)  # a crashed install of this key; we hold its lock
                tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{final.name}-", dir=self.versions_dir))
                tmp.chmod(0o755)  # readable by a worker running under its own uid (the sandbox binds it read-only)
                try:
                    self._install(report, tmp)
                    os.rename(tmp, final)
                except BaseException:
                    shutil.rmtree(tmp, ignore_errors=True)
                    raise
        except Timeout as exc:
            raise RegistryError(f"another process has been installing {final.name} for "
                                f"{LOCK_TIMEOUT_SECONDS:.0f}s") from exc
        return Env(final, read_lock(final))

    def _install(self, report: Report, root: Path) -> None:
        assert report.path is not None
        requirements = [d.requirement for d in report.dependencies]
        try:
            pinned, tool = resolve(requirements, self.config)
        except ResolutionError as exc:
            self._remember_unresolvable(report, str(exc))
            raise
        self._unresolvable_file(report).unlink(missing_ok=True)
        site = root / SITE_DIR
        install_pinned(pinned, site, self.config)
        install_wheel(report.path, report.sha256, site)
        link_bytecode(site, self.config.cache_dir.parent / "pyc")
        if any(site.glob("liveswap-*.dist-info")) or (site / "liveswap").exists():
            raise RegistryError("the resolved set would install liveswap itself; the host provides it")
        files, stats = take_manifest(site)
        lock = Lock(
            strategy={"dist_name": report.dist_name, "version": report.version, "wheel_sha256": report.sha256,
                      "entry_points": dict(report.entry_points)},
            requirements=requirements,
            packages=pinned,
            resolver=tool,
            sources=self.config.sources(),
            python=f"{platform.python_implementation()} {platform.python_version()}",
            files=files,
            installed_at=int(time.time()),
        )
        write_lock(root, lock)
        write_stats(root, stats)

    def resolve_into(self, report: Report) -> None:
        """Install (or verify, hashing every file) the environment of a compatible strategy wheel;
        put its lock and pinned versions into ``report``, or refuse it with the reason."""
        if not report.ok or report.source != "registry" or report.kind == "library":
            return
        try:
            env = self.ensure(report, full_verify=True)
        except RegistryError as exc:
            report.refuse(str(exc))
            return
        except OSError as exc:
            report.refuse(f"cannot install into {self.versions_dir}: {exc}")
            return
        report.lock = env.lock.summary()
        report.env_path = env.site
        pinned = {canonicalize_name(p.name): p.version for p in env.lock.packages}
        report.dependencies = [Dependency(d.requirement, "lock", pinned.get(_dist_of(d.requirement), ""))
                               for d in report.dependencies]

    # -- remembered resolution failures -------------------------------------------------------

    def _unresolvable_file(self, report: Report) -> Path:
        return self.versions_dir / UNRESOLVABLE_DIR / f"{self.root_of(report).name}.json"

    def _sources_fingerprint(self) -> str:
        parts = [json.dumps(self.config.sources(), sort_keys=True)]
        for folder in self.config.find_links:
            try:
                parts.append(f"{folder}:{os.stat(folder).st_mtime_ns}")  # a wheel added or removed changes it
            except OSError:
                parts.append(f"{folder}:absent")
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]

    def _remember_unresolvable(self, report: Report, reason: str) -> None:
        record = {"reason": reason, "sources": self._sources_fingerprint(), "at": time.time()}
        with contextlib.suppress(OSError):  # only a hint for the next scan
            atomic_write_bytes(self._unresolvable_file(report), json.dumps(record).encode(), durable=False)

    def unresolvable(self, report: Report) -> str | None:
        """The resolver's reason if the last attempt to resolve ``report``'s requirements failed and
        nothing it read has changed since (the wheel folders; with an index, for at most
        ``UNRESOLVABLE_TTL_SECONDS``), else None. Read by every scan: one file open at most."""
        try:
            record = json.loads(self._unresolvable_file(report).read_text())
        except (OSError, ValueError):
            return None
        if record.get("sources") != self._sources_fingerprint():
            return None
        if not self.config.offline and time.time() - float(record.get("at", 0)) > UNRESOLVABLE_TTL_SECONDS:
            return None
        return str(record.get("reason") or "") or None

    def unresolvable_signature(self) -> tuple[str, int, int, int] | None:
        """A stat of the folder of remembered failures (for the registry's change poll)."""
        try:
            st = os.stat(self.versions_dir / UNRESOLVABLE_DIR)
        except OSError:
            return None
        return ("unresolvable", st.st_size, st.st_mtime_ns, st.st_ino)

    def _verified(self, report: Report, root: Path, full: bool) -> Env:
        lock = read_lock(root)
        if lock.strategy.get("wheel_sha256") != report.sha256:
            raise RegistryError(f"{root.name}/{LOCK_FILE} names another wheel than {report.dist_name} "
                                f"{report.version}; remove {root} to reinstall")
        problems = verify(root, lock, full=full)
        if problems:
            more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
            raise RegistryError(f"the environment of {report.dist_name} {report.version} changed after install: "
                                f"{problems[0]}{more}; remove {root} to reinstall it")
        return Env(root, lock)


def _dist_of(requirement: str) -> str:
    try:
        return canonicalize_name(Requirement(requirement).name)
    except InvalidRequirement:
        return ""
