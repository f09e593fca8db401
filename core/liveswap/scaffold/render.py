"""Render the project template into a new folder, all at once or not at all."""

from __future__ import annotations

import os
import shlex
import shutil
import sys
import tempfile
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from string import Template

from liveswap.scaffold.names import ProjectNames, ScaffoldError, project_names

HOST_REQUIREMENT = "liveswap>=1.0,<2"
FIRST_VERSION = "1.0.0"
SUFFIX = ".tmpl"
# template file -> path in the new project ("__module__" becomes the import package)
LAYOUT: dict[str, str] = {
    "pyproject.toml.tmpl": "pyproject.toml",
    "README.md.tmpl": "README.md",
    "gitignore.tmpl": ".gitignore",
    "init.py.tmpl": "src/__module__/__init__.py",
    "strategy.py.tmpl": "src/__module__/strategy.py",
    "conftest.py.tmpl": "tests/conftest.py",
    "test_strategy.py.tmpl": "tests/test_strategy.py",
}


@dataclass(frozen=True)
class HostFacts:
    """The host a new project is written for: its README's commands use exactly these."""

    python: str  # the interpreter of the host's environment (liveswap is installed there)
    liveswap: str  # the host's console script (or ``PYTHON -m liveswap.cli.main``)
    home: Path | None  # the host's home folder, if known

    @classmethod
    def current(cls, home: Path | None) -> HostFacts:
        """The running interpreter and its ``liveswap`` script."""
        python = Path(sys.executable)
        script = python.with_name("liveswap")
        cli = shlex.quote(str(script)) if script.exists() else f"{shlex.quote(str(python))} -m liveswap.cli.main"
        return cls(python=shlex.quote(str(python)), liveswap=cli, home=home)


def template_dir() -> Traversable:
    return files("liveswap.scaffold") / "template"


def render(names: ProjectNames, host: HostFacts | None = None) -> dict[str, str]:
    """Relative path -> text of every file of the new project."""
    host = host or HostFacts.current(None)
    values = {"name": names.name, "module": names.module, "cls": names.cls, "host_requirement": HOST_REQUIREMENT,
              "version": FIRST_VERSION, "python": host.python, "liveswap": host.liveswap,
              "home": shlex.quote(str(host.home)) if host.home else "/path/to/your/home",
              "home_note": "" if host.home else "   # the folder with registry/ and state/"}
    out: dict[str, str] = {}
    for source, dest in LAYOUT.items():
        text = (template_dir() / source).read_text(encoding="utf-8")
        out[dest.replace("__module__", names.module)] = Template(text).substitute(values)
    return out


def create_project(name: str, target: Path, host: HostFacts | None = None) -> ProjectNames:
    """Write a strategy project ``name`` into ``target`` (absent or empty); refuse otherwise.

    The files are written to a scratch folder next to ``target`` and renamed into place, so a
    failure leaves nothing half-written.
    """
    names = project_names(name)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ScaffoldError(f"{target} already exists and is not an empty folder")
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=f".{names.name}-", dir=parent))
    except OSError as exc:
        raise ScaffoldError(f"cannot create {target}: {exc.strerror or exc}") from exc
    try:
        for rel, text in render(names, host).items():
            path = scratch / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        scratch.chmod(0o755)
        os.replace(scratch, target)  # also replaces an empty folder
    except OSError as exc:
        raise ScaffoldError(f"cannot create {target}: {exc.strerror or exc}") from exc
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return names
