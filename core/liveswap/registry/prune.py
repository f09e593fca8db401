"""Cleaning ``state/versions/`` and ``state/cache/uv``: remove what nothing needs any more.

An environment ``<name>-<version>-<sha12>/`` is kept while something may load it: a wheel with
its sha256 is still in ``registry/``, or the host runs it or would roll back to it (the caller
passes those sha256s, from ``status.json`` and the journal). Pip-installed strategies run from
the host environment and have no environment here. Everything else goes, as do leftovers of
crashed installs (``.tmp-*``); an install being written right now (its per-version lock is
held) is skipped. Then every resolver cache entry (an unpacked wheel) and every shared ``.pyc``
that no remaining environment hard-links is removed too. ``freed_bytes`` is measured on disk before and after,
each hard-linked file counted once (like ``du``).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from filelock import FileLock, Timeout

from liveswap.registry.bytecode import prune_store
from liveswap.registry.lock import read_lock


@dataclass
class PruneResult:
    """What :func:`prune_versions` removed (or would remove) and what it kept, with why."""

    removed: list[Path] = field(default_factory=list)
    kept: dict[Path, str] = field(default_factory=dict)
    freed_bytes: int = 0
    cache_entries: int = 0

    def to_dict(self) -> dict[str, object]:
        return {"removed": [str(p) for p in self.removed], "kept": {str(p): why for p, why in self.kept.items()},
                "freed_bytes": self.freed_bytes, "cache_entries": self.cache_entries}


def disk_usage(paths: Iterable[Path]) -> int:
    """Bytes allocated on disk under ``paths``, each hard-linked file counted once (like ``du``)."""
    seen: set[tuple[int, int]] = set()
    total = 0
    for top in paths:
        for dirpath, dirnames, filenames in os.walk(top):
            for name in [*filenames, *dirnames]:
                try:
                    st = os.lstat(os.path.join(dirpath, name))
                except OSError:
                    continue
                if (st.st_dev, st.st_ino) not in seen:
                    seen.add((st.st_dev, st.st_ino))
                    total += st.st_blocks * 512
    return total


def install_sha256(path: Path) -> str:
    """The wheel sha256 an environment was made from (its lock), else the 12 hex digits of its name."""
    try:
        sha = read_lock(path).strategy.get("wheel_sha256")
        if isinstance(sha, str) and sha:
            return sha
    except Exception:  # noqa: BLE001 - a broken lock: fall back to the folder name
        pass
    return path.name.rsplit("-", 1)[-1]


def prune_versions(versions_dir: Path, needed: dict[str, str], *, dry_run: bool = False,
                   cache_dir: Path | None = None) -> PruneResult:
    """Remove every environment in ``versions_dir`` whose wheel sha256 is not a key of ``needed``,
    then the cache entries nothing links to (``cache_dir``, default ``<state>/cache/uv``).

    ``needed`` maps a wheel sha256 to why it is needed (``"registry wheel"``, ``"active"``...).
    A needed environment is matched by its full sha256, or by the 12-digit prefix in its name.
    """
    result = PruneResult()
    if not versions_dir.is_dir():
        return result
    cache = cache_dir if cache_dir is not None else versions_dir.parent / "cache" / "uv"
    before = disk_usage([versions_dir, cache])
    by_prefix = {sha[:12]: why for sha, why in needed.items()}
    for path in sorted(p for p in versions_dir.iterdir()
                       if p.is_dir() and (not p.name.startswith(".") or p.name.startswith(".tmp-"))):
        crashed = path.name.startswith(".tmp-")
        key = path.name.removeprefix(".tmp-").rsplit("-", 1)[0] if crashed else path.name
        if not crashed:
            sha = install_sha256(path)
            why = needed.get(sha) or by_prefix.get(sha[:12])
            if why:
                result.kept[path] = why
                continue
        lock = FileLock(str(versions_dir / ".locks" / f"{key}.lock"))
        try:
            lock.acquire(timeout=0)
        except Timeout:
            result.kept[path] = "being installed right now"
            continue
        try:
            if not dry_run:
                shutil.rmtree(path)
            result.removed.append(path)
        except OSError as exc:
            result.kept[path] = f"cannot remove: {exc.strerror or exc}"
        finally:
            lock.release()
    if dry_run:
        result.freed_bytes = disk_usage(result.removed)  # an upper bound: shared files may stay linked
        return result
    result.cache_entries = prune_cache(cache) + prune_store(cache.parent / "pyc")
    result.freed_bytes = max(0, before - disk_usage([versions_dir, cache]))
    return result


def needed_by(reasons: Iterable[tuple[str, str]]) -> dict[str, str]:
    """``(sha256, why)`` pairs to the ``needed`` map, the first reason for each sha256 winning."""
    out: dict[str, str] = {}
    for sha, why in reasons:
        if sha:
            out.setdefault(sha, why)
    return out


def prune_cache(cache_dir: Path) -> int:
    """Remove uv's unpacked wheels (``archive-v*/<id>/``) that no environment hard-links any more.

    An entry whose every file has a link count of 1 is used by nothing but the cache; uv fetches
    it again if a later install needs it (its pointer becomes a cache miss). Returns how many.
    """
    removed = 0
    for archive_root in cache_dir.glob("archive-v*"):
        for entry in archive_root.iterdir():
            if entry.is_dir() and not _linked(entry):
                shutil.rmtree(entry, ignore_errors=True)
                removed += 1
    return removed


def _linked(folder: Path) -> bool:
    for dirpath, _, filenames in os.walk(folder):
        for name in filenames:
            try:
                if os.lstat(os.path.join(dirpath, name)).st_nlink > 1:
                    return True
            except OSError:
                continue
    return False
