"""Plain-text rendering for the everyday commands (``status``, ``history``): tables and key/value
grids without rich, so they start in a blink.

Everything shown goes through :func:`clean` first: text from strategies (exception messages,
tags, names) is untrusted, and a control character in it must not drive the operator's terminal.
Nothing here interprets markup, so ``"[/]"`` or ``"[bold]x"`` in a message is printed as written.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (nor collections: `status` imports this)
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import TextIO

_CONTROL = {c: f"\\x{c:02x}" for c in (*range(0x00, 0x20), *range(0x7F, 0xA0))}
_CONTROL.update({c: f"\\u{c:04x}" for c in (0x061C, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, *range(0x202A, 0x202F),
                                              *range(0x2060, 0x2070), 0xFEFF, 0xFFF9, 0xFFFA, 0xFFFB)})
"""C0 and C1 controls (ESC starts every terminal sequence), and the invisible Unicode format
characters that reorder or hide text (bidi overrides and isolates, zero-width characters)."""


def clean(value: object) -> str:
    """``str(value)`` with every control character (ESC, CR, NUL, C1...) shown as ``\\xNN`` and every
    bidi or zero-width format character as ``\\uNNNN``: the one function every command passes
    untrusted text through before a terminal shows it."""
    return str(value).translate(_CONTROL)


def say(text: object, *, file: TextIO | None = None) -> None:
    """``print`` of :func:`clean` text, line by line (the line breaks kept, nothing else)."""
    print("\n".join(clean(line) for line in str(text).split("\n")), file=file)


def terminal_width(default: int = 100) -> int | None:
    """Columns of the terminal stdout writes to; None when it is not a terminal (no wrapping)."""
    try:
        if not sys.stdout.isatty():
            return None
        return os.get_terminal_size(sys.stdout.fileno()).columns
    except (OSError, ValueError, AttributeError):
        return default


def grid(rows: Sequence[tuple[str, str]]) -> str:
    """``key   value`` lines, keys padded to one column (a newline in a value is shown as ``\\x0a``)."""
    width = max((len(k) for k, _ in rows), default=0)
    return "\n".join(f"{clean(key):<{width}}  {clean(value)}".rstrip() for key, value in rows)


def table(title: str, headers: Sequence[str], rows: Sequence[Sequence[object]], *,
          right: Sequence[str] = (), width: int | None = None) -> str:
    """A titled table with aligned columns; the last column wraps to ``width`` if given.

    ``right`` names the columns aligned right (numbers).
    """
    cells = [[clean(c) for c in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        for i, c in enumerate(row):
            widths[i] = max(widths[i], len(c))
    fixed = sum(widths[:-1]) + 2 * (len(headers) - 1)
    if width is not None and headers:
        widths[-1] = max(len(headers[-1]), min(widths[-1], width - fixed), 20)

    def line(values: Sequence[str]) -> list[str]:
        last = widths[-1]
        tail = values[-1] if values else ""
        chunks = [tail[i:i + last] for i in range(0, len(tail), last)] if width is not None and tail else [tail]
        out = []
        for n, chunk in enumerate(chunks):
            parts = []
            for i, h in enumerate(headers[:-1]):
                v = values[i] if n == 0 else ""
                parts.append(f"{v:>{widths[i]}}" if h in right else f"{v:<{widths[i]}}")
            parts.append(f"{chunk:>{last}}" if headers[-1] in right else chunk)
            out.append("  ".join(parts).rstrip())
        return out

    body = [title] if title else []
    body += line(list(headers))
    body.append("  ".join("-" * w for w in widths))
    for row in cells:
        body += line(row)
    if not cells:
        body.append("(none)")
    return "\n".join(body)
