"""Waiting for a host (``--wait``): follow ``state/status.json`` until a generation is applied or refused.

Applied: the host reports ``observed_generation >= G`` and no refusal of G. Refused: G appears in
``control_refusal``/``control_refusals`` (an invalid file, a refused swap, a strategy refusing its
params). Otherwise the time runs out and the message says whether a host is running at all.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from liveswap.home.status import StatusDoc, read_status

POLL_SECONDS = 0.05


@dataclass(frozen=True, slots=True)
class WaitOutcome:
    ok: bool
    message: str
    pid: int | None


def host_alive(status: StatusDoc | None, now: float | None = None) -> bool:
    """A host is running if its last status says so and its heartbeat is younger than 3 intervals."""
    return status is not None and status.alive(now)


def check(status: StatusDoc | None, generation: int) -> WaitOutcome | None:
    """The outcome for ``generation`` if ``status`` already tells it, else None."""
    if status is None:
        return None
    pid = status.pid
    reason = status.refusal_of(generation)
    if reason is not None:
        return WaitOutcome(False, f"the host (pid {pid}) refused generation {generation}: {reason}", pid)
    if status.observed_generation >= generation:
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
            host = f"pid {status.pid}" if status is not None and host_alive(status) else "not running"
            return WaitOutcome(False, f"timed out after {timeout:g}s; the host ({host}) has not applied "
                                      f"generation {generation}", None)
        time.sleep(POLL_SECONDS)
