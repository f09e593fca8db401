"""Shared fixtures: a home folder per test, and engine builders on the embedded default."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


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
    env["LIVESWAP_HOME"] = str(home)
    return env


@pytest.fixture
def liveswap_bin() -> Callable[..., list[str]]:
    def cmd(*args: str) -> list[str]:
        return [str(BIN / "liveswap"), *args]

    return cmd
