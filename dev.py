#!/usr/bin/env python3
"""One-command setup for a fresh machine with only Python 3.11+ (standard library only).

    python3 dev.py up      # venv + install + sample strategies into registry/ + run the host
    python3 dev.py test    # venv + install (with test extras) + sample strategies + pytest
    python3 dev.py plugins # (re)build the sample strategy wheels into registry/
    python3 dev.py bench   # run every benchmark under benchmarks/
    python3 dev.py faces   # point imports that reach past a package's face at the face (after a merge)

Everything goes into ``.venv/`` next to this file; re-running is cheap (installs are skipped
when nothing changed).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"


def sh(*cmd: str | Path, **kw: object) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, **kw)  # type: ignore[call-overload]


def ensure_venv(extras: str = "test") -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"liveswap needs Python 3.11+, this is {sys.version.split()[0]}")
    if not PY.exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp = VENV / ".liveswap-installed"
    key = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    if stamp.exists() and stamp.read_text() == key:
        return
    sh(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    sh(PY, "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[{extras}]")
    stamp.write_text(key)


def build_plugins(home: Path) -> None:
    sh(PY, ROOT / "plugins" / "build_all.py", "--out", home / "registry")


def cmd_up(args: list[str]) -> None:
    ensure_venv()
    home = Path(os.environ.get("LIVESWAP_HOME", ROOT)).resolve()
    build_plugins(home)
    cli = BIN / "liveswap"
    os.execv(cli, [str(cli), "run", "--home", str(home), *args])


def cmd_test(args: list[str]) -> None:
    ensure_venv()
    sh(PY, "-m", "pytest", *args)


def cmd_plugins(args: list[str]) -> None:
    ensure_venv()
    build_plugins(Path(args[0]).resolve() if args else ROOT)


def cmd_bench(args: list[str]) -> None:
    ensure_venv()
    sh(PY, ROOT / "benchmarks" / "run_all.py", *args)


def cmd_faces(args: list[str]) -> None:
    ensure_venv()
    sh(PY, "-m", "tests.support.faces", "--write", *args, cwd=ROOT)


COMMANDS = {"up": cmd_up, "test": cmd_test, "plugins": cmd_plugins, "bench": cmd_bench, "faces": cmd_faces}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    try:
        COMMANDS[sys.argv[1]](sys.argv[2:])
    except subprocess.CalledProcessError as exc:
        sys.exit(exc.returncode)
