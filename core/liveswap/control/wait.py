"""The CLI side of ``--wait``: follow ``state/status.json`` until the host applied or refused a generation.

Applied: the host reports ``observed_generation >= G`` and no refusal of G. Refused: G appears in
``control_refusal``/``control_refusals`` (an invalid file, a refused swap, a strategy refusing its
params). Otherwise the time runs out and the message says whether a host is running at all.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from liveswap.engine.status import read_status

STALE_HEARTBEATS = 3
POLL_SECONDS = 0.05


@dataclass(frozen=True, slots=True)
class WaitOutcome:
    ok: bool
    message: str
    pid: int | None


def host_alive(status: dict[str, Any] | None, now: float | None = None) -> bool:
    """A host is running if its last status says so and its heartbeat is younger than 3 intervals."""
    if not status or not status.get("running"):
        return False
    age = (now or time.time()) - float(status.get("heartbeat_at") or 0)
    return age <= STALE_HEARTBEATS * float(status.get("heartbeat_seconds") or 1)


def refusal_of(status: dict[str, Any], generation: int) -> str | None:
    refusals = list(status.get("control_refusals") or [])
    latest = status.get("control_refusal")
    if latest:
        refusals.append(latest)
    for r in refusals:
        if isinstance(r, dict) and r.get("generation") == generation:
            return str(r.get("reason") or "refused")
    return None


def check(status: dict[str, Any] | None, generation: int) -> WaitOutcome | None:
    """The outcome for ``generation`` if ``status`` already tells it, else None."""
    if not status:
        return None
    pid = status.get("pid")
    reason = refusal_of(status, generation)
    if reason is not None:
        return WaitOutcome(False, f"the host (pid {pid}) refused generation {generation}: {reason}", pid)
    observed = status.get("observed_generation")
    if isinstance(observed, int) and observed >= generation:
        return WaitOutcome(True, f"generation {generation} applied by the host (pid {pid})", pid)
    return None


def wait_for_generation(state_dir: Path, generation: int, timeout: float) -> WaitOutcome:
    deadline = time.monotonic() + max(0.0, timeout)
    while True:
        status = read_status(state_dir)
        outcome = check(status, generation)
        if outcome is not None:
            return outcome
        if time.monotonic() >= deadline:
            host = f"pid {status.get('pid')}" if status and host_alive(status) else "not running"
            return WaitOutcome(False, f"timed out after {timeout:g}s; the host ({host}) has not applied "
                                      f"generation {generation}", None)
        time.sleep(POLL_SECONDS)
