"""``ShadowThread``: a shadow candidate decides on its own thread, off the active version's path;
``ShadowRun``: how the controller drives a running candidate (a shadow's thread, a canary's score).

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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

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


PROMOTE_WAIT = 10.0  # seconds a promotion or an end waits for a shadow to finish the batch it is deciding
STATUS_WAIT = 0.05  # seconds the status waits for a busy shadow before showing its last figures


class ShadowRun:
    """How a running candidate decides: a shadow on its own :class:`ShadowThread`, a canary on the
    engine's thread (it only keeps the score); and what status showed last while the thread was busy."""

    def __init__(self, slot: CandidateSlot) -> None:
        self.slot = slot
        self.thread: ShadowThread | None = None
        self._shown: dict[str, Any] | None = None
        self.restart()

    def restart(self) -> None:
        """A shadow (again) on its own thread: at its start, or after a refused promotion."""
        if self.slot.mode != "canary":
            self.thread = ShadowThread(self.slot)

    def advance(self, *, until: int, desired: Desired) -> None:
        """The journal now goes to batch ``until``: a shadow's thread is told (returns at once), a canary scores."""
        if self.thread is not None:
            self.thread.advance(until=until, desired=desired)
        else:
            self.slot.catch_up(until=until, desired=desired)

    def caught_up(self, cursor: int | None) -> bool:
        """True once there is nothing more to decide (or no live thread to decide it)."""
        thread = self.thread
        return thread is None or not thread.alive or cursor is None or self.slot.cursor >= cursor

    def take(self) -> bool:
        """Stop the thread after the batch it is deciding (its worker goes to the engine thread);
        False if it is still busy after :data:`PROMOTE_WAIT`."""
        thread = self.thread
        if thread is None:
            return True
        with thread.held(PROMOTE_WAIT) as got:
            if not got:
                return False
            thread.stopping()  # the thread takes no more batches
        thread.stop(PROMOTE_WAIT)
        self.thread = None
        return True

    def stop(self, *, close_worker: bool) -> bool:
        """Stop the thread (closing its worker ends a call it hangs in); True once it ended."""
        thread, self.thread = self.thread, None
        if thread is None:
            return True
        thread.stopping()
        if close_worker:
            self.slot.strategy.runner.close()
        return thread.stop(PROMOTE_WAIT)

    def shown(self, make: Callable[[], dict[str, Any]]) -> dict[str, Any] | None:
        """``make()`` when the slot is free within :data:`STATUS_WAIT`, else the last one shown."""
        thread = self.thread
        if thread is None:
            return make()
        with thread.held(STATUS_WAIT) as got:
            if got:
                self._shown = make()
        return self._shown

    def shutdown(self) -> None:
        """Host shutdown: a final snapshot unless the candidate hangs in its worker (it then resumes from
        its last one), then its worker and its journal connection closed."""
        try:
            if self.stop(close_worker=False):
                self.slot.snapshot()
        finally:
            self.slot.strategy.runner.close()
            self.slot.close_journal()
