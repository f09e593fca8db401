"""Install one strategy wheel into a folder: re-read, same sha256 as checked, RECORD verified.

``installer.install`` itself does not verify RECORD, so :func:`install_wheel` calls
``validate_record(validate_contents=True)`` first. The version's dependencies are installed by
the resolver (:mod:`liveswap.registry.resolver`); the whole environment by
:class:`liveswap.registry.envs.EnvStore`.
"""

from __future__ import annotations

import hashlib
import io
import sys
import zipfile
from pathlib import Path

import installer
from installer.destinations import SchemeDictionaryDestination
from installer.exceptions import InstallerError
from installer.sources import WheelFile

from liveswap.registry.errors import RegistryError
from liveswap.registry.model import Report
from liveswap.registry.wheel import read_wheel


def install_into(report: Report, target: Path) -> None:
    """Install ``report``'s strategy wheel alone into ``target`` (a throwaway load test).

    Its dependencies need the resolver: prefer the version's environment, ``report.env_path``,
    which :meth:`~liveswap.registry.Registry.check` fills in.
    """
    if report.path is None:
        raise RegistryError(f"{report.dist_name} {report.version} has no wheel to install")
    install_wheel(report.path, report.sha256, target)


def install_wheel(path: Path, sha256: str, target: Path) -> None:
    """Install the wheel ``path`` (which must still have ``sha256``) into ``target``.

    Raises :class:`RegistryError` with a one-line reason.
    """
    target.mkdir(parents=True, exist_ok=True)
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
