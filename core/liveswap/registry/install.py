"""Isolated installs: each version in its own directory, never in the host environment.

``state/versions/<name>-<version>-<sha12>/`` holds the strategy wheel and the registry wheels it
depends on, installed with ``installer`` after ``validate_record(validate_contents=True)``
(``installer.install`` itself does not verify RECORD). An install goes into a temporary directory
next to its final place and is renamed into place only when complete; a file lock per key makes
concurrent installs of the same version wait for each other; an existing complete directory is
reused (idempotent) after :func:`~liveswap.registry.verify.verify_install` found it still exactly
what the wheels' RECORDs say (a tampered install is refused). Dependencies are frozen at first install.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import installer
from filelock import FileLock, Timeout
from installer.destinations import SchemeDictionaryDestination
from installer.exceptions import InstallerError
from installer.sources import WheelFile
from packaging.utils import canonicalize_name

from liveswap.registry.errors import RegistryError
from liveswap.registry.model import Report
from liveswap.registry.verify import verify_install
from liveswap.registry.wheel import read_wheel

COMPLETE_MARKER = ".liveswap-install.json"
LOCK_TIMEOUT_SECONDS = 120.0


def version_dir_name(dist_name: str, version: str, sha256: str) -> str:
    return f"{canonicalize_name(dist_name)}-{version}-{sha256[:12]}"


def install_version(report: Report, versions_dir: Path) -> Path:
    """The complete install directory of ``report``'s wheel, installing it first if needed."""
    if report.path is None or not report.sha256:
        raise RegistryError(f"{report.dist_name} {report.version} has no wheel to install")
    key = version_dir_name(report.dist_name, report.version, report.sha256)
    final = versions_dir / key
    if (final / COMPLETE_MARKER).is_file():
        verify_install(report, final, allowed=frozenset({COMPLETE_MARKER}))  # at every load: tampered -> refused
        return final
    locks = versions_dir / ".locks"
    locks.mkdir(parents=True, exist_ok=True)
    try:
        with FileLock(str(locks / f"{key}.lock")).acquire(timeout=LOCK_TIMEOUT_SECONDS):
            if (final / COMPLETE_MARKER).is_file():
                verify_install(report, final, allowed=frozenset({COMPLETE_MARKER}))
                return final
            for stale in [*versions_dir.glob(f".tmp-{key}-*"), *([final] if final.exists() else [])]:
                shutil.rmtree(stale, ignore_errors=True)  # a crashed install of this key; we hold its lock
            tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{key}-", dir=versions_dir))
            tmp.chmod(0o755)  # readable by a worker's own uid (the sandbox binds it read-only)
            try:
                install_into(report, tmp)
                marker = {
                    "dist_name": report.dist_name,
                    "version": report.version,
                    "wheel_sha256": report.sha256,
                    "dependencies": [d.to_dict() for d in report.install_plan],
                    "installed_at": int(time.time()),
                }
                (tmp / COMPLETE_MARKER).write_text(json.dumps(marker, indent=2, default=str) + "\n")
                os.rename(tmp, final)
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
    except Timeout as exc:
        raise RegistryError(f"another process has been installing {key} for {LOCK_TIMEOUT_SECONDS:.0f}s") from exc
    return final


def install_into(report: Report, target: Path) -> None:
    """Install ``report``'s wheel and its ``install_plan`` into ``target`` (empty or absent).

    Each wheel is re-read and must still have the sha256 it was checked with. Raises
    :class:`RegistryError` with a one-line reason.
    """
    if report.path is None:
        raise RegistryError(f"{report.dist_name} {report.version} has no wheel to install")
    target.mkdir(parents=True, exist_ok=True)
    wheels = [(report.path, report.sha256), *((d.wheel, d.wheel_sha256) for d in report.install_plan if d.wheel)]
    for path, sha256 in wheels:
        _install_one(Path(path), sha256, target)


def _install_one(path: Path, sha256: str, target: Path) -> None:
    data, why = read_wheel(path)
    if data is None:
        raise RegistryError(f"{path.name}: {why}")
    if hashlib.sha256(data).hexdigest() != sha256:
        raise RegistryError(f"{path.name} changed since it was checked (sha256 differs); check it again")
    destination = SchemeDictionaryDestination(
        scheme_dict={
            "purelib": str(target),
            "platlib": str(target),
            "scripts": str(target / "bin"),
            "data": str(target / "data"),
            "headers": str(target / "include"),
        },
        interpreter=sys.executable,
        script_kind="posix",
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            zf.filename = str(path)  # WheelFile reads name and version from the file name
            source = WheelFile(zf)
            source.validate_record(validate_contents=True)
            installer.install(source, destination, {"INSTALLER": b"liveswap\n"})
    except (InstallerError, ValueError, OSError, zipfile.BadZipFile) as exc:
        detail = "; ".join(getattr(exc, "issues", []) or [str(exc)]).splitlines()[0]
        raise RegistryError(f"cannot install {path.name}: {detail}") from exc
