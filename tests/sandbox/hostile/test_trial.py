"""``liveswap check`` and ``liveswap registry add``: the same sandboxed load trial, the same verdict.

A wheel whose import fails is refused by both; a wheel whose import attacks the operator (writes a
file) does so inside the sandbox, never in the operator's process.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.conftest import BIN
from tests.support.hostile import needs_strict
from tests.support.wheelkit import make_wheel

pytestmark = needs_strict


def liveswap(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "liveswap"), *args], env=env, capture_output=True, text=True, timeout=120)


def test_a_wheel_that_fails_to_import_is_refused_by_check_and_by_add(home: Path, cli_env: dict[str, str]) -> None:
    bad = make_wheel(home.parent / "wheels", "broken-strategy", "1.0.0", ep="broken", module="broken_strategy",
                     body="import not_a_module_anywhere\n")
    check = liveswap(cli_env, "check", str(bad))
    add = liveswap(cli_env, "registry", "add", str(bad))
    assert check.returncode == add.returncode == 1
    assert "not_a_module_anywhere" in check.stderr and "not_a_module_anywhere" in add.stderr
    assert not (home / "registry" / bad.name).exists()
    good = make_wheel(home.parent / "wheels", "fine-strategy", "1.0.0", ep="fine", module="fine_strategy")
    assert liveswap(cli_env, "check", str(good)).returncode == 0
    assert liveswap(cli_env, "registry", "add", str(good)).returncode == 0
    assert (home / "registry" / good.name).exists()


def test_check_runs_the_wheels_code_only_inside_the_sandbox(home: Path, cli_env: dict[str, str]) -> None:
    marker = home.parent / "imported-as-operator"
    body = (f"open({str(marker)!r}, 'w').write('owned')\n"
            "from liveswap.api import hookimpl\nclass Strategy:\n    @hookimpl\n"
            "    def on_candle(self, candle, ctx):\n        return []\n")
    wheel = make_wheel(home.parent / "wheels", "sneaky-strategy", "1.0.0", ep="sneaky", module="sneaky_strategy",
                       body=body)
    check = liveswap(cli_env, "check", str(wheel))
    assert check.returncode == 1 and "load test" in check.stderr
    assert "sandbox:" in check.stdout and "strict" in check.stdout
    add = liveswap(cli_env, "registry", "add", str(wheel))
    assert add.returncode == 1
    assert not marker.exists()
