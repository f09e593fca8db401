"""Shared fixtures: a home folder per test, and engine builders on the embedded default.

The suite is hermetic: a strategy pip-installed into the venv (the README's own route) must not
show up in the tests' homes. ``LIVESWAP_INSTALLED_STRATEGIES=false`` (the ``installed_strategies``
setting) is set for the whole session, so every registry, host and CLI process it starts lists
registry wheels only; a test that wants installed strategies asks for them
(``HostEnvironment(strategies=True)``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
HERMETIC_ENV = {"LIVESWAP_INSTALLED_STRATEGIES": "false"}
os.environ.update(HERMETIC_ENV)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    h = tmp_path / "home"
    (h / "state").mkdir(parents=True)
    (h / "registry").mkdir()
    return h


@pytest.fixture
def cli_env(home: Path) -> dict[str, str]:
    """Environment for running the real ``liveswap`` console script against ``home``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVESWAP_")}
    env.update(HERMETIC_ENV, LIVESWAP_HOME=str(home))
    return env


@pytest.fixture
def liveswap_bin() -> Callable[..., list[str]]:
    def cmd(*args: str) -> list[str]:
        return [str(BIN / "liveswap"), *args]

    return cmd
