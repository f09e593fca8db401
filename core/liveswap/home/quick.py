"""The CLI's fast paths to a home's files: standard library only, no pydantic, no filelock, no re.

The operator's everyday commands (``status``, ``activate``, ``pause``...) must answer in a blink,
and importing pydantic alone costs several interpreter starts (even ``json`` and ``re`` cost most of
one: JSON goes through :mod:`liveswap.home.plainjson`, names are checked by hand). This module reads
``status.json`` as plain JSON, tells whether a host is running, and edits ``control.json`` under
the same OS lock as :func:`liveswap.home.control_store.update_control` (``flock`` on
``state/control.lock``, which is what ``filelock`` takes on Unix).

The edit is *conservative*: :func:`surely_valid` accepts only documents it can vouch for with
simple checks that are strictly narrower than the pydantic model (:class:`ControlDoc`); for
anything else :func:`update_control_quick` returns None and the caller takes the full, exact
path (which also words the refusal). A test checks that whatever this module accepts, the model
accepts too.
"""

from __future__ import annotations

import math
import os
import sys
import time

from liveswap.home import plainjson
from liveswap.home.doorbell import ring
from liveswap.home.paths import CATALOG_FILE, CONTROL_FILE, CONTROL_LOCK_FILE, HOST_PID_FILE, STATUS_FILE

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Any

    Path = str | os.PathLike[str]  # a folder, as a str or a pathlib.Path (nothing here needs pathlib)

STALE_HEARTBEATS = 3
LOCK_TIMEOUT_SECONDS = 10.0

_DIGITS = frozenset("0123456789")
_ALNUM = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") | _DIGITS
_NAME_CHARS = _ALNUM | frozenset("._-")
CONTROL_KEYS = frozenset({"active", "active_request", "rollback", "paused", "paused_markets", "params", "risk",
                          "generation", "resume_request", "candidate"})
CANDIDATE_DEFAULTS: dict[str, Any] = {"mode": "shadow", "markets": [], "analysis": {}, "auto_promote": False,
                                      "promote": None}
"""What :class:`liveswap.home.control.CandidateRequest` writes for the keys a file may leave out."""
RISK_KEYS = ("stake_cap", "max_open_positions", "daily_loss_limit")  # = liveswap.home.control.RISK_KEYS
POSITIVE_FLOAT = ("stake_cap", "daily_loss_limit")
NON_NEGATIVE_INT = ("max_open_positions",)


def _read_json(path: str, *, constants: bool = True) -> Any:
    """A JSON file's value; ``OSError`` or ``ValueError`` (not UTF-8, not JSON) if it cannot be read."""
    with open(path, encoding="utf-8") as fh:
        return plainjson.loads(fh.read(), constants=constants)


def read_status(state_dir: Path) -> dict[str, Any] | None:
    """status.json as written (plain JSON), or None if there is none or it is unreadable."""
    try:
        raw = _read_json(os.path.join(state_dir, STATUS_FILE))
    except (OSError, ValueError):
        return None
    return raw if isinstance(raw, dict) else None


def alive(status: dict[str, Any] | None, now: float | None = None) -> bool:
    """Running, with a heartbeat younger than three intervals (the same rule as ``StatusDoc.alive``)."""
    if not status or not status.get("running"):
        return False
    try:
        age = (time.time() if now is None else now) - float(status.get("heartbeat_at") or 0)
        return age <= STALE_HEARTBEATS * float(status.get("heartbeat_seconds") or 1)
    except (TypeError, ValueError):
        return False


def host_running(state_dir: Path, status: dict[str, Any] | None = None) -> int | None:
    """The pid of the host running on this home, or None if none is.

    A host is running if its heartbeat is fresh, or if the pid it wrote next to its lock
    (``host.pid``, removed at a clean stop) is a live process: that covers a host still starting,
    which has no fresh status yet. The lock itself is never probed: taking it even briefly could
    make a starting host refuse to start.
    """
    status = read_status(state_dir) if status is None else status
    if alive(status):
        pid = status.get("pid") if status else None
        return pid if isinstance(pid, int) else -1
    try:
        with open(os.path.join(state_dir, HOST_PID_FILE), encoding="utf-8") as fh:
            pid = int(fh.read().strip())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    return pid


def host_ceilings(state_dir: Path) -> tuple[dict[str, Any], int] | None:
    """The running host's start-up risk limits (``risk_ceilings`` in status.json) and its pid, or None when no
    host is running or it did not say."""
    status = read_status(state_dir)
    pid = host_running(state_dir, status)
    ceilings = (status or {}).get("risk_ceilings")
    if pid is None or not alive(status) or not isinstance(ceilings, dict):
        return None
    return ceilings, pid


def desired_generation(state_dir: Path) -> int | None:
    """The generation control.json asks for (unvalidated: status never fails on a bad file)."""
    try:
        gen = _read_json(os.path.join(state_dir, CONTROL_FILE)).get("generation")
    except (OSError, ValueError, AttributeError):
        return None
    return gen if isinstance(gen, int) and not isinstance(gen, bool) else None


