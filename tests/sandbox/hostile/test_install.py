"""Environments are verified against their lock every time a version is loaded (a worker cannot
write them: this is the defence against anyone else who could)."""

from __future__ import annotations

from pathlib import Path

import pytest
from liveswap.exceptions import LoadError

from tests.support.hostile import needs_strict
from tests.support.wheelkit import make_wheel

pytestmark = needs_strict


@pytest.mark.parametrize("tamper", ["edit", "add_pyc", "add_pth", "remove"])
def test_a_tampered_install_is_refused_with_the_reason(home: Path, host, tamper: str) -> None:
    make_wheel(home / "registry", "probe-strategy", "1.0.0", ep="probe", module="probe_strategy")
    h = host()
    engine = h.start("probe==1.0.0")
    installed = next((home / "state" / "versions").glob("probe-strategy-1.0.0-*")) / "site"
    engine.active.runner.close()
    module = installed / "probe_strategy" / "__init__.py"
    if tamper == "edit":
        module.write_text(module.read_text() + "\nimport os\n")
    elif tamper == "add_pyc":
        (installed / "probe_strategy" / "__pycache__").mkdir(exist_ok=True)
        (installed / "probe_strategy" / "__pycache__" / "evil.cpython-311.pyc").write_bytes(b"\0" * 32)
    elif tamper == "add_pth":
        (installed / "evil.pth").write_text("import os\n")
    else:
        module.unlink()
    with pytest.raises(LoadError, match="probe_strategy|evil"):
        h.loader.load("probe==1.0.0")
