"""Verify an install directory against the RECORDs of the wheels it was installed from.

Called every time a version is loaded (:func:`liveswap.registry.install.install_version`), so
an install changed after the fact -- a file edited, added (a ``.pth``, a ``__pycache__/*.pyc``,
a module shadowing the standard library) or removed -- is refused with the first file that does
not match, before any worker imports it. The reference is the wheel's own RECORD, read from the
registry wheel whose sha256 must still be the one the version was checked with: an attacker who
rewrites the installed RECORD too gains nothing. Files the installer generates (``INSTALLER``,
the installed ``RECORD``, scripts in ``bin/``) and the completion marker are the only extras.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import zipfile
from pathlib import Path

from liveswap.exceptions import RegistryError
from liveswap.registry.archive import parse_record
from liveswap.registry.model import Report
from liveswap.registry.wheel import read_wheel

_SCHEME_DIRS = {"purelib": "", "platlib": "", "data": "data/", "headers": "include/"}


def _expected(data: bytes, name: str) -> tuple[dict[str, tuple[str, str]], set[str]]:
    """``({installed path: (algorithm, digest)}, {generated paths allowed without a hash})``."""
    hashed: dict[str, tuple[str, str]] = {}
    loose: set[str] = set()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        records = [n for n in zf.namelist() if n.count("/") == 1 and n.endswith(".dist-info/RECORD")]
        if len(records) != 1:
            raise RegistryError(f"{name}: no single RECORD in the wheel")
        dist_info = records[0].split("/")[0]
        rows, _ = parse_record(zf.read(records[0]).decode("utf-8", errors="replace"))
    loose |= {f"{dist_info}/RECORD", f"{dist_info}/INSTALLER", f"{dist_info}/direct_url.json"}
    for row in rows:
        path = row.path
        top, _, rest = path.partition("/")
        if top.endswith(".data") and rest:
            scheme, _, inner = rest.partition("/")
            if scheme == "scripts":
                loose.add(f"bin/{inner}")  # the installer rewrites the shebang: no stable hash
                continue
            path = _SCHEME_DIRS.get(scheme, f"{scheme}/") + inner
        if row.algorithm:
            hashed[path] = (row.algorithm, row.digest)
        else:
            loose.add(path)
    return hashed, loose


def verify_install(report: Report, target: Path, *, allowed: frozenset[str] = frozenset()) -> None:
    """Raise :class:`RegistryError` (one line) unless ``target`` is exactly what the wheels install."""
    wheels = [(report.path, report.sha256), *((d.wheel, d.wheel_sha256) for d in report.install_plan if d.wheel)]
    hashed: dict[str, tuple[str, str]] = {}
    loose: set[str] = set(allowed)
    for path, sha256 in wheels:
        if path is None:
            continue
        data, why = read_wheel(Path(path))
        if data is None or hashlib.sha256(data).hexdigest() != sha256:
            raise RegistryError(f"{Path(path).name} changed since it was checked; check it again ({why or 'sha256'})")
        more_hashed, more_loose = _expected(data, Path(path).name)
        hashed.update(more_hashed)
        loose |= more_loose
    spec = f"{report.dist_name} {report.version}"
    seen: set[str] = set()
    for root, dirs, files in os.walk(target):
        for entry in [*dirs, *files]:
            full = os.path.join(root, entry)
            if os.path.islink(full):
                raise RegistryError(f"install of {spec} was tampered with: {os.path.relpath(full, target)} "
                                    "is a symbolic link")
        for entry in files:
            rel = os.path.relpath(os.path.join(root, entry), target).replace(os.sep, "/")
            seen.add(rel)
            if rel in loose or rel.startswith("bin/"):
                continue
            want = hashed.get(rel)
            if want is None:
                raise RegistryError(f"install of {spec} was tampered with: {rel} is not in the wheel's RECORD; "
                                    "remove its directory under state/versions/ to reinstall")
            algorithm, digest = want
            with open(os.path.join(root, entry), "rb") as handle:
                got = base64.urlsafe_b64encode(hashlib.file_digest(handle, algorithm).digest()).rstrip(b"=").decode()
            if got != digest:
                raise RegistryError(f"install of {spec} was tampered with: {rel} does not match the wheel's RECORD; "
                                    "remove its directory under state/versions/ to reinstall")
    missing = sorted(set(hashed) - seen)
    if missing:
        raise RegistryError(f"install of {spec} was tampered with: {missing[0]} is missing")
