"""The host's doorbell: ``state/doorbell``, a FIFO the CLI rings after it writes control.json.

A running host reads control.json between batches and, while idle, at least every 200 ms. A
ring ends the idle wait at once, so an operator's change is read in milliseconds instead of up
to 200 ms later (and a swap it asks for starts preparing that much sooner).

A ring carries nothing: it only makes the host read control.json early, so whoever can open the
FIFO (the home's owner; a sandboxed worker cannot reach ``state/``) can do no more than that.
Without a listening host a ring does nothing: opening a FIFO that has no reader for writing
fails at once (``ENXIO``), and a missing doorbell is not an error either -- the host still polls.

:func:`ring` is standard library only (``os``, ``stat``): the CLI's fast paths call it.
:class:`Doorbell` is the host's side: it makes the FIFO, listens on a thread and calls
``on_ring`` (the engine's ``wake``) for every burst of rings.
"""

from __future__ import annotations

import errno
import os
import stat

from liveswap.home.paths import DOORBELL_FILE, HomePaths

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    import threading
    from collections.abc import Callable
    from pathlib import Path

__all__ = ["Doorbell", "ring"]


def ring(state_dir: str | os.PathLike[str]) -> bool:
    """Tell a host listening on ``state_dir`` that control.json changed; False if none listens."""
    try:
        fd = os.open(os.path.join(state_dir, DOORBELL_FILE), os.O_WRONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    except OSError:  # ENXIO: no host listening; ENOENT: no doorbell; ELOOP: not ours to follow
        return False
    try:
        if not stat.S_ISFIFO(os.fstat(fd).st_mode):
            return False  # something else under that name: never write into it
        os.write(fd, b"\n")
    except BlockingIOError:
        return True  # the FIFO is full of unread rings: the host wakes anyway
    except OSError:
        return False
    finally:
        os.close(fd)
    return True


class Doorbell:
    """The host's side of :func:`ring`: ``state/doorbell`` made and listened to on a thread."""

    def __init__(self, state_dir: Path, *, on_ring: Callable[[], None]) -> None:
        self.path = HomePaths(state_dir).doorbell
        self._on_ring = on_ring
        self._fd: int | None = None
        self._stop_r: int | None = None
        self._stop_w: int | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> str | None:
        """Make the FIFO and listen; None, or the one-line reason there is no doorbell (the host
        then only polls control.json, as without one)."""
        import threading

        try:
            if self.path.is_symlink() or (self.path.exists() and not stat.S_ISFIFO(self.path.stat().st_mode)):
                self.path.unlink()  # state/ is the host's: a stray file under this name is replaced
            if not self.path.exists():
                os.mkfifo(self.path, 0o600)
            # read and write: the FIFO never reads as closed (EOF) while the host holds it open
            self._fd = os.open(self.path, os.O_RDWR | os.O_NONBLOCK | os.O_NOFOLLOW)
        except OSError as exc:
            return f"no doorbell at {self.path} ({exc.strerror or exc}): control.json is polled every 200 ms"
        self._stop_r, self._stop_w = os.pipe()
        self._thread = threading.Thread(target=self._listen, name="liveswap-doorbell", daemon=True)
        self._thread.start()
        return None

    def _listen(self) -> None:
        import select

        assert self._fd is not None and self._stop_r is not None
        while True:
            ready, _, _ = select.select([self._fd, self._stop_r], [], [])
            if self._stop_r in ready:
                return
            try:
                while os.read(self._fd, 4096):
                    pass  # a burst of rings is one wake
            except BlockingIOError:
                pass
            except OSError as exc:
                if exc.errno != errno.EINTR:
                    return
            self._on_ring()

    def close(self) -> None:
        """Stop listening and remove the FIFO (a ring from now on finds nobody, as it should)."""
        if self._stop_w is not None:
            os.write(self._stop_w, b"x")
        if self._thread is not None:
            self._thread.join(5)
        for fd in (self._fd, self._stop_r, self._stop_w):
            if fd is not None:
                os.close(fd)
        self._fd = self._stop_r = self._stop_w = None
        self._thread = None
        import contextlib  # here: the CLI's fast paths import this module for ring()

        with contextlib.suppress(OSError):
            self.path.unlink()
