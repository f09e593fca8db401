#!/usr/bin/env python3
"""Build every sample strategy project under ``plugins/`` into a registry folder.

    python plugins/build_all.py [--out DIR]      # default: ./registry

Each project is copied to a scratch folder (the source tree stays clean) and built with
``python -m build --wheel --no-isolation`` using this interpreter, so no network is needed: the
build backends (hatchling, setuptools) must already be installed here -- they are in liveswap's
``test`` extra. ``SOURCE_DATE_EPOCH`` is pinned so rebuilding unchanged sources gives the same
bytes.

A registry version is immutable: a wheel already in ``DIR`` is never overwritten. Identical
bytes are reported as ``unchanged``; different bytes under the same name and version are kept
as they are, with a warning to bump the version. Exit status 0, or 1 if a build failed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

PLUGINS = Path(__file__).resolve().parent
SOURCE_DATE_EPOCH = "1767225600"  # 2026-01-01: fixed timestamps inside the wheels
SCRATCH = shutil.ignore_patterns("build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", "*.pyc")


class BuildFailed(Exception):
    """A project did not build: the message is the one-line reason."""


def projects(root: Path = PLUGINS) -> list[Path]:
    """Every folder of ``root`` holding a ``pyproject.toml``, by name."""
    return sorted(p for p in root.iterdir() if (p / "pyproject.toml").is_file())


def build_wheel(project: Path, scratch: Path) -> Path:
    """Build ``project``'s wheel inside ``scratch``; return its path."""
    source, out = scratch / project.name, scratch / "dist"
    shutil.copytree(project, source, ignore=SCRATCH)
    env = {**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH, "PYTHONDONTWRITEBYTECODE": "1"}
    cmd = [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(source)]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        lines = [ln for ln in (done.stderr + done.stdout).splitlines() if ln.strip()]
        reason = next((ln for ln in reversed(lines) if "ERROR" in ln), lines[-1] if lines else "no output")
        raise BuildFailed(f"{project.name}: build failed: {reason.strip()}")
    wheels = sorted(out.glob("*.whl"))
    if len(wheels) != 1:
        raise BuildFailed(f"{project.name}: expected one wheel, got {len(wheels)}")
    return wheels[0]


def place(wheel: Path, dest: Path) -> str:
    """Copy ``wheel`` into ``dest`` unless that name is taken; say what happened."""
    target = dest / wheel.name
    if target.exists():
        if target.read_bytes() == wheel.read_bytes():
            return f"unchanged {target.name}"
        return (f"kept      {target.name} (the registry copy differs from this build; "
                "a version is immutable: bump the version to publish a change)")
    partial = dest / f".{wheel.name}.partial"
    shutil.copyfile(wheel, partial)
    os.replace(partial, target)  # atomic: a running host never sees half a wheel
    return f"added     {target.name}"


def build_all(dest: Path, root: Path = PLUGINS) -> list[str]:
    """Build every project of ``root`` into ``dest``; one line per project."""
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="liveswap-build-") as tmp:
        def one(project: Path) -> str:
            scratch = Path(tmp) / project.name
            scratch.mkdir()
            return place(build_wheel(project, scratch), dest)

        with ThreadPoolExecutor(max_workers=4) as pool:
            return list(pool.map(one, projects(root)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build every sample strategy into a registry folder.")
    parser.add_argument("--out", type=Path, default=Path("registry"), metavar="DIR",
                        help="registry folder to fill (default: ./registry)")
    args = parser.parse_args(argv)
    try:
        for line in build_all(args.out.resolve()):
            print(line)
    except BuildFailed as exc:
        print(f"build_all: {exc}", file=sys.stderr)
        if "not available" in str(exc) or "Missing dependencies" in str(exc):
            print("build_all: the build backends come with liveswap's test extra: pip install -e '.[test]'",
                  file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"build_all: cannot write {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
