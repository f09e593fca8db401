"""Logging setup (loguru): human lines on stderr, and a rotating file in ``state/logs/``."""

from __future__ import annotations

import sys
from pathlib import Path

from loguru import logger

FORMAT = "<green>{time:HH:mm:ss}</green> <level>{level: <7}</level> {message}"


def configure(level: str = "INFO", state_dir: Path | None = None) -> None:
    logger.remove()
    logger.add(sys.stderr, level=level.upper(), format=FORMAT, backtrace=False, diagnose=False)
    if state_dir is not None:
        logger.add(state_dir / "logs" / "liveswap.log", level="DEBUG", rotation="10 MB", retention=5,
                   backtrace=False, diagnose=False, enqueue=False)
