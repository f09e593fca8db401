"""seccomp: the system calls a worker may not make, as a BPF program.

Host side, :func:`worker_filter` compiles the filter once with ``pyseccomp`` (a ctypes binding of
the system's ``libseccomp``, API-compatible with libseccomp's own Python bindings; chosen over
hand-assembled BPF because libseccomp handles architectures, the x32 ABI and argument
comparisons correctly). The bytes travel to the worker in its ``load`` request; worker side,
:func:`apply` loads them with ``prctl`` (standard library only: the worker has no ``pyseccomp``).

What the filter refuses (``EACCES``/``EPERM``, not a kill: the strategy sees an ``OSError``):
``socket`` and ``socketpair`` of every family (Unix included), ``io_uring_setup`` (io_uring can
open sockets), new namespaces (``unshare``, ``setns``, ``clone`` with any ``CLONE_NEW*`` flag;
``clone3`` answers ``ENOSYS`` so libc falls back to ``clone``), ``setpriority`` of a process
group or user, ``ptrace``, ``process_vm_readv``/``writev``, ``mount``-family calls, ``bpf``,
``perf_event_open``, ``userfaultfd``, keyring calls. Calls of a foreign architecture kill the
process (libseccomp's default).
"""

from __future__ import annotations

import ctypes
import errno
import functools
import os
import tempfile

PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2

CLONE_NEW_FLAGS = (0x00000080, 0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000,
                   0x40000000)  # TIME, NS, CGROUP, UTS, IPC, USER, PID, NET
DENIED = ("socket", "socketpair", "io_uring_setup", "unshare", "setns", "ptrace", "process_vm_readv",
          "process_vm_writev", "mount", "umount2", "pivot_root", "chroot", "fsopen", "fsmount", "open_tree",
          "move_mount", "bpf", "perf_event_open", "userfaultfd", "keyctl", "add_key", "request_key",
          "kexec_load", "init_module", "finit_module", "swapon", "swapoff", "reboot")


@functools.cache
def worker_filter() -> tuple[bytes | None, str]:
    """``(bpf, "")``, or ``(None, reason)`` when ``pyseccomp``/``libseccomp`` is missing."""
    try:
        import pyseccomp as sc  # type: ignore[import-untyped]
    except (ImportError, OSError) as exc:  # pyseccomp raises at import when libseccomp.so is missing
        return None, f"seccomp: pyseccomp/libseccomp not available ({exc})"
    try:
        flt = sc.SyscallFilter(sc.ALLOW)
        for name in DENIED:
            try:
                flt.add_rule(sc.ERRNO(errno.EACCES if "socket" in name else errno.EPERM), name)
            except (OSError, ValueError, RuntimeError):
                continue  # a call this architecture does not have
        flt.add_rule(sc.ERRNO(errno.ENOSYS), "clone3")
        for flag in CLONE_NEW_FLAGS:
            flt.add_rule(sc.ERRNO(errno.EPERM), "clone", sc.Arg(0, sc.MASKED_EQ, flag, flag))
        for which in (1, 2):  # PRIO_PGRP, PRIO_USER
            flt.add_rule(sc.ERRNO(errno.EPERM), "setpriority", sc.Arg(0, sc.EQ, which))
        with tempfile.TemporaryFile() as out:
            flt.export_bpf(out)
            out.seek(0)
            return out.read(), ""
    except Exception as exc:  # noqa: BLE001 - any libseccomp failure means: no seccomp layer
        return None, f"seccomp: cannot compile the filter: {type(exc).__name__}: {exc}"


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def no_new_privs() -> str:
    """Set ``no_new_privs`` (needed by seccomp and Landlock unprivileged); '' or the reason it failed."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return f"no_new_privs: {os.strerror(ctypes.get_errno())}"
    return ""


def apply(bpf: bytes) -> str:
    """Worker side: load the BPF program on this process; '' or the reason it failed."""
    if not bpf or len(bpf) % 8:
        return "seccomp: empty or malformed filter"
    libc = ctypes.CDLL(None, use_errno=True)
    buf = ctypes.create_string_buffer(bpf, len(bpf))
    prog = _SockFprog(len(bpf) // 8, ctypes.cast(buf, ctypes.c_void_p))
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) != 0:
        return f"seccomp: {os.strerror(ctypes.get_errno())}"
    return ""
