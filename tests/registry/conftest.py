"""Fixtures for the registry tests: a home folder and a real wheel built by hatchling."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest


@pytest.fixture
def home(tmp_path: Path) -> Path:
    root = tmp_path / "home"
    (root / "registry").mkdir(parents=True)
    return root


def build_project(root: Path, name: str, version: str, module: str, ep: str, out: Path) -> Path:
    """A tiny real strategy project built with ``python -m build --wheel --no-isolation``."""
    project = root / f"{name}-{version}"
    (project / module).mkdir(parents=True)
    (project / "pyproject.toml").write_text(textwrap.dedent(f"""
        [build-system]
        requires = ["hatchling"]
        build-backend = "hatchling.build"

        [project]
        name = "{name}"
        version = "{version}"
        requires-python = ">=3.11"
        dependencies = ["liveswap>=1.0,<2"]

        [project.entry-points."liveswap.strategies"]
        {ep} = "{module}:Strategy"
    """))
    (project / module / "__init__.py").write_text(textwrap.dedent(f"""
        from liveswap.api import hookimpl

        VERSION = "{version}"


        class Strategy:
            @hookimpl
            def on_candle(self, candle, ctx):
                return []
    """))
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(project)],
        check=True, capture_output=True,
    )
    (wheel,) = out.glob(f"{name.replace('-', '_')}-{version}-*.whl")
    return wheel


@pytest.fixture(scope="session")
def real_wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two versions of ``momentum`` (dist ``momentum-strategy``) built by hatchling."""
    root = tmp_path_factory.mktemp("projects")
    out = tmp_path_factory.mktemp("dist")
    return {v: build_project(root, "momentum-strategy", v, "momentum_strategy", "momentum", out)
            for v in ("1.0.0", "1.1.0")}
