"""Dependency squatting (issue 23): another author's wheel in ``registry/`` named like a library a
strategy needs is never that strategy's dependency; dependencies come only from the index and the
wheelhouse the operator declared, and ``registry add`` takes strategies only.

Judged from outside: what the installed environment holds (its lock's hashes), and a marker file
outside the home that the squatter's code would write when imported.
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest
from liveswap.exceptions import RegistryError
from liveswap.registry.registry import Registry
from liveswap.settings import load_settings

from tests.conftest import BIN
from tests.support.hostile import needs_strict
from tests.support.wheelkit import make_wheel, strategy_source

pytestmark = needs_strict


def squatter(out: Path, marker: Path) -> Path:
    """A 'tinylib' 1.0 with an entry point (so add would take it as a strategy) whose import writes ``marker``."""
    body = (f"open({str(marker)!r}, 'w').write('squatted')\nVERSION = 'squatter'\n"
            "from liveswap.api import hookimpl\nclass Strategy:\n    @hookimpl\n"
            "    def on_candle(self, candle, ctx):\n        return []\n")
    return make_wheel(out, name="tinylib", version="1.0", ep="tinylib", module="tinylib", body=body)


def test_a_wheel_in_the_registry_named_like_a_library_is_never_a_dependency(home: Path, tmp_path: Path) -> None:
    marker = tmp_path / "outside-the-home-marker"
    wheels = tmp_path / "wheels"
    bad = squatter(wheels, marker)
    (home / "registry" / bad.name).write_bytes(bad.read_bytes())
    make_wheel(home / "registry", "needy-strategy", "1.0.0", ep="needy", module="needy_strategy",
               requires=["liveswap>=1.0,<2", "tinylib"],
               body=strategy_source("1.0.0", imports=["tinylib"]) + "LIB = tinylib.VERSION\n")
    (home / "liveswap.toml").write_text('offline = true\nwheelhouse = "wheelhouse"\n')
    registry = Registry.from_settings(load_settings(home))
    registry.scan()
    with pytest.raises(RegistryError, match="tinylib"):  # the squatter is no source: nothing provides it
        registry.install(registry.resolve("needy==1.0.0"))
    assert not marker.exists()
    (home / "wheelhouse").mkdir()
    genuine = make_wheel(home / "wheelhouse", name="tinylib", version="1.0", ep=None, module="tinylib", requires=(),
                         body="VERSION = 'genuine'\n")
    registry = Registry.from_settings(load_settings(home))
    registry.scan()
    installed = registry.install(registry.resolve("needy==1.0.0"))
    assert installed.lock is not None and installed.path is not None
    assert installed.lock["packages"] == [{"name": "tinylib", "version": "1.0", "hashes": [
        f"sha256:{hashlib.sha256(genuine.read_bytes()).hexdigest()}"]}]
    assert "genuine" in (installed.path / "tinylib" / "__init__.py").read_text()
    assert not marker.exists()


def test_add_takes_strategies_only(home: Path, cli_env: dict[str, str], tmp_path: Path) -> None:
    lib = make_wheel(tmp_path / "wheels", name="requests-toolbelt", version="9.9", ep=None, module="toolbelt",
                     requires=(), body="")
    add = subprocess.run([str(BIN / "liveswap"), "registry", "add", str(lib)], env=cli_env, capture_output=True,
                         text=True, timeout=120)
    assert add.returncode == 1 and "not a strategy (no entry point in group liveswap.strategies)" in add.stderr
    assert not (home / "registry" / lib.name).exists()
