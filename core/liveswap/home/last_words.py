"""What a host that is no longer running said last: its exit reason, else its log's last line.

A host killed by ``kill -9`` or a power cut leaves ``status.json`` saying ``running: true``; only
the heartbeat's age tells the truth. ``liveswap status`` then prints "not running (last heartbeat
N s ago, last words: ...)", the words coming from here. Standard library only, and no pathlib (a CLI fast path).
"""

from __future__ import annotations

import os
import re

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (``liveswap status`` imports this module)
if TYPE_CHECKING:
    from typing import Any

__all__ = ["HOST_LOG", "last_words"]

HOST_LOG = "logs/liveswap.log"
_TAIL_BYTES = 8192
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_LOG_LINE = re.compile(r"^\S+ (\d\d:\d\d:\d\d)\S* \| (\w+)\s*\| \S+ - (.*)$")
"""The log file's format: ``2026-11-25 17:30:57.820 | INFO     | module:function:line - message``."""


def last_words(state_dir: str | os.PathLike[str], status: dict[str, Any] | None = None) -> str | None:
    """The exit reason the host recorded in ``status`` if any, else the last line of its log
    (one line, at most 200 characters), or None."""
    reason = (status or {}).get("exit_reason")
    if isinstance(reason, str) and reason.strip():
        return _one_line(reason)
    log = os.path.join(state_dir, HOST_LOG)
    try:
        with open(log, "rb") as fh:
            fh.seek(max(0, os.fstat(fh.fileno()).st_size - _TAIL_BYTES))
            tail = fh.read().decode("utf-8", "replace")
    except OSError:
        return None
    lines = [line for line in tail.splitlines() if line.strip()]
    if not lines:
        return None
    parsed = _LOG_LINE.match(lines[-1])
    return _one_line(" ".join(parsed.groups()) if parsed else lines[-1])


def _one_line(text: str) -> str:
    text = " ".join(_ANSI.sub("", text).split())
    return text if len(text) <= 200 else text[:199] + "…"
