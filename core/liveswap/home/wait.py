"""Waiting for a host (``--wait``): follow ``state/status.json`` until a generation is applied or refused.

Applied: the host reports ``observed_generation >= G`` and no refusal of G. Refused: G appears in
``control_refusal``/``control_refusals`` (an invalid file, a refused swap, a strategy refusing its
params). Otherwise the time runs out and the message says whether a host is running at all.

Standard library only: ``liveswap activate --wait`` polls status.json as plain JSON
(:func:`liveswap.home.quick.read_status`) and never imports pydantic; :func:`check` also takes
a validated :class:`~liveswap.home.status.StatusDoc`.
"""

from __future__ import annotations

import time

from liveswap.home import quick

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (the CLI's --wait comes here)
if TYPE_CHECKING:
    from typing import Any

    from liveswap.home.quick import Path
    from liveswap.home.status import StatusDoc

POLL_SECONDS = 0.05


class WaitOutcome:
    """How a wait ended: ``ok`` (applied) or not (refused, timed out), the message, the host's pid."""

    __slots__ = ("message", "ok", "pid")

    def __init__(self, ok: bool, message: str, pid: int | None) -> None:
        self.ok, self.message, self.pid = ok, message, pid

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, WaitOutcome):
            return NotImplemented
        return (self.ok, self.message, self.pid) == (other.ok, other.message, other.pid)

    def __hash__(self) -> int:
        return hash((self.ok, self.message, self.pid))

    def __repr__(self) -> str:
        return f"WaitOutcome(ok={self.ok!r}, message={self.message!r}, pid={self.pid!r})"


def host_alive(status: StatusDoc | None, now: float | None = None) -> bool:
    """A host is running if its last status says so and its heartbeat is younger than 3 intervals."""
    return status is not None and status.alive(now)


def _int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def refusal_of(status: dict[str, Any], generation: int) -> str | None:
    """The host's reason for refusing ``generation`` (status.json as JSON), if it did."""
    single = status.get("control_refusal")
    refusals = [*(status.get("control_refusals") or []), *([single] if single else [])]
    for r in refusals:
        if isinstance(r, dict) and _int(r.get("generation")) and r["generation"] == generation:
            return str(r.get("reason") or "refused")
    return None


def check(status: StatusDoc | dict[str, Any] | None, generation: int) -> WaitOutcome | None:
    """The outcome for ``generation`` if ``status`` (the model, or status.json as JSON) already tells it, else None."""
    if status is None:
        return None
    doc = status if isinstance(status, dict) else status.to_json()
    pid = doc.get("pid") if _int(doc.get("pid")) else None
    reason = refusal_of(doc, generation)
    if reason is not None:
        return WaitOutcome(False, f"the host (pid {pid}) refused generation {generation}: {reason}", pid)
    observed = doc.get("observed_generation")
    if _int(observed) and observed >= generation:
        return WaitOutcome(True, f"generation {generation} applied by the host (pid {pid})", pid)
    return None


def wait_for_generation(state_dir: Path, generation: int, timeout: float) -> WaitOutcome:
    deadline = time.monotonic() + max(0.0, timeout)
    while True:
        status = quick.read_status(state_dir)
        outcome = check(status, generation)
        if outcome is not None:
            return outcome
        if time.monotonic() >= deadline:
            pid = status.get("pid") if status is not None and quick.alive(status) else None
            host = f"pid {pid}" if pid is not None else "not running"
            return WaitOutcome(False, f"timed out after {timeout:g}s; the host ({host}) has not applied "
                                      f"generation {generation}", None)
        time.sleep(POLL_SECONDS)
