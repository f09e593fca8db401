"""A strategy state's JSON bytes, checked by the host before it relays, keeps or parses them.

A state crosses from one worker to another (a swap's hand-over), goes to the shelf and into
snapshots: the host checks it first, bounded: its size, its nesting counted from the brackets alone
in one linear pass (never by recursion), then strict JSON (no NaN) and an object. Standard
library only.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

MAX_STATE_DEPTH = 100
"""An exported state nested deeper than this (arrays and objects) is a ``garbage`` fault."""


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*+"')
_NOT_BRACKETS = bytes(c for c in range(256) if c not in b"[]{}")
_DEPTH_STEP = [1 if c in b"[{" else -1 if c in b"]}" else 0 for c in range(256)]
_state_decoder = json.JSONDecoder(parse_constant=_no_constant)


def too_deep(data: bytes, max_depth: int) -> bool:
    """Whether the JSON text ``data`` nests arrays and objects deeper than ``max_depth``: counted from
    its brackets alone (strings taken out) in one linear pass, without parsing it."""
    skeleton = _STRINGS.sub(b"", data).translate(None, _NOT_BRACKETS)
    return len(skeleton) > 2 * max_depth and max(accumulate(map(_DEPTH_STEP.__getitem__, skeleton))) > max_depth


def check_state_json(data: bytes, *, max_bytes: int, max_depth: int = MAX_STATE_DEPTH,
                     nesting_checked: bool = False) -> str | None:
    """Why ``data`` is not a strategy state the host may relay or keep (size, nesting, JSON, an
    object), or ``None``. Bounded: the size is checked first; the nesting from the brackets alone,
    strings taken out, in one linear pass (never recursion); only then is it parsed, at a
    depth the parser handles (``nesting_checked``: the caller counted it already). ``b"null"`` (no
    state) is fine."""
    if len(data) > max_bytes:
        return f"the state is {len(data)} bytes, more than the cap of {max_bytes} (max_state_bytes)"
    if data == b"null":
        return None
    if not nesting_checked and too_deep(data, max_depth):
        return f"the state is nested deeper than {max_depth} levels"
    try:
        value = _state_decoder.decode(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        return f"the state is not valid JSON: {str(exc)[:160]}"
    if type(value) is not dict:
        return f"the state is a JSON {type(value).__name__}, not an object"
    return None
