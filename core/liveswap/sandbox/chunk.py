"""The ``chunk`` request: many consecutive candle batches in one round trip (the backtest's wire).

A live host sends one batch per round trip. A backtest knows the batches ahead and what each
batch's contexts would hold *if nothing new is bought*: the balance, each market's open
positions, the params and the version change only when a position settles, and the host works
that out ahead from the candles (:mod:`liveswap.backtest.projection`). So the host sends a run of
batches with the context facts once and, for each batch in which something settles, the new
balance, the changed markets' positions and the settlements ``on_settle`` hears first. The
worker decides the batches in order, **stopping after the first batch whose decision is not
empty** (any output but ``None`` or an empty list, garbage included): its outputs go back and the
host books the run's settlements and fills that batch exactly as live, before sending the next
run, whose first batch delivers the fills. The strategy's hooks are therefore called in exactly
the order, with exactly the arguments, of a live host deciding the same candles one batch at a
time.

Request (marshal, host -> worker; the host is trusted)::

    ("chunk", batches, (balance, params, version), positions, fills, settlements, events,
     progress_every)

``batches`` is a list of ``(end, rows)`` (``rows``: candle field tuples of that close, in market
order); ``positions`` maps a market to its open positions; ``fills``/``settlements`` are field
tuples delivered before the first batch; ``events`` maps a batch's index (from 1) to
``(balance, {market: positions}, settlements)`` taking effect at that batch. Each candle gets its
own fresh context (as live, where each crosses the pipe on its own), built from the ``marshal``
bytes of its positions and params.

Replies (JSON, worker -> host, read by the same bounded reader as every reply): zero or more
``{"progress": n}`` frames (n batches decided so far: sent at most every ``progress_every``
seconds, and once before a fault, so the host holds each batch to the hook time limit and knows
where a fault happened), then ``{"ok": [n, outputs]}`` -- ``outputs`` the raw outputs of batch
``n`` (1-based) if it stopped there, or null when all ``n`` batches decided nothing -- or a fault.

This module imports only the API, the runner seam and the wire protocol (it runs in the worker).
"""

from __future__ import annotations

import marshal
import time
from collections.abc import Callable
from typing import Any

from liveswap.api.types import Candle, Context, Fill, Settlement
from liveswap.runners.base import Batch, BatchResult
from liveswap.sandbox import protocol

PROGRESS_PREFIX = b'{"progress":'


def encode_progress(done: int) -> bytes:
    """Worker side: ``n`` batches of the chunk are decided."""
    return _frame(PROGRESS_PREFIX + str(done).encode() + b"}")


def _frame(payload: bytes) -> bytes:
    return protocol.HEADER.pack(len(payload)) + payload


def _stopped_at(done: int, outputs: list[Any]) -> bytes:
    """``{"ok": [done, outputs]}`` with the outputs encoded by the batch reply's own encoder
    (:func:`~liveswap.sandbox.protocol.encode_outputs`: intents tagged, the same caps), spliced in."""
    batch = protocol.encode_outputs(outputs)[protocol.HEADER.size:]
    if not batch.startswith(protocol.STATE_OK_PREFIX) or not batch.endswith(b"}"):
        raise ValueError("unexpected batch reply layout")
    return _frame(b'{"ok":[%d,' % done + batch[len(protocol.STATE_OK_PREFIX):-1] + b"]}")


def _empty(output: Any) -> bool:
    """An output the engine would validate to no intent and no refusal."""
    return output is None or (type(output) in (list, tuple) and not output)


def run_chunk(run_batch: Callable[[Batch], BatchResult], request: tuple[Any, ...],
              write: Callable[[bytes], None]) -> bytes:
    """Decide the chunk's batches in order with ``run_batch``; returns the final reply frame.

    A :class:`~liveswap.runners.base.StrategyFault` (or ``MemoryError``) propagates after a
    progress frame naming the batches decided before it; the caller answers it as a fault."""
    batches, (balance, params, version), positions, fills, settlements, events, progress_every = request
    params_blob = marshal.dumps(params) if params else None
    blobs = {market: marshal.dumps(p) for market, p in positions.items() if p}
    first_fills = [Fill(*f) for f in fills]
    delivered = [Settlement(*s) for s in settlements]
    last = time.monotonic()
    for i, (end, rows) in enumerate(batches):
        event = events.get(i) if i else None
        if event is not None:  # settlements in this batch: the balance, positions and on_settle they bring
            balance, changed, settled = event
            for market, p in changed.items():
                if p:
                    blobs[market] = marshal.dumps(p)
                else:
                    blobs.pop(market, None)
            delivered = [Settlement(*s) for s in settled]
        candles: list[tuple[Candle, Context]] = []
        for row in rows:
            blob = blobs.get(row[0])
            candles.append((Candle(*row), Context(
                end, balance, marshal.loads(blob) if blob is not None else [],
                marshal.loads(params_blob) if params_blob is not None else {}, version)))
        try:
            result = run_batch(Batch(candles, first_fills if i == 0 else [], delivered))
            delivered = []
        except BaseException:
            write(encode_progress(i))
            raise
        outputs = result.outputs
        if not all(_empty(o) for o in outputs):
            try:
                return _stopped_at(i + 1, outputs)
            except (TypeError, ValueError, RecursionError):
                write(encode_progress(i))  # the caller answers a garbage fault of batch i + 1
                raise
        now = time.monotonic()
        if now - last >= progress_every:
            write(encode_progress(i + 1))
            last = now
    return protocol.encode_ok([len(batches), None])
