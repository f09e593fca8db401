"""The host <-> worker wire format: length-prefixed frames over two dedicated pipes.

A frame is a 4-byte big-endian payload length followed by the payload. The two directions are
deliberately different:

- host -> worker, *requests*: a :mod:`marshal`-encoded tuple ``(op, *args)``. The host is trusted
  and marshal is the cheapest encoding of tuples of numbers and strings in CPython (a 9-candle
  batch is about 6 us to encode here, against about 23 us for JSON).
- worker -> host, *replies*: UTF-8 JSON, one object, ``{"ok": value}`` or
  ``{"fault": kind, "reason": "one line"}``. The worker runs untrusted strategy code, so nothing
  it sends is ever unmarshalled or unpickled: it is parsed as JSON and checked for shape.

Strategy state on the swap's commit path is *relayed*, not decoded: ``export_json`` answers
``{"ok": <state JSON>}`` and the host cuts the state's JSON bytes out of the frame
(:func:`state_json_of`) and sends them, as one marshalled ``bytes`` argument, in ``import_json`` to
the new worker, which parses them (and refuses anything but an object). The host never parses or
re-encodes a state it only passes on, so the commit costs one ``json.dumps`` in the old worker,
two pipe copies and one ``json.loads`` in the new one (it cost three encodes and four decodes).

Candles, contexts, fills and settlements travel as positional field tuples (``Candle(*values)``);
both ends import the same ``liveswap`` package, so field order agrees. A batch's contexts are sent
once each (the 9 candles of a batch usually share one). ``Intent`` objects in ``on_candle``
outputs are encoded by the worker as ``["__intent__", market, side, stake, max_price, tag]`` and
rebuilt by the host; any other output crosses as plain JSON, untouched (the engine validates it).
An output JSON cannot carry is a ``garbage`` fault raised in the worker.

This module has no third-party imports: the worker imports it before any strategy code.
"""

from __future__ import annotations

import contextlib
import json
import marshal
import os
import select
import struct
import time
from dataclasses import fields
from operator import attrgetter
from typing import Any

from liveswap.api.types import Candle, Context, Fill, Intent, Settlement
from liveswap.exceptions import ChannelClosed, ChannelTimeout, GarbageReply, ProtocolError
from liveswap.exceptions import ChannelError as ChannelError

HEADER = struct.Struct(">I")
DEFAULT_MAX_FRAME = 64 * 1024 * 1024
"""The largest request frame a worker reads (the host is trusted; this only stops a runaway)."""
SMALL_REPLY_BYTES = 64 * 1024
"""The largest reply to ``load``, ``setup``, ``params``, ``import``, ``ping`` and ``close``."""
BATCH_REPLY_BASE_BYTES = 64 * 1024
BATCH_REPLY_BYTES_PER_CANDLE = 128 * 1024
"""A batch reply may hold this much per candle (on top of the base): the engine takes at most 32
intents for one candle (33 are sent), under 90 KiB of JSON even with 200-character tags of
escaped emoji; one of plain tags is about 9 KiB. Anything larger is refused from the
frame's header, before its bytes are read or parsed."""
CANDLE_OUTPUT_CAP = 33
"""The worker sends at most this many outputs of one candle: one more than the engine takes
(``engine.intents.MAX_INTENTS_PER_CANDLE``), so a longer list is still refused there as too long,
without the million-item list being encoded, sent and parsed."""
STATE_REPLY_OVERHEAD = 64
MAX_REASON_CHARS = 2000
"""A fault's reason is cut to this many characters by the worker (the host keeps one line of 500)."""
REPLY_KEYS = (frozenset({"ok"}), frozenset({"fault", "reason"}))
"""The only two shapes of a reply: any other key (padding, extras) is a ``garbage`` fault."""
INTENT_TAG = "__intent__"
STATE_OK_PREFIX = b'{"ok":'

