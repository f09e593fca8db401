"""Reading and changing ``state/control.json``: whole-file validation, locked read/modify/write.

Every CLI change goes through :func:`update_control`: take ``state/control.lock`` (an OS file
lock, so concurrent commands queue instead of losing each other's update), read and validate the
current file, apply the change, bump ``generation``, validate the result, and replace the file
atomically (temp file + fsync + rename). A file that is already invalid (a hand edit gone wrong)
is never overwritten: the command refuses and names the field, so nobody loses an edit silently.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout
from loguru import logger
from pydantic import ValidationError

from liveswap.exceptions import ControlError
from liveswap.fsutil import atomic_write_json
from liveswap.home.control import ControlDoc, explain
from liveswap.home.control_fallback import desired_from_status
from liveswap.home.doorbell import ring
from liveswap.home.paths import CONTROL_FILE, CONTROL_LOCK_FILE, HomePaths
from liveswap.home.status import read_status

LOCK_TIMEOUT_SECONDS = 10.0


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not allowed (numbers must be finite)")


def parse_text(text: str, markets: Iterable[str] | None = None) -> ControlDoc:
    """Validate the text of a control file; raises :class:`ControlError` with a one-line reason."""
    if not text.strip():
        raise ControlError(f"{CONTROL_FILE}: empty file")
    try:
        data = json.loads(text, parse_constant=_no_constants)
    except json.JSONDecodeError as exc:
        raise ControlError(
            f"{CONTROL_FILE}: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    except ValueError as exc:  # NaN / Infinity: JSON Python reads, but not a finite number
        raise ControlError(f"{CONTROL_FILE}: not valid JSON ({exc})", generation=_generation_of(json.loads(text))) \
            from None
    try:
        return ControlDoc.parse(data, markets)
    except ValidationError as exc:
        raise ControlError(explain(exc, CONTROL_FILE), generation=_generation_of(data)) from None


def _generation_of(data: Any) -> int | None:
    """The generation a refused file claims, if it says one."""
    gen = data.get("generation") if isinstance(data, dict) else None
    return gen if isinstance(gen, int) and not isinstance(gen, bool) else None


def load_control(state_dir: Path, markets: Iterable[str] | None = None) -> ControlDoc | None:
    """The validated control file, None if there is none; :class:`ControlError` if it is bad."""
    path = HomePaths(state_dir).control
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ControlError(f"{CONTROL_FILE}: cannot read ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ControlError(f"{CONTROL_FILE}: not UTF-8 text") from None
    return parse_text(text, markets)


def read_desired(state_dir: Path, markets: Iterable[str] | None = None) -> ControlDoc | None:
    """The desired state a starting host should take, or None (no file, or an invalid one: logged)."""
    try:
        return load_control(state_dir, markets)
    except ControlError as exc:
        logger.error("{}; starting without it (fix the file: the host applies it as soon as it is valid)", exc)
        return None


Change = Callable[[dict[str, Any], int], dict[str, Any]]


def _rebuilt(state_dir: Path, markets: Iterable[str] | None) -> ControlDoc:
    """A missing control.json's stand-in: the desired state the host last applied (status.json),
    never the defaults while a host has run here (see :mod:`liveswap.home.control_fallback`)."""
    applied = desired_from_status(state_dir)
    if applied is None:
        return ControlDoc()
    try:
        doc = ControlDoc.parse(applied, markets)
    except ValidationError as exc:
        raise ControlError(f"state/{CONTROL_FILE} is missing and the desired state in status.json is not valid "
                           f"({explain(exc, 'status.json:')}); nothing was changed") from None
    if doc.generation > 0:  # generation 0: a fresh home, whose host never had a control.json to apply
        logger.warning("state/{} was missing: rebuilt from the desired state the host last applied (status.json)",
                       CONTROL_FILE)
    return doc


def update_control(state_dir: Path, change: Change, *, markets: Iterable[str] | None = None,
                   timeout: float = LOCK_TIMEOUT_SECONDS) -> ControlDoc:
    """Apply ``change(current_json, new_generation)`` to control.json under the lock; returns what was written.

    The new generation is one more than both the file's and the generation the host last
    reported, so deleting control.json never makes a generation go backwards.
    """
    state_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(HomePaths(state_dir).control_lock, timeout=timeout)
    try:
        with lock:
            try:
                current = load_control(state_dir)
            except ControlError as exc:
                raise ControlError(f"{exc}; fix or delete state/{CONTROL_FILE} (nothing was changed)") from None
            base = current if current is not None else _rebuilt(state_dir, markets)
            status = read_status(state_dir)
            generation = max(base.generation, status.observed_generation if status is not None else 0) + 1
            data = change(base.to_json(), generation)
            data["generation"] = generation
            try:
                doc = ControlDoc.parse(data, markets)
            except ValidationError as exc:
                raise ControlError(f"{explain(exc, 'refused:')} (nothing was changed)") from None
            atomic_write_json(HomePaths(state_dir).control, doc.to_json())
            ring(state_dir)  # a running host reads it now, not at its next idle poll
            return doc
    except Timeout:
        raise ControlError(f"state/{CONTROL_LOCK_FILE} is held by another liveswap command for more than {timeout:g}s; "
                           "try again") from None
