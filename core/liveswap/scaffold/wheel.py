"""Strategy wheels written straight from the scaffold, for ``liveswap demo`` on a home without any.

A plain install has no sample wheels and no build backend, so the demo makes its own: the
strategy ``liveswap new`` writes (every hook, a state layout that survives swaps), packed as a
standard wheel (``METADATA``, ``WHEEL``, ``entry_points.txt``, a ``RECORD`` with sha256 and sizes)
that the registry checks like any other.
"""

from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path

from liveswap import ENTRY_POINT_GROUP
from liveswap.scaffold.names import project_names
from liveswap.scaffold.render import HOST_REQUIREMENT, HostFacts, render

__all__ = ["scaffold_wheel"]


def _digest(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def scaffold_wheel(out: Path, name: str, version: str) -> Path:
    """Write the scaffold's strategy ``name`` at ``version`` as ``out/<dist>-<version>-py3-none-any.whl``."""
    names = project_names(name)
    sources = {path.removeprefix("src/"): text for path, text in render(names, HostFacts.current(None)).items()
               if path.startswith(f"src/{names.module}/")}
    dist = names.module  # the wheel file name's distribution part: the normalized name with underscores
    info = f"{dist}-{version}.dist-info"
    files: dict[str, bytes] = {path: text.encode() for path, text in sources.items()}
    files[f"{info}/METADATA"] = (f"Metadata-Version: 2.1\nName: {names.name}\nVersion: {version}\n"
                                 f"Summary: liveswap's scaffold strategy (liveswap demo)\n"
                                 f"Requires-Python: >=3.11\nRequires-Dist: {HOST_REQUIREMENT}\n").encode()
    files[f"{info}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: liveswap\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    files[f"{info}/entry_points.txt"] = f"[{ENTRY_POINT_GROUP}]\n{names.name} = {names.module}:{names.cls}\n".encode()
    record = "".join(f"{path},{_digest(data)},{len(data)}\n" for path, data in files.items())
    files[f"{info}/RECORD"] = (record + f"{info}/RECORD,,\n").encode()
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"{dist}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for path, data in files.items():
            zf.writestr(path, data)
    return target
