"""The shape of the code that the docs promise (docs/architecture.md): one exception root."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import liveswap
from liveswap.exceptions import LiveswapError


def _modules() -> list[str]:
    return sorted(m.name for m in pkgutil.walk_packages(liveswap.__path__, "liveswap."))


def test_every_exception_liveswap_defines_derives_from_liveswap_error() -> None:
    outside = []
    for name in _modules():
        module = importlib.import_module(name)
        for cls_name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == name and issubclass(cls, BaseException) and not issubclass(cls, LiveswapError):
                outside.append(f"{name}.{cls_name}")
    assert outside == [], f"exceptions outside the LiveswapError tree: {outside}"
