"""The one ``__getattr__`` of every package face (PEP 562): a name is imported on first use.

A package's ``__init__`` declares its public names in ``__all__`` and where each lives in
``_WHERE``; nothing is imported until a name is used, so a face costs nothing (the CLI's fast
paths and the sandboxed worker import through faces without loading what they do not use).
"""

from __future__ import annotations

import sys

__all__ = ["attribute"]


def attribute(package: str, where: dict[str, str], name: str) -> object:
    """``package.name``: imported from ``package.<where[name]>`` (the submodule itself when ``where[name]``
    is ``name``; from ``where[name][1:]`` when it starts with ``=``: a name the face re-exports from
    another module), then kept."""
    module = where.get(name)
    if module is None:
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    source = module[1:] if module.startswith("=") else f"{package}.{module}"
    __import__(source)  # importlib.import_module without importing importlib
    found = sys.modules[source]
    value = found if source.rpartition(".")[2] == name else getattr(found, name)  # a submodule, or a name in one
    setattr(sys.modules[package], name, value)
    return value
