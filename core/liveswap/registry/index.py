"""Versions are immutable: the index of accepted versions, ``state/registry/index.json``.

Each entry maps ``<canonical dist name>==<normalised version>`` to the sha256 of the first wheel
accepted under that name and version. A different wheel with the same name and version is then
refused for good, even after the first one is deleted from ``registry/``. An unreadable index is
not silently rebuilt: registry wheels are refused until it is fixed or deleted (say so, loudly).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path

from filelock import FileLock, Timeout
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from liveswap.fsutil import atomic_write_json, read_json

INDEX_FORMAT = 1


def version_key(dist_name: str, version: str) -> str:
    try:
        normal = str(Version(version))
    except InvalidVersion:
        normal = version
    return f"{canonicalize_name(dist_name)}=={normal}"


class AcceptedIndex:
    """Read and extend the index file (under a file lock: the host and the CLI both write)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = FileLock(str(path.with_name(path.name + ".lock")))

    def load(self) -> tuple[dict[str, str], str | None]:
        """``key -> sha256`` and, if the file is unreadable, the one-line reason."""
        try:
            raw = read_json(self.path)
        except FileNotFoundError:
            return {}, None
        except (OSError, ValueError) as exc:
            return {}, f"registry index {self.path} is unreadable ({exc}); fix or delete it"
        versions = raw.get("versions") if isinstance(raw, dict) else None
        if not isinstance(versions, dict) or not all(
            isinstance(v, dict) and isinstance(v.get("sha256"), str) for v in versions.values()
        ):
            return {}, f"registry index {self.path} is malformed; fix or delete it"
        return {k: v["sha256"] for k, v in versions.items()}, None

    def record(self, entries: Mapping[str, tuple[str, str]]) -> None:
        """Add ``key -> (sha256, file name)`` for keys not yet present (first wheel wins).

        Best effort: if the index cannot be written (read-only home, lock held for 10 s) the
        entries are recorded by the next scan that can write it; this scan still checks in memory.
        """
        if not entries:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._lock.acquire(timeout=10):
                known, problem = self.load()
                if problem:
                    return
                raw = read_json(self.path) if self.path.exists() else {"format": INDEX_FORMAT, "versions": {}}
                added = False
                for key, (sha256, file_name) in entries.items():
                    if key not in known:
                        raw["versions"][key] = {"sha256": sha256, "file": file_name, "accepted_at": int(time.time())}
                        added = True
                if added:
                    atomic_write_json(self.path, raw)
        except (Timeout, OSError, ValueError):
            return
