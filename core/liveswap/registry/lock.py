"""A version's lock: what its environment was resolved to and what was installed, file by file.

``state/versions/<key>/liveswap.lock.json`` sits next to the environment (``site/``), outside the
folder the worker imports from. It records the strategy wheel (name, version, sha256), its
declared requirements, the resolved set (every package pinned with the sha256 of the wheels it
may come from), the resolver and the sources, and the sha256 of EVERY file installed in
``site/`` (taken at install time and cross-checked against each distribution's RECORD).

:func:`verify` compares an environment with its lock before a version is loaded: a file added,
missing, or whose bytes differ is a reason to refuse. It is cheap: files whose size, mtime and
inode match what was seen right after install (``.liveswap-stat.json``) are not hashed again;
``full=True`` hashes everything.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from liveswap.fsutil import atomic_write_bytes
from liveswap.registry.errors import RegistryError
from liveswap.registry.resolver import Pinned

LOCK_FILE = "liveswap.lock.json"
STAT_FILE = ".liveswap-stat.json"
SITE_DIR = "site"
LOCK_VERSION = 1

Stat = tuple[int, int, int]


@dataclass
class Lock:
    """The content of ``liveswap.lock.json`` (``files`` maps a path in ``site/`` to ``sha256=<b64>``)."""

    strategy: dict[str, Any]
    requirements: list[str]
    packages: list[Pinned]
    resolver: str
    sources: dict[str, Any]
    python: str
    files: dict[str, str] = field(default_factory=dict)
    installed_at: int = 0

    def summary(self) -> dict[str, Any]:
        """The lock without its per-file table (what ``registry list --json`` and ``check`` show)."""
        return {
            "lock_version": LOCK_VERSION,
            "strategy": dict(self.strategy),
            "requirements": list(self.requirements),
            "packages": [p.to_dict() for p in self.packages],
            "resolver": self.resolver,
            "sources": dict(self.sources),
            "python": self.python,
            "files": len(self.files),
            "installed_at": self.installed_at,
        }

    def to_dict(self) -> dict[str, Any]:
        return {**self.summary(), "files": dict(sorted(self.files.items()))}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Lock:
        if data.get("lock_version") != LOCK_VERSION:
            raise ValueError(f"lock_version {data.get('lock_version')!r} is not {LOCK_VERSION}")
        return cls(
            strategy=dict(data["strategy"]),
            requirements=[str(r) for r in data["requirements"]],
            packages=[Pinned(str(p["name"]), str(p["version"]), tuple(p.get("hashes", ()))) for p in data["packages"]],
            resolver=str(data["resolver"]),
            sources=dict(data["sources"]),
            python=str(data["python"]),
            files={str(k): str(v) for k, v in data["files"].items()},
            installed_at=int(data.get("installed_at", 0)),
        )


def write_lock(root: Path, lock: Lock) -> None:
    atomic_write_bytes(root / LOCK_FILE, json.dumps(lock.to_dict(), indent=1).encode() + b"\n")


def read_lock(root: Path) -> Lock:
    """The lock of the install ``root``; :class:`RegistryError` if it is missing or unreadable."""
    try:
        return Lock.from_dict(json.loads((root / LOCK_FILE).read_text()))
    except FileNotFoundError as exc:
        raise RegistryError(f"{root.name} has no {LOCK_FILE}") from exc
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise RegistryError(f"{root.name}/{LOCK_FILE} is unreadable: {exc}".splitlines()[0]) from exc


def file_hash(path: Path) -> str:
    """``sha256=<urlsafe b64>`` as in a RECORD file (a symlink hashes its target text)."""
    if path.is_symlink():
        data = os.readlink(path).encode()
        return "link=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return "sha256=" + base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()


def walk(site: Path) -> dict[str, Stat]:
    """Every file (and symlink) under ``site``: relative path -> (size, mtime_ns, inode)."""
    found: dict[str, Stat] = {}
    for dirpath, dirnames, filenames in os.walk(site):
        rel_dir = os.path.relpath(dirpath, site)
        for name in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            full = os.path.join(dirpath, name)
            st = os.lstat(full)
            rel = name if rel_dir == "." else f"{rel_dir}/{name}"
            found[rel] = (st.st_size, st.st_mtime_ns, st.st_ino)
    return found


def take_manifest(site: Path) -> tuple[dict[str, str], dict[str, Stat]]:
    """Hash every file of a fresh install; raises if one contradicts its distribution's RECORD."""
    stats = walk(site)
    files = {rel: file_hash(site / rel) for rel in stats}
    bad = record_mismatches(site, files)
    if bad:
        raise RegistryError(f"installed files do not match their RECORD: {', '.join(bad[:3])}"
                            + (f" (+{len(bad) - 3} more)" if len(bad) > 3 else ""))
    return files, stats


def record_mismatches(site: Path, files: dict[str, str]) -> list[str]:
    """Paths whose sha256 differs from the RECORD of the distribution that installed them."""
    bad: list[str] = []
    for record in site.glob("*.dist-info/RECORD"):
        for row in csv.reader(io.StringIO(record.read_text(errors="replace"))):
            if len(row) >= 2 and row[1].startswith("sha256=") and row[0] in files and files[row[0]] != row[1]:
                bad.append(row[0])
    return bad


def write_stats(root: Path, stats: dict[str, Stat]) -> None:
    atomic_write_bytes(root / STAT_FILE, json.dumps(stats, separators=(",", ":")).encode(), durable=False)


def verify(root: Path, lock: Lock, *, full: bool = False) -> list[str]:
    """One line per way ``root/site`` differs from ``lock`` (empty: it is what was installed)."""
    site = root / SITE_DIR
    if not site.is_dir():
        return [f"{SITE_DIR}/ is missing"]
    try:
        seen: dict[str, list[int]] = {} if full else json.loads((root / STAT_FILE).read_text())
    except (OSError, ValueError):
        seen = {}
    now = walk(site)
    problems: list[str] = []
    for rel in sorted(set(lock.files) - set(now)):
        problems.append(f"{rel} is missing")
    for rel in sorted(set(now) - set(lock.files)):
        problems.append(f"{rel} was added")
    for rel in sorted(set(now) & set(lock.files)):
        if list(now[rel]) == seen.get(rel):
            continue
        try:
            if file_hash(site / rel) != lock.files[rel]:
                problems.append(f"{rel} differs from its lock (sha256)")
        except OSError as exc:
            problems.append(f"{rel} cannot be read: {exc.strerror}")
    return problems