# ---- control.json ---------------------------------------------------------------------------

def _int(x: Any, low: int = 0) -> bool:
    return isinstance(x, int) and not isinstance(x, bool) and x >= low


def _positive_float(x: Any) -> bool:
    """A number a float field with ``gt=0`` takes (an int too, within a float's range)."""
    if not isinstance(x, (int, float)) or isinstance(x, bool):
        return False
    try:
        return math.isfinite(x) and x > 0
    except OverflowError:  # an int beyond any float
        return False


def _as_the_model_writes(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` as :meth:`ControlDoc.to_json` would write it: the float risk limits as floats (``3`` -> ``3.0``),
    a candidate with every key (none at all when there is none)."""
    risk = {k: float(v) if k in POSITIVE_FLOAT else v for k, v in doc["risk"].items()}
    out = {**doc, "risk": risk}
    if out.get("candidate") is None:
        out.pop("candidate", None)
    else:
        out["candidate"] = {**CANDIDATE_DEFAULTS, **out["candidate"]}
    return out


def _finite_json(x: Any, depth: int = 0) -> bool:
    """Plain JSON with finite numbers, not absurdly nested."""
    if depth > 20:
        return False
    if x is None or isinstance(x, (bool, int, str)):
        return True
    if isinstance(x, float):
        return math.isfinite(x)
    if isinstance(x, list):
        return all(_finite_json(v, depth + 1) for v in x)
    if isinstance(x, dict):
        return all(isinstance(k, str) and _finite_json(v, depth + 1) for k, v in x.items())
    return False


def surely_known(state_dir: str, spec: str) -> bool:
    """True only if the last registry scan (``state/registry/catalog.json``) found ``spec``
    compatible and nothing it read has changed since: the catalog is newer than ``registry/`` (a
    wheel added, replaced or removed) and than this interpreter's ``site-packages`` folders (a pip
    install or upgrade, of a strategy or of liveswap itself). False means "ask the registry",
    never "unknown".

    The catalog is written by every full scan: the host's (at start and when ``registry/``
    changes), ``liveswap registry add|list``, and an ``activate`` that had to ask the registry, so
    on a home in use only the first ``activate`` after a change pays for the registry. The host
    checks every activation fully anyway; the catalog only spares the CLI a refusal it can tell
    at once.
    """
    catalog_path = os.path.join(state_dir, CATALOG_FILE)
    try:
        written = os.stat(catalog_path).st_mtime_ns
        if written < os.stat(os.path.join(os.path.dirname(state_dir), "registry")).st_mtime_ns:
            return False
        for entry in sys.path:
            if entry.endswith(("site-packages", "dist-packages")) and os.path.isdir(entry) \
                    and written < os.stat(entry).st_mtime_ns:
                return False
        versions = _read_json(catalog_path)["versions"]
        name, _, version = spec.partition("==")
        found = versions[name]
        return found[version] == "compatible" if version else "compatible" in found.values()
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False


def surely_spec(x: Any) -> bool:
    """``NAME`` or ``NAME==1.2.3``: certainly a spec :func:`liveswap.specs.parse_spec` accepts."""
    return _spec(x)


def surely_name(x: str) -> bool:
    """A project name :data:`liveswap.specs.NAME_RE` accepts (ASCII letters and digits at both
    ends, ``.``, ``_``, ``-`` between), checked without :mod:`re`."""
    return bool(x) and x[0] in _ALNUM and x[-1] in _ALNUM and all(c in _NAME_CHARS for c in x)


def surely_version(x: Any) -> bool:
    """``1``, ``1.2``, ``1.2.3`` or ``1.2.3.4`` (1 to 9 ASCII digits each): a subset of PEP 440
    that :func:`liveswap.specs.check_version` certainly accepts."""
    if not isinstance(x, str):
        return False
    parts = x.split(".")
    return len(parts) <= 4 and all(0 < len(p) <= 9 and all(c in _DIGITS for c in p) for p in parts)


def _spec(x: Any) -> bool:
    if not isinstance(x, str) or x != x.strip():
        return False
    name, sep, version = x.partition("==")
    return surely_name(name) and (not sep or surely_version(version))


def _known_markets(chosen: Any, markets: Iterable[str] | None) -> bool:
    """A list of distinct market names, each one this host trades."""
    if not isinstance(chosen, list) or len(set(map(str, chosen))) != len(chosen):
        return False
    known = set(markets) if markets is not None else set()
    return all(isinstance(m, str) and m in known for m in chosen)


def _surely_candidate(cand: Any, markets: Iterable[str] | None) -> bool:
    """A ``candidate`` (``liveswap shadow|canary|promote``) :class:`CandidateRequest` certainly accepts."""
    if cand is None:
        return True
    if not isinstance(cand, dict) or not set(cand) <= {"spec", *CANDIDATE_DEFAULTS, "request"}:
        return False
    c = {**CANDIDATE_DEFAULTS, **cand}
    if not _spec(c.get("spec")) or not _int(c.get("request")) or not (c["promote"] is None or _int(c["promote"])):
        return False
    if not isinstance(c["auto_promote"], bool) or not isinstance(c["analysis"], dict) \
            or not _finite_json(c["analysis"]):
        return False
    chosen = c["markets"]
    if c["mode"] == "shadow":
        return chosen == []
    return c["mode"] == "canary" and bool(chosen) and _known_markets(chosen, markets)


def surely_valid(doc: Any, markets: Iterable[str] | None) -> bool:
    """True only if ``doc`` is a control document the full model certainly accepts.

    False means "not sure" (the full model decides), never "invalid".
    """
    if not isinstance(doc, dict) or not set(doc) <= CONTROL_KEYS:
        return False
    active, rollback = doc.get("active"), doc.get("rollback")
    if active is not None and (rollback is not None or not _spec(active)):
        return False
    for key in ("active_request", "resume_request"):
        if doc.get(key) is not None and not _int(doc[key]):
            return False
    if rollback is not None:
        if not isinstance(rollback, dict) or set(rollback) - {"to", "request"} or not _int(rollback.get("request")):
            return False
        to = rollback.get("to")
        if to is not None and not surely_version(to):
            return False
    if not isinstance(doc.get("paused", False), bool) or not _int(doc.get("generation", 0)):
        return False
    if not _known_markets(doc.get("paused_markets", []), markets):
        return False
    if not _surely_candidate(doc.get("candidate"), markets):
        return False
    params, risk = doc.get("params", {}), doc.get("risk", {})
    if not isinstance(params, dict) or not _finite_json(params):
        return False
    if not isinstance(risk, dict):
        return False
    for key, value in risk.items():
        if key in POSITIVE_FLOAT:
            ok = _positive_float(value)
        elif key in NON_NEGATIVE_INT:
            ok = _int(value)
        else:
            ok = False
        if not ok:
            return False
    return True


DEFAULTS: dict[str, Any] = {"active": None, "active_request": None, "rollback": None, "paused": False,
                            "resume_request": None, "paused_markets": [], "params": {}, "risk": {}, "generation": 0}
"""Every key :meth:`ControlDoc.to_json` writes (without a candidate), at the model's defaults."""


class _Flock:
    """``flock`` on ``path``, waiting up to ``timeout`` seconds (what filelock does on Unix)."""

    def __init__(self, path: str, timeout: float) -> None:
        self.path, self.timeout, self.fd = path, timeout, -1

    def __enter__(self) -> _Flock:
        import fcntl

        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return self
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(self.fd)
                    raise TimeoutError(self.path) from None
                time.sleep(0.01)

    def __exit__(self, *exc: object) -> None:
        import fcntl

        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


def _write_atomic(path: str, doc: dict[str, Any]) -> None:
    """temp file + fsync + rename + directory fsync (as :func:`liveswap.fsutil.atomic_write_json`)."""
    data = plainjson.dumps(doc, indent=2, allow_nan=False).encode() + b"\n"
    folder = os.path.dirname(path)
    tmp = os.path.join(folder, f".{os.path.basename(path)}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def update_control_quick(state_dir: Path, change: Callable[[dict[str, Any], int], dict[str, Any]], *,
                         markets: Iterable[str] | None = None,
                         timeout: float = LOCK_TIMEOUT_SECONDS) -> dict[str, Any] | None:
    """``change(current, new_generation)`` applied to control.json under its lock; the document
    written, or None (nothing written) when this fast path cannot vouch for the file or the result,
    or there is no file yet (the full path rebuilds a missing one from the state the host applied).

    Same contract as :func:`liveswap.home.control_store.update_control`: the new generation is
    one more than both the file's and the host's ``observed_generation``. Raises ``TimeoutError``
    if another command holds the lock for ``timeout`` seconds.
    """
    markets = list(markets) if markets is not None else None
    os.makedirs(state_dir, exist_ok=True)
    path = os.path.join(state_dir, CONTROL_FILE)
    with _Flock(os.path.join(state_dir, CONTROL_LOCK_FILE), timeout):
        try:
            current = _read_json(path, constants=False)
        except (OSError, ValueError):  # a missing file too: the full path rebuilds it from what the host applied
            return None
        if not surely_valid(current, markets):
            return None
        base = {**DEFAULTS, **current}
        status = read_status(state_dir) or {}
        observed = status.get("observed_generation")
        generation = max(base["generation"], observed if _int(observed) else 0) + 1
        new = dict(change(plainjson.loads(plainjson.dumps(base)), generation))
        new["generation"] = generation
        new = {**DEFAULTS, **new}
        if not surely_valid(new, markets):
            return None
        new = _as_the_model_writes(new)
        _write_atomic(path, new)
        ring(state_dir)  # a running host reads it now, not at its next idle poll
        return new
