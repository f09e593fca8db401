"""What a registry scan reads, and cheap fingerprints of it: the wheels in ``registry/`` (names
starting with ``.`` ignored), the wheelhouse and the host's import path (stats only), and the
wheels left once the same bytes under a second name are dropped."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from liveswap.registry.index import version_key
from liveswap.registry.wheel import WheelFacts

Signature = tuple[tuple[str, int, int, int], ...]


def wheel_files(registry_dir: Path) -> list[tuple[Path, os.stat_result]]:
    """The ``*.whl`` files of ``registry_dir`` with their stats, oldest first (none if unreadable)."""
    found: list[tuple[Path, os.stat_result]] = []
    try:
        with os.scandir(registry_dir) as entries:
            for entry in entries:
                if entry.name.startswith(".") or not entry.name.endswith(".whl"):
                    continue
                try:
                    if entry.is_file():
                        found.append((Path(entry.path), entry.stat()))
                except OSError:
                    continue
    except OSError:
        return []
    return sorted(found, key=lambda item: (item[1].st_mtime_ns, item[0].name))


def _folder_stamps(prefix: str, folders: Iterable[str | Path]) -> Signature:
    parts: list[tuple[str, int, int, int]] = []
    for folder in folders:
        try:
            st = os.stat(folder or ".")
        except OSError:
            continue
        parts.append((f"{prefix}:{folder}", 0, st.st_mtime_ns, st.st_ino))
    return tuple(parts)


def sources_signature(registry_dir: Path, *, find_links: Sequence[Path],
                      search_path: Sequence[str] | None) -> Signature:
    """Stats of the registry wheels, the wheelhouse (a new wheel may resolve a refused version) and
    the host's import path (``sys.path`` when ``search_path`` is None)."""
    parts = tuple((p.name, st.st_size, st.st_mtime_ns, st.st_ino) for p, st in wheel_files(registry_dir))
    return (parts + _folder_stamps("wheels", find_links)
            + _folder_stamps("path", search_path if search_path is not None else sys.path))


def unique_facts(all_facts: Iterable[WheelFacts], known: dict[str, str]) -> tuple[list[WheelFacts], dict[str, str]]:
    """The wheels without byte-identical repeats, and ``known`` plus the sha256 each intact wheel
    claims for its ``NAME==VERSION`` (the first claim wins)."""
    claimed = dict(known)
    seen_sha: set[str] = set()
    unique: list[WheelFacts] = []
    for facts in all_facts:
        if facts.report.sha256 and facts.report.sha256 in seen_sha:
            continue  # the very same bytes under a second file name
        seen_sha.add(facts.report.sha256)
        unique.append(facts)
        rep = facts.report
        if facts.intact and rep.dist_name and rep.version:
            claimed.setdefault(version_key(rep.dist_name, rep.version), rep.sha256)
    return unique, claimed
