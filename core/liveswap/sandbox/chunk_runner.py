"""``ChunkRunner``: a :class:`~liveswap.sandbox.runner.SandboxRunner` that also decides runs of
batches in one round trip (the ``chunk`` request of :mod:`liveswap.sandbox.chunk`).

Everything else -- spawning, the sandbox, faults, the bounded reader -- is the sandbox runner's
(its :class:`~liveswap.sandbox.link.WorkerLink` reads the progress frames too).
The hook time limit holds per batch as live: the worker reports progress at least every quarter
of the limit, and the host gives up when no frame came within the limit plus that quarter (a
hung batch is caught within 1.25x the limit, never later).
"""

from __future__ import annotations

import marshal
from typing import Any

from liveswap.exceptions import ProtocolError
from liveswap.sandbox import protocol
from liveswap.sandbox.chunk import PROGRESS_PREFIX
from liveswap.sandbox.runner import SandboxRunner

MAX_DIGITS = 9


class ChunkRunner(SandboxRunner):
    """A sandboxed version that can decide many batches per round trip (see the module docstring)."""

    chunk_done = 0
    """Batches of the last chunk decided before it ended (or before its fault)."""

    def run_chunk(self, *, batches: list[tuple[int, list[tuple[Any, ...]]]], balance: float,
                  params: dict[str, Any], positions: dict[str, list[dict[str, Any]]],
                  fills: list[tuple[Any, ...]], settlements: list[tuple[Any, ...]],
                  events: dict[int, tuple[Any, ...]] | None = None) -> tuple[int, list[Any] | None]:
        """Decide ``batches`` in order (``events``: what settles at a batch, see :mod:`liveswap.sandbox.chunk`);
        ``(n, outputs)``: the worker stopped after batch ``n``
        (1-based) with those raw outputs (decoded like a live batch's), or decided all ``n`` with
        nothing to trade (``None``). Any failure raises :class:`StrategyFault` like a live call."""
        quarter = self.hook_timeout / 4
        payload = marshal.dumps(("chunk", batches, (balance, params, self.version), positions, fills, settlements,
                                 events or {}, quarter))
        frame = protocol.HEADER.pack(len(payload)) + payload
        with self.gate.call():
            self.chunk_done = 0
            limit = protocol.batch_reply_limit(max(len(candles) for _, candles in batches))
            # each frame refused from its header when larger than a live reply of the run's largest batch
            reply = self._link.exchange(frame, "run_batch", self.hook_timeout + quarter, max_bytes=limit,
                                        progress=lambda payload: self._progress_frame(payload, len(batches)))
            value = self._link.interpret(reply, "run_batch")
            if (type(value) is not list or len(value) != 2 or type(value[0]) is not int
                    or not 1 <= value[0] <= len(batches)):
                self._link.die("protocol",
                               f"worker answered a chunk of {len(batches)} batches with {str(value)[:80]!r}")
            done, raw = value
            self.chunk_done = done
            if raw is None:
                if done != len(batches):
                    self._link.die("protocol",
                                   f"worker stopped a chunk at batch {done} of {len(batches)} without outputs")
                return done, None
            try:
                outputs = protocol.decode_outputs(raw, len(batches[done - 1][1]))
            except ProtocolError as exc:
                self._link.die("protocol", str(exc))
            return done, outputs

    def _progress_frame(self, payload: bytes, count: int) -> bool:
        """True for a progress frame (the worker's count of batches decided so far), after checking it."""
        if not payload.startswith(PROGRESS_PREFIX):
            return False
        self.chunk_done = self._progress(payload, count)
        return True

    def _progress(self, payload: bytes, count: int) -> int:
        digits = payload[len(PROGRESS_PREFIX):-1]
        if not payload.endswith(b"}") or not digits.isdigit() or len(digits) > MAX_DIGITS:
            self._link.die("protocol", f"worker sent a malformed progress frame {payload[:40]!r}")
        done = int(digits)
        if not self.chunk_done <= done <= count:
            self._link.die("protocol", f"worker reported progress {done} of a chunk of {count} batches")
        return done
