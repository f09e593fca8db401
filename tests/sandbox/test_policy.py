"""The sandbox level: what is in force, and fail closed when ``strict`` cannot be applied."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from liveswap.sandbox.limits import SandboxLimits
from liveswap.sandbox.policy import probe, sandbox_status

from tests.conftest import BIN
from tests.support.wheelkit import make_wheel

STRICT_REFUSED = probe(SandboxLimits()).refused


def test_level_none_says_what_it_lacks() -> None:
    report = probe(SandboxLimits(level="none"))
    assert report.ok and report.level == "none"
    assert "rlimits" in report.in_force and any("no namespaces" in gap for gap in report.not_applied)
    assert sandbox_status(SandboxLimits(level="none"))["level"] == "none"


@pytest.mark.skipif(bool(STRICT_REFUSED), reason=STRICT_REFUSED[:200] or "strict available")
def test_strict_lists_every_layer_here() -> None:
    report = probe(SandboxLimits())
    assert report.ok
    text = " ".join(report.in_force)
    for layer in ("namespaces", "landlock", "seccomp", "tmpfs scratch"):
        assert layer in text


def no_bwrap_env(cli_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """PATH without bwrap (only the interpreter's own bin dir)."""
    bare = tmp_path / "bin"
    bare.mkdir()
    return {**cli_env, "PATH": str(bare)}


def test_strict_without_bubblewrap_refuses_naming_the_setting(home: Path, cli_env: dict[str, str],
                                                             tmp_path: Path) -> None:
    env = no_bwrap_env(cli_env, tmp_path)
    wheel = make_wheel(home.parent / "wheels", "fine-strategy", "1.0.0", ep="fine", module="fine_strategy")
    check = subprocess.run([str(BIN / "liveswap"), "check", str(wheel)], env=env, capture_output=True, text=True)
    assert check.returncode == 1
    assert "sandbox level strict cannot be applied here" in check.stderr and "sandbox.level" in check.stderr
    make_wheel(home / "registry", "fine-strategy", "1.0.0", ep="fine", module="fine_strategy")
    run = subprocess.run([str(BIN / "liveswap"), "run", "--strategy", "fine"], env=env, capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 1
    lines = [line for line in run.stderr.splitlines() if "sandbox level strict" in line]
    assert lines and "sandbox.level" in lines[0]


def test_basic_runs_without_bubblewrap_and_says_so(home: Path, cli_env: dict[str, str], tmp_path: Path) -> None:
    env = {**no_bwrap_env(cli_env, tmp_path), "LIVESWAP_SANDBOX__LEVEL": "basic"}
    wheel = make_wheel(home.parent / "wheels", "fine-strategy", "1.0.0", ep="fine", module="fine_strategy")
    check = subprocess.run([str(BIN / "liveswap"), "check", str(wheel)], env=env, capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    assert "sandbox:           basic" in check.stdout and "not applied:     bubblewrap" in check.stdout


@pytest.mark.skipif(bool(STRICT_REFUSED), reason=STRICT_REFUSED[:200] or "strict available")
def test_a_pip_installed_strategy_sees_the_host_packages_read_only(tmp_path: Path) -> None:
    import sysconfig

    from liveswap.sandbox.policy import plan

    argv = plan(SandboxLimits(), None, tmp_path, "/unused").prefix
    purelib = sysconfig.get_paths()["purelib"]
    i = argv.index(purelib)
    assert argv[i - 1] == "--ro-bind" and argv[i + 1] == purelib
