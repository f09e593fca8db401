"""Compiled bytecode for an environment, shared on disk like its sources.

The worker runs with ``-B`` (it never writes ``.pyc``), so without bytecode in the environment
every worker start compiles every module it imports (numpy: about twice the import time). At
install, :func:`link_bytecode` gives every ``.py`` in ``site/`` its ``__pycache__`` file, as a
hard link to a content-addressed store (``state/cache/pyc/<sha256 of the source>.<tag>.pyc``):
compiled once per source content and interpreter, shared by every environment that has that
file. The ``.pyc`` files are *unchecked-hash* pycs (PEP 552): Python loads them without looking at
the source, which is sound here because the environment's lock covers both and is verified
before every load.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import py_compile
import shutil
import sys
import tempfile
from pathlib import Path


def link_bytecode(site: Path, store: Path) -> int:
    """Give each ``.py`` under ``site`` its ``.pyc`` from ``store`` (compiling into the store
    first if needed). Returns how many were linked; sources that do not compile are skipped."""
    tag = sys.implementation.cache_tag
    if tag is None:
        return 0
    linked = 0
    for source in site.rglob("*.py"):
        if not source.is_file() or source.is_symlink():
            continue
        target = Path(importlib.util.cache_from_source(str(source)))
        if target.exists():
            continue  # the wheel ships its own (listed in its RECORD)
        digest = hashlib.sha256(source.read_bytes()).hexdigest()
        cached = store / digest[:2] / f"{digest}.{tag}.pyc"
        if not cached.is_file() and not _compile(source, cached, site):
            continue
        target.parent.mkdir(exist_ok=True)
        try:
            os.link(cached, target)
        except OSError:
            shutil.copyfile(cached, target)  # another filesystem: a copy still saves the compile
        linked += 1
    return linked


def _compile(source: Path, cached: Path, site: Path) -> bool:
    cached.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".pyc-", dir=cached.parent)
    os.close(fd)
    try:
        py_compile.compile(str(source), cfile=tmp, dfile=str(source.relative_to(site)), doraise=True,
                           invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH, quiet=2)
        os.chmod(tmp, 0o644)  # readable by a worker running under its own uid
        os.replace(tmp, cached)
        return True
    except (py_compile.PyCompileError, OSError, ValueError, SyntaxError):
        Path(tmp).unlink(missing_ok=True)
        return False


def prune_store(store: Path) -> int:
    """Remove ``.pyc`` files of the store that no environment links any more; returns how many."""
    removed = 0
    for pyc in store.glob("*/*.pyc"):
        try:
            if pyc.stat().st_nlink == 1:
                pyc.unlink()
                removed += 1
        except OSError:
            continue
    return removed
