"""The shape of the code that the docs promise (docs/architecture.md): one exception root, and every
name the architecture page gives exists."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import liveswap
from liveswap.exceptions import LiveswapError

from tests.support.faces import violations


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


def _resolve(dotted: str) -> object:
    """The object a dotted ``liveswap.`` name names: the longest importable module, then attributes."""
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:i]))
        except ModuleNotFoundError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr)
        return obj
    raise ModuleNotFoundError(dotted)


def test_every_name_docs_architecture_gives_exists() -> None:
    text = (Path(__file__).parents[1] / "docs" / "architecture.md").read_text()
    names = sorted(set(re.findall(r"`(liveswap(?:\.\w+)+)`", text)))
    assert len(names) > 20
    missing = []
    for name in names:
        try:
            _resolve(name)
        except (ImportError, AttributeError):
            missing.append(name)
    assert missing == [], f"docs/architecture.md names what does not exist: {missing}"


def test_the_readme_layout_table_has_a_row_for_every_package_and_only_for_real_ones() -> None:
    root = Path(__file__).parents[1]
    text = (root / "README.md").read_text()
    table = text[text.index("| folder under `core/liveswap/` | holds |"):]
    table = table[: table.index("\n\n")]
    rows = set(re.findall(r"^\| `([\w./]+)` \|", table, flags=re.M))
    code = root / "core" / "liveswap"
    packages = {f"{p.parent.name}/" for p in code.glob("*/__init__.py")}
    assert packages - rows == set(), f"packages without a row in the README's layout table: {packages - rows}"
    assert {r for r in rows if not (code / r).exists()} == set(), "rows for folders that do not exist"


def test_code_outside_a_package_imports_only_what_its_face_declares() -> None:
    """Every package's ``__init__`` declares ``__all__``, and code outside a package imports from it
    (``python3 dev.py faces`` rewrites imports that reach past a face; its EXEMPT says who may)."""
    assert violations() == []