_CANDLE_VALUES = attrgetter(*(f.name for f in fields(Candle)))
_CONTEXT_VALUES = attrgetter(*(f.name for f in fields(Context)))
_FILL_VALUES = attrgetter(*(f.name for f in fields(Fill)))
_SETTLEMENT_VALUES = attrgetter(*(f.name for f in fields(Settlement)))
_INTENT_VALUES = attrgetter(*(f.name for f in fields(Intent)))

MAX_INT_DIGITS = 18
"""An integer in a reply with more digits than this is garbage (``10**400``): no figure the host
handles is that large, and such a number cannot be checked with floats (``math.isfinite`` raises)."""

_dumps = json.JSONEncoder(separators=(",", ":")).encode


def _no_constant(name: str) -> Any:
    raise GarbageReply(f"worker sent {name}, which JSON does not allow")


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise GarbageReply(f"worker sent an integer of {len(text.lstrip('-'))} digits")
    return int(text)


_decoder = json.JSONDecoder(parse_constant=_no_constant, parse_int=_bounded_int)


def _loads(payload: bytes) -> Any:
    """Strict JSON of a reply: no NaN/Infinity, no integer past :data:`MAX_INT_DIGITS` digits."""
    return _decoder.decode(payload.decode("utf-8"))




# -- requests (host -> worker, marshal) -----------------------------------------------------


def encode_request(op: str, *args: Any) -> bytes:
    """One request frame. ``args`` must be plain data (JSON-like: dict, list, str, numbers, None)."""
    payload = marshal.dumps((op, *args))
    return HEADER.pack(len(payload)) + payload


def encode_batch(candles: list[tuple[Candle, Context]], fills: list[Fill], settlements: list[Settlement]) -> bytes:
    """The ``batch`` request for one :class:`~liveswap.runners.base.Batch`."""
    index: dict[int, int] = {}
    contexts: list[tuple[Any, ...]] = []
    rows: list[tuple[Any, int]] = []
    for candle, ctx in candles:
        i = index.get(id(ctx))
        if i is None:
            i = index[id(ctx)] = len(contexts)
            contexts.append(_CONTEXT_VALUES(ctx))
        rows.append((_CANDLE_VALUES(candle), i))
    return encode_request(
        "batch", rows, contexts, [_FILL_VALUES(f) for f in fills], [_SETTLEMENT_VALUES(s) for s in settlements]
    )


def decode_request(payload: bytes) -> tuple[Any, ...]:
    """Worker side: ``(op, *args)``."""
    return marshal.loads(payload)  # type: ignore[no-any-return]


def decode_batch(
    rows: list[tuple[Any, int]], contexts: list[tuple[Any, ...]], fills: list[Any], settlements: list[Any]
) -> tuple[list[tuple[Candle, Context]], list[Fill], list[Settlement]]:
    """Worker side of :func:`encode_batch`."""
    ctxs = [Context(*x) for x in contexts]
    return [(Candle(*c), ctxs[i]) for c, i in rows], [Fill(*f) for f in fills], [Settlement(*s) for s in settlements]


# -- replies (worker -> host, JSON) ---------------------------------------------------------


def _frame(payload: bytes) -> bytes:
    return HEADER.pack(len(payload)) + payload


def encode_ok(value: Any) -> bytes:
    """Worker side: a successful reply (``value`` must be JSON-serialisable)."""
    return _frame(_dumps({"ok": value}).encode())


def encode_fault(kind: str, reason: str) -> bytes:
    """Worker side: a fault reply (the reason cut to :data:`MAX_REASON_CHARS`)."""
    return _frame(_dumps({"fault": kind, "reason": reason[:MAX_REASON_CHARS]}).encode())


def batch_reply_limit(candles: int) -> int:
    """The largest reply the host reads for a batch of ``candles`` candles."""
    return BATCH_REPLY_BASE_BYTES + candles * BATCH_REPLY_BYTES_PER_CANDLE


def encode_state_ok(state_json: bytes) -> bytes:
    """Worker side: the reply to ``export_json``, the state's JSON bytes spliced in as the ``ok`` value."""
    return _frame(STATE_OK_PREFIX + state_json + b"}")


