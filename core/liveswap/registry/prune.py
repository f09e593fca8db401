"""Cleaning ``state/versions/``: remove isolated installs nothing needs any more.

An install ``<name>-<version>-<sha12>/`` is kept while something may load it: a wheel with its
sha256 is still in ``registry/``, or the host runs it or would roll back to it (the caller passes
those sha256s, from ``status.json`` and the journal). Installs of pip-installed strategies do not
exist (they run from the host environment), so a pip install never needs one. Everything else
goes, as do leftovers of crashed installs (``.tmp-*``). An install being written right now (its
per-version lock is held) is skipped, never removed under the installer's feet.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from filelock import FileLock, Timeout

from liveswap.registry.install import COMPLETE_MARKER


@dataclass
class PruneResult:
    """What :func:`prune_versions` removed (or would remove) and what it kept, with why."""

    removed: list[Path] = field(default_factory=list)
    kept: dict[Path, str] = field(default_factory=dict)
    freed_bytes: int = 0


def install_sha256(path: Path) -> str:
    """The wheel sha256 an install was made from (its marker), else the 12 hex digits of its name."""
    try:
        sha = json.loads((path / COMPLETE_MARKER).read_text(encoding="utf-8")).get("wheel_sha256")
        if isinstance(sha, str) and sha:
            return sha
    except (OSError, ValueError, AttributeError):
        pass
    return path.name.rsplit("-", 1)[-1]


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def prune_versions(versions_dir: Path, needed: dict[str, str], *, dry_run: bool = False) -> PruneResult:
    """Remove every install in ``versions_dir`` whose wheel sha256 is not a key of ``needed``.

    ``needed`` maps a wheel sha256 to why it is needed (``"registry wheel"``, ``"active"``...).
    A needed install is matched by its full sha256, or by the 12-digit prefix in its name.
    """
    result = PruneResult()
    if not versions_dir.is_dir():
        return result
    by_prefix = {sha[:12]: why for sha, why in needed.items()}
    for path in sorted(p for p in versions_dir.iterdir() if p.is_dir() and p.name != ".locks"):
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
            size = _size(path)
            if not dry_run:
                shutil.rmtree(path)
            result.removed.append(path)
            result.freed_bytes += size
        except OSError as exc:
            result.kept[path] = f"cannot remove: {exc.strerror or exc}"
        finally:
            lock.release()
    return result


def needed_by(reasons: Iterable[tuple[str, str]]) -> dict[str, str]:
    """``(sha256, why)`` pairs to the ``needed`` map, the first reason for each sha256 winning."""
    out: dict[str, str] = {}
    for sha, why in reasons:
        if sha:
            out.setdefault(sha, why)
    return out
