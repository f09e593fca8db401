"""``ShadowThread``: a shadow candidate decides on its own thread, off the active version's path.

Between two batches the engine only tells the thread how far the journal goes (``advance``:
no waiting); the thread catches the slot up (:meth:`CandidateSlot.catch_up`: reads the journal
through its own connection, asks the candidate's sandboxed worker, journals the hypothetical
rows) while the engine goes on to the next batch. A slow or hung candidate therefore falls
behind, and never delays a decision or an order of the active version; it catches up when it
can (its batches are in the journal), and a hung one is stopped when the rollout ends (its worker
is closed, which ends the call it hangs in).

Everything else that touches the slot -- status, promotion, the end -- takes ``lock`` (held by
the thread while it works) with a timeout, never waiting on a hung candidate: status shows the
last figures, a promotion stops the thread and catches up on the engine thread within a bounded
time or is refused with the reason.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from loguru import logger

from liveswap.engine import Desired

if TYPE_CHECKING:
    from liveswap.rollout.slot import CandidateSlot


class ShadowThread:
    def __init__(self, slot: CandidateSlot) -> None:
        self.slot = slot
        self.lock = threading.Lock()
        self._cond = threading.Condition()
        self._wanted: tuple[int, Desired] | None = None
        self._stopping = False
        self._yielding = 0  # callers waiting for the slot: the thread stops after its current batch
        self.error: str | None = None
        self._thread = threading.Thread(target=self._run, name=f"shadow {slot.spec}", daemon=True)
        self._thread.start()

    def advance(self, *, until: int, desired: Desired) -> None:
        """The journal now goes to batch ``until``: catch up to it (returns at once)."""
        with self._cond:
            if self._wanted is None or until > self._wanted[0]:
                self._wanted = (until, copy.deepcopy(desired))
            self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._wanted is None and not self._stopping:
                    self._cond.wait()
                if self._stopping:
                    return
                wanted, self._wanted = self._wanted, None
            assert wanted is not None
            with self.lock:
                if self._stopping:
                    return
                try:
                    self.slot.catch_up(until=wanted[0], desired=wanted[1], stop=self._interrupted)
                except Exception as exc:  # noqa: BLE001 - a broken candidate never takes the host down
                    self.error = f"{type(exc).__name__}: {exc}"
                    logger.exception("shadow {} stopped", self.slot.spec)
                    return
                interrupted = self._yielding > 0
            if interrupted:
                time.sleep(0.001)  # let the caller that asked have the lock first
                self.advance(until=wanted[0], desired=wanted[1])  # the rest once the caller is done

    def _interrupted(self) -> bool:
        return self._stopping or self._yielding > 0

    @contextmanager
    def held(self, timeout: float) -> Iterator[bool]:
        """The slot to ourselves for a moment (True), or False if the thread is busy past ``timeout``
        (it stops after the batch it is deciding)."""
        self._yielding += 1
        try:
            got = self.lock.acquire(timeout=timeout)
        finally:
            self._yielding -= 1
        try:
            yield got
        finally:
            if got:
                self.lock.release()

    def stopping(self) -> None:
        """Take no more batches (the thread ends after the batch it is deciding, if any)."""
        with self._cond:
            self._stopping = True
            self._cond.notify()

    def stop(self, timeout: float) -> bool:
        """Stop taking batches; True once the thread has ended (within ``timeout`` seconds)."""
        self.stopping()
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()