def state_json_of(payload: bytes) -> bytes | None:
    """Host side: the state JSON bytes of an ``export_json`` reply, *not parsed* (they are relayed to
    another worker as they are); ``None`` if the payload is not an ``ok`` object or null (then it is a
    fault, or garbage: decode it with :func:`decode_reply`). Whatever the bytes hold, the host never
    interprets them; the importing worker parses them as JSON and refuses anything but an object."""
    if payload.startswith(STATE_OK_PREFIX + b"{") and payload.endswith(b"}}"):
        return payload[len(STATE_OK_PREFIX):-1]
    if payload == STATE_OK_PREFIX + b"null}":
        return b"null"
    return None


MAX_TAG_CHARS = 200
"""An intent's tag is cut to this many characters by the worker (the engine keeps as many)."""


def _tag(item: Any) -> Any:
    if type(item) is not Intent:
        return item
    values = _INTENT_VALUES(item)
    tag = values[-1]
    if type(tag) is not str or len(tag) <= MAX_TAG_CHARS:
        return (INTENT_TAG, *values)
    return (INTENT_TAG, *values[:-1], tag[:MAX_TAG_CHARS])


def encode_outputs(outputs: list[Any]) -> bytes:
    """Worker side: the reply to a batch. Raises ``TypeError``/``ValueError`` for unencodable outputs."""
    wire = [
        [_tag(item) for item in out[:CANDLE_OUTPUT_CAP]] if type(out) in (list, tuple) else _tag(out)
        for out in outputs
    ]
    return encode_ok(wire)


def decode_reply(payload: bytes) -> dict[str, Any]:
    """Host side: parse one reply into a JSON object, or raise :class:`ProtocolError`
    (:class:`GarbageReply` for NaN, Infinity or a huge integer). Never raises anything else."""
    try:
        message = _loads(payload)
    except GarbageReply:
        raise
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ProtocolError(f"worker sent a frame that is not JSON ({len(payload)} bytes): {exc}") from None
    if type(message) is not dict:
        raise ProtocolError(f"worker sent a JSON {type(message).__name__}, not an object")
    if message.keys() not in REPLY_KEYS:
        extra = sorted(set(message) - {"ok", "fault", "reason"})[:3]
        raise GarbageReply(f"worker sent a reply with keys {sorted(message)[:5]!r}"
                           f"{' (unknown: ' + repr(extra) + ')' if extra else ''}; a reply is ok, or fault and reason")
    return message


HELLO_FIELDS: dict[str, type] = {"pid": int, "nonce": str, "in_force": list, "network_isolated": bool,
                                 "network_reason": str, "limit_problems": list, "implements": list, "python": str}


def hello_problem(hello: Any) -> str | None:
    """Host side: what is wrong with a handshake (the ``ok`` value of ``load``), or ``None``: exactly
    the keys of :data:`HELLO_FIELDS`, each of its type, every list made of strings."""
    if type(hello) is not dict:
        return f"the handshake is a {type(hello).__name__}, not an object"
    if hello.keys() != HELLO_FIELDS.keys():
        odd = sorted(set(hello) ^ set(HELLO_FIELDS))[:4]
        return f"the handshake has unknown or missing keys {odd!r}"
    for key, kind in HELLO_FIELDS.items():
        value = hello[key]
        if type(value) is not kind or (kind is list and any(type(x) is not str for x in value)):
            return f"the handshake's {key} is not a {kind.__name__}" + (" of strings" if kind is list else "")
    return None


def _untag(item: Any) -> Any:
    if type(item) is list and len(item) == 6 and item[0] == INTENT_TAG:
        return Intent(*item[1:])
    return item


