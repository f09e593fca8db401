"""The load test of ``liveswap check``: import the version in a throwaway sandboxed worker.

Uses the version's environment when ``Registry.check`` resolved it (``report.env_path``), else
installs the wheel alone into a temporary directory; starts a worker on it (the same sandbox the host
uses) and checks that the entry point imports and its hooks match the specs, so an import error
or a bad hook signature is reported before anyone activates the version.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from pathlib import Path

from liveswap.registry.errors import RegistryError
from liveswap.registry.install import install_wheel
from liveswap.registry.model import Report
from liveswap.runners.base import StrategyFault
from liveswap.sandbox.runner import SandboxRunner


def sandbox_load_test(report: Report) -> Iterable[str]:
    reasons: list[str] = []
    with tempfile.TemporaryDirectory(prefix="liveswap-check-") as tmp:
        target: Path | None = report.env_path
        if target is None and report.source == "registry" and report.path is not None:
            target = Path(tmp) / "install"
            try:
                install_wheel(report.path, report.sha256, target)
            except RegistryError as exc:
                return [f"load test: cannot install: {exc}"]
        for name in report.entry_points:
            runner = SandboxRunner(name, report.version, target, scratch_root=Path(tmp), hook_timeout=10.0)
            try:
                runner.start()
            except StrategyFault as exc:
                reasons.append(f"load test: {name}: {exc}")
            finally:
                runner.close()
    return reasons
