"""A strategy version's declared state compatibility, read from its source, never imported.

The module an entry point names may hold a module-level literal (contract section 2, like
Erlang's ``.appup``)::

    __liveswap_state__ = {"schema": 2, "reads": [1, 2], "writes": [1]}

``schema``: the layout this version's ``export_state`` returns; ``reads``: the layouts its
``import_state`` accepts (its own among them); ``writes`` (optional): older layouts it can also
export when asked with ``export_state(schema=N)``.

The host reads it with :func:`ast.parse` and :func:`ast.literal_eval` only: the module's code
never runs for it. A module without the name has no declaration (``None``: its ``import_state``
decides at run time, as before); a malformed one is a refused wheel, with a one-line reason.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from liveswap.exceptions import DeclarationError

NAME = "__liveswap_state__"
KEYS = ("schema", "reads", "writes")
MAX_SOURCE_BYTES = 4 * 1024 * 1024
MAX_SCHEMA = 2**31 - 1
EXAMPLE = '{"schema": 1, "reads": [1]}'


@dataclass(frozen=True, slots=True)
class StateDecl:
    """A valid declaration: ``reads`` holds ``schema``; ``writes`` holds only older layouts."""

    schema: int
    reads: tuple[int, ...]
    writes: tuple[int, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"schema": self.schema, "reads": list(self.reads), "writes": list(self.writes)}

    def describe(self) -> str:
        """``schema 2, reads [1, 2], writes [1]`` (``writes`` only when declared)."""
        text = f"schema {self.schema}, reads {list(self.reads)}"
        return f"{text}, writes {list(self.writes)}" if self.writes else text


def module_paths(module: str) -> tuple[str, str]:
    """Where the source of dotted ``module`` sits in a wheel or site folder (file, or package)."""
    base = module.replace(".", "/")
    return f"{base}.py", f"{base}/__init__.py"


def entry_module(value: str) -> str:
    """The module part of an entry point value ``module:attr``."""
    return value.split(":", 1)[0].strip()


SourceReader = Callable[[str], bytes | None]
"""Reads a file of the version by its path in the wheel (``pkg/mod.py``): at most
``MAX_SOURCE_BYTES + 1`` bytes, or None when there is no such file."""


def declarations(entry_points: Mapping[str, str], read: SourceReader) -> tuple[dict[str, StateDecl | None], list[str]]:
    """Each entry point's declaration (None: undeclared, or its module is not in the version's
    files) and the one-line reasons of the malformed ones."""
    found: dict[str, StateDecl | None] = {}
    reasons: list[str] = []
    for name, value in entry_points.items():
        module = entry_module(value)
        source = next((text for path in module_paths(module) if (text := read(path)) is not None), None)
        try:
            found[name] = read_declaration(source, module=module) if source is not None else None
        except DeclarationError as exc:
            found[name] = None
            reasons.append(f"entry point {name}: {exc}")
    return found, reasons


def read_declaration(source: bytes, *, module: str) -> StateDecl | None:
    """The declaration in ``module``'s ``source``, or None when it declares none.

    Raises :class:`DeclarationError` (a one-line reason naming the module) when it is malformed."""
    if NAME.encode() not in source:
        return None  # the common case costs a substring search, no parse
    if len(source) > MAX_SOURCE_BYTES:
        raise DeclarationError(f"{module}: source is {len(source)} bytes, too large to read {NAME} "
                               f"(at most {MAX_SOURCE_BYTES})")
    try:
        tree = ast.parse(source, filename=f"{module}.py")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise DeclarationError(f"{module}: cannot be parsed to read {NAME}: {_one_line(exc)}") from None
    node = _the_assignment(tree, module)
    if node is None:
        return None
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
        raise DeclarationError(f"{module}: {NAME} is not a literal (line {node.lineno}): write it as a plain "
                               f"dict like {EXAMPLE}") from None
    try:
        return validate(value)
    except DeclarationError as exc:
        raise DeclarationError(f"{module}: {NAME} {exc}") from None


def _the_assignment(tree: ast.Module, module: str) -> ast.expr | None:
    """The value of the one plain module-level assignment of :data:`NAME`; None if never bound."""
    binds = [n for n in ast.walk(tree) if _binds(n)]
    if not binds:
        return None
    top = [s for s in tree.body if isinstance(s, ast.Assign | ast.AnnAssign) and s.value is not None
           and any(isinstance(t, ast.Name) and t.id == NAME for t in _targets(s))]
    if len(binds) != 1 or len(top) != 1:
        line = getattr(binds[-1], "lineno", "?")
        raise DeclarationError(f"{module}: {NAME} must be bound exactly once, by a plain module-level "
                               f"assignment (line {line})")
    value = top[0].value
    assert value is not None
    return value


def _binds(node: ast.AST) -> bool:
    if isinstance(node, ast.Name):
        return node.id == NAME and isinstance(node.ctx, ast.Store | ast.Del)
    if isinstance(node, ast.alias):
        return (node.asname or node.name.rsplit(".", 1)[-1]) == NAME
    if isinstance(node, ast.Global | ast.Nonlocal):
        return NAME in node.names
    return False


def _targets(stmt: ast.Assign | ast.AnnAssign) -> list[ast.expr]:
    return list(stmt.targets) if isinstance(stmt, ast.Assign) else [stmt.target]


def validate(value: object) -> StateDecl:
    """``value`` (already a Python literal) as a :class:`StateDecl`; raises :class:`DeclarationError`."""
    if not isinstance(value, dict):
        raise DeclarationError(f"is a {type(value).__name__}, not a dict like {EXAMPLE}")
    unknown = [k for k in value if k not in KEYS]
    if unknown:
        raise DeclarationError(f"has unknown key(s) {', '.join(repr(k) for k in unknown)} "
                               f"(allowed: {', '.join(KEYS)})")
    for key in ("schema", "reads"):
        if key not in value:
            raise DeclarationError(f"has no {key!r} (e.g. {EXAMPLE})")
    schema = _schema(value["schema"], "schema")
    reads = _schemas(value["reads"], "reads")
    writes = _schemas(value.get("writes", []), "writes")
    if not reads:
        raise DeclarationError("'reads' is empty: it must hold at least the version's own schema")
    if schema not in reads:
        raise DeclarationError(f"'reads' {list(reads)} does not hold its own schema {schema}")
    newer = [w for w in writes if w >= schema]
    if newer:
        raise DeclarationError(f"'writes' holds {newer[0]}: it may list only layouts older than schema {schema}")
    return StateDecl(schema=schema, reads=reads, writes=writes)


def _schema(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DeclarationError(f"{where!r} holds {value!r}, not an integer schema")
    if value < 0:
        raise DeclarationError(f"{where!r} holds {value}: a schema is not negative")
    if value > MAX_SCHEMA:
        raise DeclarationError(f"{where!r} holds {value}: a schema is at most {MAX_SCHEMA}")
    return value


def _schemas(value: object, key: str) -> tuple[int, ...]:
    if not isinstance(value, list | tuple):
        raise DeclarationError(f"{key!r} is a {type(value).__name__}, not a list of schemas")
    return tuple(dict.fromkeys(_schema(v, key) for v in value))


def _one_line(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".splitlines()[0]
    return text[:200]
