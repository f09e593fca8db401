"""Start worker processes from one long-lived host thread.

``bwrap --die-with-parent`` uses ``PR_SET_PDEATHSIG``, which fires when the *thread* that forked
the sandbox exits, not the process. The swap manager prepares a version in a short-lived thread,
so every worker is forked here, by a daemon thread that lives as long as the host: the worker
then dies with the host (even by ``kill -9``), never with the preparing thread.
"""

from __future__ import annotations

import queue
import subprocess
import threading
from concurrent.futures import Future
from typing import Any

_jobs: queue.SimpleQueue[tuple[Future[subprocess.Popen[bytes]], list[str], dict[str, Any]]] = queue.SimpleQueue()
_lock = threading.Lock()
_thread: threading.Thread | None = None


def _serve() -> None:
    while True:
        future, argv, kwargs = _jobs.get()
        if not future.set_running_or_notify_cancel():
            continue
        try:
            future.set_result(subprocess.Popen(argv, **kwargs))  # noqa: S603 - argv built by the host
        except BaseException as exc:  # noqa: BLE001 - handed back to the caller
            future.set_exception(exc)


def popen(argv: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
    """``subprocess.Popen(argv, **kwargs)``, forked by the spawner thread."""
    global _thread
    with _lock:
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_serve, name="liveswap-spawner", daemon=True)
            _thread.start()
    future: Future[subprocess.Popen[bytes]] = Future()
    _jobs.put((future, argv, kwargs))
    return future.result()
