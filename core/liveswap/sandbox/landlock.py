"""Landlock, worker side: fence this process's files, TCP, signals and abstract sockets.

A small ctypes module (standard library only: the worker imports it before any strategy code).
The PyPI ``landlock`` binding (1.0.0.dev5) covers filesystem rules only -- no TCP rules (ABI 4)
and no signal / abstract-socket scoping (ABI 6) -- so the three syscalls are called directly,
as the kernel's userspace-api/landlock document shows. A Landlock domain is inherited by every
child and can only be tightened, never lifted; the caller must have set ``no_new_privs``.

:func:`restrict` takes the paths a worker may read and the paths it may write, and returns what
it enforced (a list of feature names) and what it could not (one line each).
"""

from __future__ import annotations

import ctypes
import os
import platform
from collections.abc import Iterable

SYS_CREATE_RULESET, SYS_ADD_RULE, SYS_RESTRICT_SELF = 444, 445, 446  # same on every architecture
CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH = 1

FS_EXECUTE, FS_WRITE_FILE, FS_READ_FILE, FS_READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
FS_REMOVE_DIR, FS_REMOVE_FILE, FS_MAKE_CHAR, FS_MAKE_DIR = 1 << 4, 1 << 5, 1 << 6, 1 << 7
FS_MAKE_REG, FS_MAKE_SOCK, FS_MAKE_FIFO, FS_MAKE_BLOCK = 1 << 8, 1 << 9, 1 << 10, 1 << 11
FS_MAKE_SYM, FS_REFER, FS_TRUNCATE, FS_IOCTL_DEV = 1 << 12, 1 << 13, 1 << 14, 1 << 15
NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1

FILE_RIGHTS = FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | FS_IOCTL_DEV
READ_RIGHTS = FS_EXECUTE | FS_READ_FILE | FS_READ_DIR


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def abi_version() -> int:
    """The Landlock ABI the kernel offers (0: none, not Linux, or disabled at boot)."""
    if platform.system() != "Linux":
        return 0
    libc = _libc()
    libc.syscall.restype = ctypes.c_long
    value = libc.syscall(SYS_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(CREATE_RULESET_VERSION))
    return int(value) if value > 0 else 0


def _fs_rights(abi: int) -> int:
    rights = (1 << 13) - 1  # EXECUTE .. MAKE_SYM (ABI 1)
    if abi >= 2:
        rights |= FS_REFER
    if abi >= 3:
        rights |= FS_TRUNCATE
    if abi >= 5:
        rights |= FS_IOCTL_DEV
    return rights


def restrict(read: Iterable[str], write: Iterable[str]) -> tuple[list[str], list[str]]:
    """Enforce on this process (and its future children): read/execute only beneath ``read``,
    read and write only beneath ``write``; no TCP bind/connect (ABI >= 4); no signals to, and no
    abstract Unix sockets of, processes outside this domain (ABI >= 6).

    Returns ``(enforced, problems)``. Paths that do not exist are skipped silently.
    """
    abi = abi_version()
    if abi < 1:
        return [], ["landlock: not offered by this kernel (CONFIG_SECURITY_LANDLOCK, lsm= boot list)"]
    libc = _libc()
    libc.syscall.restype = ctypes.c_long
    handled = _fs_rights(abi)
    attr = _RulesetAttr(handled, NET_BIND_TCP | NET_CONNECT_TCP if abi >= 4 else 0,
                        SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL if abi >= 6 else 0)
    size = ctypes.sizeof(_RulesetAttr) if abi >= 6 else (16 if abi >= 4 else 8)
    ruleset = libc.syscall(SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
    if ruleset < 0:
        return [], [f"landlock: create_ruleset: {os.strerror(ctypes.get_errno())}"]
    try:
        problems = [*_add_rules(libc, ruleset, read, READ_RIGHTS, handled),
                    *_add_rules(libc, ruleset, write, handled, handled)]
        if libc.syscall(SYS_RESTRICT_SELF, ruleset, 0) != 0:
            return [], [*problems, f"landlock: restrict_self: {os.strerror(ctypes.get_errno())}"]
    finally:
        os.close(ruleset)
    enforced = [f"landlock-fs(abi {abi})"]
    if abi >= 4:
        enforced.append("landlock-tcp")
    else:
        problems.append(f"landlock: TCP rules need ABI 4, kernel has {abi}")
    if abi >= 6:
        enforced.append("landlock-scope(signal, abstract unix)")
    else:
        problems.append(f"landlock: signal/abstract-socket scoping needs ABI 6, kernel has {abi}")
    return enforced, problems


def _add_rules(libc: ctypes.CDLL, ruleset: int, paths: Iterable[str], rights: int, handled: int) -> list[str]:
    """Allow ``rights`` (those the ruleset handles; a file gets only file rights) beneath each of
    ``paths`` that exists; the problems, one line each."""
    problems: list[str] = []
    for path in paths:
        try:
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
        except OSError:
            continue
        try:
            allowed = rights & handled
            if not os.path.isdir(path):
                allowed &= FILE_RIGHTS
            rule = _PathBeneathAttr(allowed, fd)
            if libc.syscall(SYS_ADD_RULE, ruleset, RULE_PATH_BENEATH, ctypes.byref(rule), 0) != 0:
                problems.append(f"landlock: rule for {path}: {os.strerror(ctypes.get_errno())}")
        finally:
            os.close(fd)
    return problems
