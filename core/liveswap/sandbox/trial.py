"""The load trial of ``liveswap check`` and ``liveswap registry add``: import a version in a
throwaway worker inside the same sandbox the host uses, with the same settings.

Uses the version's environment when the registry resolved it (``report.env_path``), else installs
the wheel alone into a temporary directory; starts a worker on it under ``limits`` (same level,
same layers, same fail-closed rule) and checks that the entry
point imports and its hooks match the specs. Both commands call :func:`load_trial`, so they give
the same verdict: a wheel whose code fails to import is refused by both. The operator's process
never imports the wheel's code.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from pathlib import Path

from liveswap.exceptions import RegistryError, SandboxUnavailable, StrategyFault
from liveswap.registry import ExtraCheck, Report, install_wheel
from liveswap.sandbox.limits import SandboxLimits
from liveswap.sandbox.runner import SandboxRunner


def load_trial(limits: SandboxLimits | None = None, *, hook_timeout: float = 10.0) -> ExtraCheck:
    """The :data:`~liveswap.registry.ExtraCheck` that loads each entry point of a report in a sandbox."""
    settings = limits or SandboxLimits()

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
                runner = SandboxRunner(name, report.version, target, limits=settings, scratch_root=Path(tmp),
                                       hook_timeout=hook_timeout)
                try:
                    runner.start()
                except SandboxUnavailable as exc:
                    return [f"load test: {exc}"]
                except StrategyFault as exc:
                    reasons.append(f"load test: {name}: {exc}")
                finally:
                    runner.close()
        return reasons

    return sandbox_load_test


sandbox_load_test = load_trial()
"""The trial under the default settings (``strict``)."""
