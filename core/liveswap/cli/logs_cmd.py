"""``liveswap logs [--worker] [-n N] [-f]``: the end of the host's log, or of the active worker's.

The host's log is ``state/logs/liveswap.log``; a worker's is ``state/logs/worker-NAME-VERSION.log``
(its stdout and stderr). ``--worker`` picks the version ``status.json`` says is active; with
``-f`` it follows the log as it grows, across the host's log rotation and, for ``--worker``,
across swaps (it moves to the new active version's log and says so). Worker output is strategy
output, and the host's log quotes strategies (fault reasons): control characters are shown
escaped in both.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from pathlib import Path
from typing import BinaryIO

from liveswap.cli.common import CommandError, add_home, home_dir
from liveswap.logs import LOG_DIR, host_log, worker_log

POLL_SECONDS = 0.2


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("logs", help="the host's log (or the active worker's), optionally following it",
                       description="Print the end of state/logs/liveswap.log (the host), or with --worker "
                                   "of state/logs/worker-NAME-VERSION.log (the active version's worker).")
    add_home(p)
    p.add_argument("--worker", action="store_true", help="the active strategy version's worker log instead")
    p.add_argument("-n", "--lines", type=int, default=40, metavar="N", help="lines to show (default 40)")
    p.add_argument("-f", "--follow", action="store_true", help="keep printing new lines until Ctrl-C")
    p.set_defaults(func=run)


def _active_worker_log(state_dir: Path) -> Path | None:
    """The active version's worker log, from status.json (None if no host ever said)."""
    try:
        active = json.loads((state_dir / "status.json").read_text(encoding="utf-8")).get("active") or {}
        name, version = active["name"], active["version"]
    except (OSError, ValueError, AttributeError, KeyError, TypeError):
        return None
    if not isinstance(name, str) or not isinstance(version, str) or "/" in name + version:
        return None
    return worker_log(state_dir, name, version)


def _target(state_dir: Path, worker: bool) -> Path:
    if not worker:
        return host_log(state_dir)
    path = _active_worker_log(state_dir)
    if path is None:
        raise CommandError(f"no active strategy version known on {state_dir.parent} (no state/status.json)")
    return path


def _tail(fh: BinaryIO, lines: int) -> bytes:
    """The last ``lines`` lines of the open file ``fh``, which is left at its end."""
    end = pos = fh.seek(0, os.SEEK_END)
    data = b""
    while pos > 0 and data.count(b"\n") <= lines:
        step = min(8192, pos)
        pos -= step
        fh.seek(pos)
        data = fh.read(step) + data
    fh.seek(end)
    kept = data.splitlines(keepends=True)[-lines:] if lines > 0 else []
    return b"".join(kept)


def _show(data: bytes, worker: bool) -> None:
    if not data:
        return
    from liveswap.cli.render import clean

    # the host's log quotes strategies too (fault reasons, exception text): no control sequences either way
    text = "".join(clean(line) + "\n" for line in data.decode("utf-8", errors="replace").splitlines())
    sys.stdout.write(text)
    sys.stdout.flush()


def run(args: argparse.Namespace) -> int:
    state_dir = home_dir(args.home) / "state"
    path = _target(state_dir, args.worker)
    fh = _open_at(path, 0)
    if fh is None and not args.follow:
        raise CommandError(f"no log yet at {path} (logs are written under {state_dir / LOG_DIR} by liveswap run)")
    if fh is not None:
        _show(_tail(fh, max(0, args.lines)), args.worker)
    if args.follow:
        with contextlib.suppress(KeyboardInterrupt):  # the way to stop following (as status --watch): not an error
            follow(state_dir, path, fh, worker=args.worker)
    elif fh is not None:
        fh.close()
    return 0


def follow(state_dir: Path, path: Path, fh: BinaryIO | None, *, worker: bool) -> None:
    """Print what is appended to ``path`` until interrupted (like ``tail -F``): the open file is read
    to its end before moving to a new file at the same path (a rotation) or, for ``--worker``, to
    the log of the version that became active (a swap). ``fh`` is ``path`` opened at the point to
    follow from (None if it does not exist yet)."""
    pending = b""
    try:
        while True:
            if fh is not None:
                pending = _drain(fh, pending, worker)
            if worker:
                now = _active_worker_log(state_dir)
                if now is not None and now != path:
                    path = now
                    print(f"--- the active version changed: following {path.name}", flush=True)
                    fh, pending = _reopen(fh, path), b""
                    continue
            if fh is None or _ident(path) != _fd_ident(fh):  # created, rotated or replaced
                if fh is not None:
                    pending = _drain(fh, pending, worker)
                fh, pending = _reopen(fh, path), b""
                continue
            time.sleep(POLL_SECONDS)
    finally:
        if fh is not None:
            fh.close()


def _open_at(path: Path, offset: int) -> BinaryIO | None:
    try:
        fh = open(path, "rb")  # noqa: SIM115 - held open across polls, closed by follow()
    except OSError:
        return None
    fh.seek(offset)
    return fh


def _reopen(old: BinaryIO | None, path: Path) -> BinaryIO | None:
    if old is not None:
        old.close()
    return _open_at(path, 0)


def _drain(fh: BinaryIO, pending: bytes, worker: bool) -> bytes:
    """Print the whole lines appended since the last read; returns the unfinished tail."""
    data = pending + fh.read()
    complete = data.rfind(b"\n") + 1
    _show(data[:complete], worker)
    return data[complete:]


def _fd_ident(fh: BinaryIO) -> tuple[int, int]:
    st = os.fstat(fh.fileno())
    return st.st_dev, st.st_ino


def _ident(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino
