"""The host's logs: where they live, the loguru set-up, and the start-up banner.

Files, all under ``state/logs/`` of the home:

* ``liveswap.log``: the host's own log (DEBUG and up), rotated at 10 MB, five old files kept
  (``liveswap.<date>.log``);
* ``worker-<name>-<version>.log``: what a strategy version's sandboxed worker wrote to stdout and
  stderr (appended across restarts of that version).

``liveswap logs [--worker] [-f]`` shows them. loguru is imported only by :func:`configure`, so the
CLI can name these files without paying for it.
"""

from __future__ import annotations

import sys
from pathlib import Path

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (the CLI starts in a blink)
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any


LOG_DIR = "logs"
HOST_LOG = "liveswap.log"
FORMAT = "<green>{time:HH:mm:ss}</green> <level>{level: <7}</level> {message}"
FILE_FORMAT = "{time:YYYY-MM-DD HH:mm:ss.SSS} | {level: <8} | {name}:{function}:{line} - {message}"
"""The host log's line format, fixed here (not loguru's default, which 0.8 changed by adding the time zone):
``liveswap status`` reads a dead host's last words from it (:mod:`liveswap.home.last_words`)."""


def host_log(state_dir: Path) -> Path:
    return state_dir / LOG_DIR / HOST_LOG


def worker_log(state_dir: Path, name: str, version: str) -> Path:
    """The log of the worker running ``name==version`` (its stdout and stderr)."""
    return state_dir / LOG_DIR / f"worker-{name}-{version}.log"


def configure(level: str = "INFO", state_dir: Path | None = None) -> None:
    from loguru import logger

    logger.remove()
    logger.add(sys.stderr, level=level.upper(), format=FORMAT, backtrace=False, diagnose=False)
    if state_dir is not None:
        logger.add(host_log(state_dir), level="DEBUG", format=FILE_FORMAT, rotation="10 MB", retention=5,
                   backtrace=False, diagnose=False, enqueue=False)


def banner(*, home: Path, version: str, status: Mapping[str, Any], log_path: Path) -> list[str]:
    """The lines ``liveswap run`` prints once the host is ready to trade.

    ``status`` is the host's status document (``balance``, ``starting_balance``, ``active``,
    ``feed``, ``broker``, ``markets``, ``pid``); missing figures are shown as ``-``.
    """
    active = status.get("active") or {}
    spec = f"{active.get('name')}=={active.get('version')}" if active.get("name") else "-"
    balance, start = status.get("balance"), status.get("starting_balance")
    money = "-" if balance is None else f"{float(balance):,.2f}"
    if start is not None and balance is not None and float(start) != float(balance):
        money += f" (started at {float(start):,.2f})"
    markets = status.get("markets") or []
    return [
        f"liveswap {version} host (pid {status.get('pid', '-')}) on home {home}",
        f"  trading   {spec} on {len(markets)} markets, feed {status.get('feed', '-')}, "
        f"broker {status.get('broker', '-')}",
        f"  balance   {money}",
        f"  log       {log_path}  (liveswap logs -f --home {home})",
        f"  steer it  liveswap status | activate | rollback | pause | resume | set  --home {home}",
    ]
