"""What a host that is no longer running said last: its exit reason, else its log's last line.

A host killed by ``kill -9`` or a power cut leaves ``status.json`` saying ``running: true``; only
the heartbeat's age tells the truth. ``liveswap status`` then prints "not running (last heartbeat
N s ago, last words: ...)", the words coming from here. A CLI fast path: standard library only,
and neither pathlib nor re (the log line is taken apart by hand; tests/home/test_last_words.py
checks it against the regular expressions it replaces).
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (``liveswap status`` imports this module)
if TYPE_CHECKING:
    from typing import Any

__all__ = ["HOST_LOG", "last_words"]

HOST_LOG = "logs/liveswap.log"
_TAIL_BYTES = 8192
_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_PARAMS = frozenset("0123456789;")


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
    parsed = parse_log_line(lines[-1])
    return _one_line(" ".join(parsed) if parsed else lines[-1])


def parse_log_line(line: str) -> tuple[str, str, str] | None:
    """``(time, level, message)`` of a line of the host's log, else None. The format:
    ``2026-11-25 17:30:57.820 | INFO     | module:function:line - message``, i.e. the regular
    expression ``^\\S+ (\\d\\d:\\d\\d:\\d\\d)\\S* \\| (\\w+)\\s*\\| \\S+ - (.*)$``."""
    date, _, rest = line.partition(" ")
    if not date or not _solid(date) or "\n" in line:
        return None
    clock, rest = rest[:8], rest[8:]
    if len(clock) != 8 or clock[2::3] != "::" or not (clock[:2] + clock[3:5] + clock[6:]).isdecimal():
        return None
    end = next((i for i, c in enumerate(rest) if c.isspace()), len(rest))  # the fraction of a second
    if rest[end:end + 3] != " | ":
        return None
    rest = rest[end + 3:]
    end = next((i for i, c in enumerate(rest) if not (c.isalnum() or c == "_")), len(rest))
    level, rest = rest[:end], rest[end:]
    rest = rest.lstrip()
    if not level or not rest.startswith("| "):
        return None
    source, sep, message = rest[2:].partition(" - ")
    if not sep or not source or not _solid(source):
        return None
    return clock, level, message


def _solid(text: str) -> bool:
    """No whitespace at all (``\\S+``)."""
    return not any(c.isspace() for c in text)


def strip_ansi(text: str) -> str:
    """``text`` without terminal colour codes (``ESC [ digits-and-semicolons letter``)."""
    out: list[str] = []
    i = 0
    while (j := text.find("\x1b[", i)) >= 0:
        k = j + 2
        while k < len(text) and text[k] in _PARAMS:
            k += 1
        if k < len(text) and text[k] in _LETTERS:
            out.append(text[i:j])
            i = k + 1
        else:
            out.append(text[i:j + 1])
            i = j + 1
    out.append(text[i:])
    return "".join(out)


def _one_line(text: str) -> str:
    text = " ".join(strip_ansi(text).split())
    return text if len(text) <= 200 else text[:199] + "…"
