"""The swaps of one engine run: each journaled with the batch it followed, the last one (status's
``last_swap``) and the pauses of the committed ones (``swap_pauses_ms``)."""

from __future__ import annotations

import time

from liveswap.home import SwapInfo
from liveswap.journal import Journal


class SwapHistory:
    """Owned by the engine's state; :meth:`record` is the one place a :class:`SwapInfo` is built."""

    def __init__(self, journal: Journal, last: SwapInfo | None) -> None:
        self._journal = journal
        self.last = last  # until the first swap: a start-up refusal of a crash loop, if any
        self._pauses_ms: list[float] = []

    @property
    def pauses_ms(self) -> tuple[float, ...]:
        return tuple(self._pauses_ms)

    def record(self, *, kind: str, from_spec: str | None, to_spec: str, ok: bool, reason: str,
               pause_ms: float | None, generation: int | None, sha256: str, state: tuple[str, str] | None,
               batch_end: int | None) -> SwapInfo:
        """Journal a swap (or its refusal) after ``batch_end`` and make it the last one."""
        self._journal.record_swap(kind=kind, from_version=from_spec, to_version=to_spec, ok=ok, reason=reason,
                                  pause_ms=None if pause_ms is None else round(pause_ms, 3),
                                  batch_end=batch_end, sha256=sha256, state=state)
        info = SwapInfo(kind=kind, from_=from_spec, to=to_spec, ok=ok, reason=reason,
                        pause_ms=None if pause_ms is None else round(pause_ms, 3), generation=generation,
                        at=time.time(), state=state[1] if state else "")
        self.last = info
        if ok and pause_ms is not None:
            self._pauses_ms.append(pause_ms)
        return info
