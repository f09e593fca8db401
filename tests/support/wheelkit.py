"""Builds strategy wheels with zipfile for the tests: a good one by default, each knob breaks one thing."""

from __future__ import annotations

import base64
import hashlib
import io
import sys
import zipfile
from collections.abc import Iterable
from pathlib import Path

from packaging.utils import canonicalize_name


def strategy_source(version: str, imports: Iterable[str] = ()) -> str:
    lines = [f"import {m}" for m in imports]
    return "\n".join([
        *lines,
        "from liveswap.api import hookimpl",
        f"VERSION = {version!r}",
        "",
        "class Strategy:",
        "    @hookimpl",
        "    def on_candle(self, candle, ctx):",
        "        return []",
        "",
    ])


def record_hash(data: bytes, algo: str = "sha256") -> str:
    return f"{algo}=" + base64.urlsafe_b64encode(hashlib.new(algo, data).digest()).rstrip(b"=").decode()


def make_wheel(
    out: Path,
    name: str = "momentum-strategy",
    version: str = "1.0.0",
    *,
    ep: str | None = "momentum",
    module: str = "momentum_strategy",
    requires: Iterable[str] = ("liveswap>=1.0,<2",),
    requires_python: str | None = None,
    tag: str = "py3-none-any",
    files: dict[str, bytes] | None = None,
    metadata_name: str | None = None,
    hash_algo: str = "sha256",
    unlisted: dict[str, bytes] | None = None,
    tamper: dict[str, bytes] | None = None,
    symlinks: dict[str, str] | None = None,
    wheel_version: str = "1.0",
    omit: Iterable[str] = (),
    body: str | None = None,
    metadata_extra: str = "",
    ep_value: str | None = None,
    record_extra: Iterable[str] = (),
) -> Path:
    """Write a wheel to ``out`` and return its path. Defaults: a valid strategy ``momentum``."""
    out.mkdir(parents=True, exist_ok=True)
    norm = canonicalize_name(name).replace("-", "_")
    dist_info = f"{norm}-{version}.dist-info"
    contents: dict[str, bytes] = {
        f"{module}/__init__.py": (body if body is not None else strategy_source(version)).encode(),
    }
    contents.update(files or {})
    meta = ["Metadata-Version: 2.1", f"Name: {metadata_name or name}", f"Version: {version}"]
    meta += [f"Requires-Dist: {r}" for r in requires]
    if requires_python:
        meta.append(f"Requires-Python: {requires_python}")
    contents[f"{dist_info}/METADATA"] = ("\n".join(meta) + "\n" + metadata_extra + "\n").encode()
    contents[f"{dist_info}/WHEEL"] = (
        f"Wheel-Version: {wheel_version}\nGenerator: wheelkit\nRoot-Is-Purelib: true\nTag: {tag}\n"
    ).encode()
    if ep:
        target = ep_value or module + ":Strategy"
        contents[f"{dist_info}/entry_points.txt"] = f"[liveswap.strategies]\n{ep} = {target}\n".encode()
    for skipped in omit:
        contents.pop(skipped.replace("{dist_info}", dist_info), None)
    record_lines = [f"{path},{record_hash(data, hash_algo)},{len(data)}" for path, data in contents.items()]
    for link, target in (symlinks or {}).items():
        record_lines.append(f"{link},{record_hash(target.encode())},{len(target)}")
    record_lines += list(record_extra)
    record_lines.append(f"{dist_info}/RECORD,,")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for path, data in contents.items():
            zf.writestr(path, (tamper or {}).get(path, data))
        for link, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(link)
            info.external_attr = (0o120777 << 16)
            zf.writestr(info, target)
        for path, data in (unlisted or {}).items():
            zf.writestr(path, data)
        zf.writestr(f"{dist_info}/RECORD", "\n".join(record_lines) + "\n")
    path = out / f"{norm}-{version}-{tag}.whl"
    path.write_bytes(buf.getvalue())
    return path


def site_install(wheel: Path, site: Path) -> None:
    """What ``pip install WHEEL`` does, into a private site directory."""
    from installer import install
    from installer.destinations import SchemeDictionaryDestination
    from installer.sources import WheelFile

    dest = SchemeDictionaryDestination({k: str(site) for k in ("purelib", "platlib", "scripts", "data", "headers")},
                                       interpreter=sys.executable, script_kind="posix")
    with WheelFile.open(wheel) as source:
        install(source, dest, {"INSTALLER": b"pip\n"})


def tree(root: Path) -> set[str]:
    """Every file and directory under ``root``, relative, for 'nothing else was written' checks."""
    return {str(p.relative_to(root)) for p in root.rglob("*")}
