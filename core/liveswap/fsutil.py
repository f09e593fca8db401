"""Atomic file writes: temp file in the same folder, fsync, rename. Readers never see half a file."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def atomic_write_bytes(path: Path, data: bytes, *, durable: bool = True, make_parents: bool = True) -> None:
    """Replace ``path`` with ``data`` atomically (and, if ``durable``, fsync'd). With
    ``make_parents=False`` a missing folder is an error (a host never recreates a removed state/)."""
    if make_parents:
        path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if durable:
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def atomic_write_json(path: Path, obj: Any, *, durable: bool = True, make_parents: bool = True) -> None:
    data = json.dumps(obj, indent=2, sort_keys=True, allow_nan=False).encode() + b"\n"
    atomic_write_bytes(path, data, durable=durable, make_parents=make_parents)


def read_json(path: Path) -> Any:
    """Parsed JSON of ``path``; raises ``FileNotFoundError`` or ``ValueError`` with the reason."""
    text = path.read_text(encoding="utf-8")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path.name}: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from exc
