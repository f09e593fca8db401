"""Capabilities, worker side: leave a worker with none, in every mode, and prove it.

A root host starts bubblewrap without a user namespace, so the worker begins as uid 0. bubblewrap
is told to keep only ``CAP_SETUID``, ``CAP_SETGID`` and ``CAP_SETPCAP`` (``--cap-drop ALL
--cap-add ...``); :func:`drop_bounding` then empties the bounding set (no ``execve`` can ever give
a capability back, not even to a uid-0 process running a set-uid file), the worker switches to its
own uid (which clears the permitted and effective sets), and :func:`clear` zeroes whatever is left
(a root host without bubblewrap keeps uid 0 but no capability). :func:`leftover` reads
``/proc/self/status`` and names any set that is still not empty: the worker refuses to load a
version then (fail closed, whatever the level).

Standard library only (ctypes): the worker imports it before any strategy code.
"""

from __future__ import annotations

import ctypes
import os

PR_CAPBSET_DROP = 24
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_CLEAR_ALL = 4
_LINUX_CAPABILITY_VERSION_3 = 0x20080522
SETS = ("CapEff", "CapPrm", "CapAmb", "CapInh")
"""The sets that must be empty for a worker to load a version (``CapBnd`` too, when it could be emptied)."""
KEEP_FOR_UID_SWITCH = ("CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP")
"""What bubblewrap leaves a root host's worker: enough to empty its bounding set and change uid."""


class _Header(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _Data(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def status() -> dict[str, int]:
    """``{"CapEff": bits, ...}`` of this process, from ``/proc/self/status`` (empty if unreadable)."""
    found: dict[str, int] = {}
    try:
        with open("/proc/self/status") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.startswith("Cap"):
                    found[key] = int(value.strip(), 16)
    except (OSError, ValueError):
        return {}
    return found


def _last_cap() -> int:
    try:
        with open("/proc/sys/kernel/cap_last_cap") as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return 63


def drop_bounding() -> str:
    """Empty the bounding set and the ambient set; '' or why the bounding set could not be emptied
    (a process without ``CAP_SETPCAP`` cannot, and needs not: it has no capability to lose)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    if not status().get("CapBnd"):
        return ""
    for cap in range(_last_cap() + 1):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            return f"capabilities: cannot empty the bounding set: {os.strerror(ctypes.get_errno())}"
    return ""


def clear() -> str:
    """Zero the effective, permitted and inheritable sets; '' or why not."""
    libc = ctypes.CDLL(None, use_errno=True)
    header = _Header(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (_Data * 2)()
    if libc.capset(ctypes.byref(header), data) != 0:
        return f"capabilities: capset: {os.strerror(ctypes.get_errno())}"
    return ""


def leftover(*, bounding: bool) -> str:
    """'' when every capability set is empty (``CapBnd`` only checked with ``bounding``), else which is not."""
    sets = status()
    if not sets:
        return "capabilities: /proc/self/status unreadable"
    names = SETS + (("CapBnd",) if bounding else ())
    left = [f"{name} {sets[name]:016x}" for name in names if sets.get(name)]
    return f"capabilities left: {', '.join(left)}" if left else ""