def decode_outputs(value: Any, expected: int) -> list[Any]:
    """Host side: the ``ok`` value of a batch reply, intents rebuilt; :class:`ProtocolError` if the shape is off."""
    if type(value) is not list or len(value) != expected:
        got = f"{len(value)} outputs" if type(value) is list else f"a {type(value).__name__}"
        raise ProtocolError(f"worker answered a batch of {expected} candle(s) with {got}")
    try:
        return [
            _untag(out) if type(out) is not list or (out and out[0] == INTENT_TAG) else [_untag(i) for i in out]
            for out in value
        ]
    except Exception as exc:  # noqa: BLE001 - nothing a worker sends raises anything else into the host
        raise ProtocolError(f"worker's batch reply cannot be decoded: {type(exc).__name__}") from None


# -- host side: a channel with deadlines -----------------------------------------------------


class Channel:
    """The host's end: write requests and read replies, each bounded by a deadline.

    Both fds are non-blocking; a worker that stops reading or writing cannot block the host past
    the deadline. A frame larger than the limit of the reply expected (``recv``'s ``limit``, else
    ``max_frame``) is a :class:`GarbageReply` as soon as its header is read: its bytes are never
    read, kept or parsed.
    """

    def __init__(self, read_fd: int, write_fd: int, *, max_frame: int = DEFAULT_MAX_FRAME) -> None:
        self.read_fd = read_fd
        self.write_fd = write_fd
        self.max_frame = max_frame
        os.set_blocking(read_fd, False)
        os.set_blocking(write_fd, False)
        self._buf = bytearray()
        self._closed = False
        self._rpoll = select.poll()
        self._rpoll.register(read_fd, select.POLLIN)
        self._wpoll = select.poll()
        self._wpoll.register(write_fd, select.POLLOUT)

    def send(self, frame: bytes, deadline: float) -> None:
        view = memoryview(frame)
        while view:
            try:
                n = os.write(self.write_fd, view)
            except BlockingIOError:
                n = 0
            except (BrokenPipeError, ConnectionResetError):
                raise ChannelClosed("worker closed its request pipe") from None
            view = view[n:]
            if view:
                self._wait(self._wpoll, deadline, "sending")

    def recv(self, deadline: float, limit: int | None = None) -> bytes:
        """One frame's payload, of at most ``limit`` bytes (default ``max_frame``)."""
        buf = self._buf
        cap = self.max_frame if limit is None else min(limit, self.max_frame)
        while True:
            if len(buf) >= 4:
                (size,) = HEADER.unpack_from(buf)
                if size > cap:
                    raise GarbageReply(f"worker announced a {size}-byte reply, more than the {cap} bytes allowed")
                if len(buf) >= 4 + size:
                    payload = bytes(buf[4:4 + size])
                    del buf[:4 + size]
                    return payload
            try:
                chunk = os.read(self.read_fd, 1 << 16)
            except BlockingIOError:
                self._wait(self._rpoll, deadline, "waiting for the reply")
                continue
            if not chunk:
                raise ChannelClosed("worker closed its reply pipe")
            buf += chunk

    @staticmethod
    def _wait(poller: select.poll, deadline: float, doing: str) -> None:
        left = deadline - time.monotonic()
        if left <= 0:
            raise ChannelTimeout(f"deadline passed while {doing}")
        poller.poll(max(1, int(left * 1000 + 0.999)))  # ready or timed out: the caller retries

    def close(self) -> None:
        """Close both fds (once: a closed fd number may already belong to someone else)."""
        if self._closed:
            return
        self._closed = True
        for fd in (self.read_fd, self.write_fd):
            with contextlib.suppress(OSError):
                os.close(fd)


# -- worker side: blocking reads and writes ---------------------------------------------------


def read_frame(fd: int) -> bytes | None:
    """Worker side: the next request's payload, or None at end of file (the host went away)."""
    header = _read_exact(fd, 4)
    if header is None:
        return None
    (size,) = HEADER.unpack(header)
    return _read_exact(fd, size) if size else b""


def _read_exact(fd: int, n: int) -> bytes | None:
    chunks: list[bytes] = []
    while n:
        chunk = os.read(fd, n)
        if not chunk:
            return None
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def write_frame(fd: int, frame: bytes) -> None:
    """Worker side: write one whole frame (blocking)."""
    view = memoryview(frame)
    while view:
        view = view[os.write(fd, view):]
