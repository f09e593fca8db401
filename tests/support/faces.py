"""Package faces: code outside a package imports only what its ``__init__`` declares in ``__all__``.

:func:`violations` lists every import in ``core/liveswap`` that reaches past a face (the test in
tests/test_structure.py asserts there are none). ``python3 dev.py faces`` rewrites such imports to
the face and adds the names to the face (imported on first use, as ``home`` and ``journal`` always
did), e.g. after merging a branch written before the faces existed.

A face is the shallowest package that holds the imported module and not the importer: the host
imports ``liveswap.venues``, while ``venues/factory.py`` imports ``liveswap.venues.kalshi``. A name
that is also the name of one of the face's submodules (``journal.reader.rows`` beside
``journal/rows.py``) cannot be the face's (the submodule would shadow it): it is imported where it lives.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CODE = REPO / "core" / "liveswap"

EXEMPT = {module: "the worker side imports the smallest surface, module by module (the sandbox's contract)"
          for module in next(c for c in tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["importlinter"]
                             ["contracts"] if c["name"].startswith("the worker side"))["source_modules"]}
"""Importers allowed to reach past a face, and why."""

KEEP_EAGER = {"liveswap.api"}
"""Faces left as they are written (the strategy API: strategies import it, it imports its own types)."""


@dataclass(frozen=True, slots=True)
class Reach:
    """One import past a face: ``importer`` (file, line) takes ``names`` from ``module`` instead of ``face``."""

    path: Path
    line: int
    importer: str
    module: str
    face: str
    names: tuple[tuple[str, str | None], ...]  # (name, alias)


def _packages() -> set[str]:
    return {_module_name(p.parent / "__init__.py") for p in CODE.rglob("__init__.py")} - {"liveswap"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(CODE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _inside(importer: str, package: str) -> bool:
    return importer == package or importer.startswith(package + ".")


def face_of(importer: str, module: str, packages: set[str]) -> str | None:
    """The face ``importer`` must import ``module``'s names from (None: no face, e.g. a leaf module)."""
    parts = module.split(".")
    for i in range(2, len(parts) + 1):
        package = ".".join(parts[:i])
        if package not in packages:
            return None
        if not _inside(importer, package):
            return package
    return None


def face_names(package: str) -> set[str] | None:
    """The names ``package``'s ``__init__`` declares in ``__all__`` (read, not imported); None: no ``__all__``."""
    init = CODE.parent / Path(*package.split(".")) / "__init__.py"
    for node in ast.parse(init.read_text()).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            return set(ast.literal_eval(node.value))
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == "__all__":
            return set(ast.literal_eval(node.value)) if node.value is not None else set()
    return None


def _submodules(package: str) -> set[str]:
    folder = CODE.parent / Path(*package.split("."))
    return {p.stem for p in folder.glob("*.py")} | {p.parent.name for p in folder.glob("*/__init__.py")}


def reaches() -> list[Reach]:
    """Every ``from liveswap.X.y import ...`` / ``import liveswap.X.y`` that reaches past a face."""
    packages = _packages()
    found: list[Reach] = []
    for path in sorted(CODE.rglob("*.py")):
        importer = _module_name(path)
        if importer in EXEMPT:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                face = face_of(importer, node.module, packages)
                if face is not None and face != node.module:
                    names = tuple((a.name, a.asname) for a in node.names)
                    if {n for n, _ in names} & _submodules(face):
                        continue  # a name that is also a submodule's cannot be a face's: imported where it lives
                    found.append(Reach(path, node.lineno, importer, node.module, face, names))
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    face = face_of(importer, alias.name, packages)
                    if face is not None and face != alias.name:
                        found.append(Reach(path, node.lineno, importer, alias.name, face, ()))
    return found


def violations() -> list[str]:
    """One line per import past a face, or per name a face does not declare."""
    lines = [f"{r.path.relative_to(REPO)}:{r.line}: {r.importer} imports {r.module}, past the face {r.face}"
             for r in reaches()]
    packages = _packages()
    for path in sorted(CODE.rglob("*.py")):
        importer = _module_name(path)
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module in packages:
                if _inside(importer, node.module) or importer in EXEMPT:
                    continue
                missing = {a.name for a in node.names} - (face_names(node.module) or set())
                if missing:
                    lines.append(f"{path.relative_to(REPO)}:{node.lineno}: {node.module} does not declare "
                                 f"{', '.join(sorted(missing))} in __all__")
    for package in sorted(packages):
        shadowed = {n for n, m in _existing(package).items() if n in _submodules(package) and m != n}
        if shadowed:
            lines.append(f"{package}: {', '.join(sorted(shadowed))} would be shadowed by a submodule of that name")
    for package in sorted(packages | {"liveswap"}):
        if face_names(package) is None:
            lines.append(f"{package}: its __init__ declares no __all__")
    return lines


# ---- rewriting (python3 dev.py faces) -----------------------------------------------------------


def _rewrite_imports(found: list[Reach]) -> dict[str, dict[str, str]]:
    """Point every import of ``found`` at its face; returns face -> {name: module relative to the face}."""
    exports: dict[str, dict[str, str]] = {}
    by_path: dict[Path, list[Reach]] = {}
    for r in found:
        by_path.setdefault(r.path, []).append(r)
    for path, items in by_path.items():
        lines = path.read_text().split("\n")
        tree = ast.parse(path.read_text())
        nodes = {n.lineno: n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom | ast.Import)}
        for r in sorted(items, key=lambda r: r.line, reverse=True):
            node = nodes[r.line]
            relative = r.module[len(r.face) + 1:]
            indent = re.match(r"\s*", lines[node.lineno - 1]).group(0)  # type: ignore[union-attr]
            if isinstance(node, ast.Import):  # import liveswap.a.b [as c]  ->  from liveswap.a import b [as c]
                alias = next(a for a in node.names if a.name == r.module)
                if len(node.names) != 1 or alias.asname is None:
                    raise SystemExit(f"{path}:{r.line}: rewrite `import {r.module}` by hand")
                head, _, last = r.module.rpartition(".")
                new = [f"{indent}from {head} import {last} as {alias.asname}"]
                if head != r.face:
                    raise SystemExit(f"{path}:{r.line}: rewrite `import {r.module}` by hand")
                exports.setdefault(r.face, {})[last] = last
            else:
                names = ", ".join(n if a is None else f"{n} as {a}" for n, a in r.names)
                new = [f"{indent}from {r.face} import {names}"]
                if len(new[0]) > 120:
                    new = [f"{indent}from {r.face} import ("] + [
                        f"{indent}    {n if a is None else f'{n} as {a}'}," for n, a in r.names] + [f"{indent})"]
                for n, _ in r.names:
                    exports.setdefault(r.face, {})[n] = relative
            lines[node.lineno - 1:node.end_lineno] = new
        path.write_text("\n".join(lines))
    return exports


def _existing(package: str) -> dict[str, str]:
    """name -> module (relative) a face already offers: its lazy table, or its own imports."""
    init = CODE.parent / Path(*package.split(".")) / "__init__.py"
    tree = ast.parse(init.read_text())
    where: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == package:  # its submodules, by name
            for a in node.names:
                where[a.name] = a.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(package + "."):
            for a in node.names:
                where[a.asname or a.name] = node.module[len(package) + 1:]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("liveswap") \
                and node.module != "liveswap._face":
            for a in node.names:  # a name the face re-exports from elsewhere (e.g. liveswap.exceptions)
                where[a.asname or a.name] = f"={node.module}"
    for name in face_names(package) or ():
        where.setdefault(name, name)  # a submodule declared as a name
    return where


def _write_face(package: str, names: dict[str, str]) -> None:
    init = CODE.parent / Path(*package.split(".")) / "__init__.py"
    text = init.read_text()
    doc = ast.get_docstring(ast.parse(text), clean=False)
    by_module: dict[str, list[str]] = {}
    modules: list[str] = []
    for name, module in sorted(names.items()):
        if module == name and ((init.parent / f"{name}.py").exists() or (init.parent / name / "__init__.py").exists()):
            modules.append(name)
        else:
            by_module.setdefault(module, []).append(name)
    imports = []
    for module, items in sorted(by_module.items()):
        source = module[1:] if module.startswith("=") else f"{package}.{module}"
        imports.append(f"    from {source} import {', '.join(sorted(items))}")
    if modules:
        imports.append(f"    from {package} import {', '.join(sorted(modules))}")
    lazy = {n: m for m, items in by_module.items() for n in items} | {m: m for m in modules}
    table = _wrap([f'"{n}": "{m}",' for n, m in sorted(lazy.items())])
    all_names = _wrap([f'"{n}",' for n in sorted(names)])
    if not names:
        init.write_text("\n".join([f'"""{doc}"""' if doc is not None else "", "",
                                   "__all__: list[str] = []  # nothing here is for code outside the package", ""]))
        return
    body = [
        f'"""{doc}"""' if doc is not None else "",
        "",
        "from __future__ import annotations",
        "",
        "from liveswap._face import attribute",
        "",
        "TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: a face costs nothing until used",
        "if TYPE_CHECKING:",
        *imports,
        "",
        f"__all__ = [\n{all_names}\n]",
        "",
        "# name -> module of this package (or =module elsewhere), imported on first use",
        f"_WHERE = {{\n{table}\n}}",
        "",
        "",
        "def __getattr__(name: str) -> object:",
        "    return attribute(__name__, _WHERE, name)",
        "",
    ]
    init.write_text("\n".join(body))


def _face_imports() -> list[tuple[str, str]]:
    """(face, name) for every ``from <face> import <name>`` outside that face's package."""
    packages = _packages()
    found: list[tuple[str, str]] = []
    for path in sorted(CODE.rglob("*.py")):
        importer = _module_name(path)
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module in packages \
                    and not _inside(importer, node.module):
                found.extend((node.module, a.name) for a in node.names)
    return found


def _submodules_imported() -> dict[str, dict[str, str]]:
    """face -> {submodule: submodule} for ``from <face> import <submodule>`` outside the package."""
    found: dict[str, dict[str, str]] = {}
    for face, name in _face_imports():
        if name in _submodules(face):
            found.setdefault(face, {})[name] = name
    return found


def _wrap(items: list[str]) -> str:
    """``items`` four spaces in, as many to a line as fit in 116 characters."""
    lines: list[str] = []
    for item in items:
        if lines and len(lines[-1]) + 1 + len(item) <= 116:
            lines[-1] += " " + item
        else:
            lines.append("    " + item)
    return "\n".join(lines)


def _defined_in(package: str, name: str) -> str | None:
    """The module of ``package`` (relative) that defines ``name`` at its top level, if one does."""
    folder = CODE.parent / Path(*package.split("."))
    for path in sorted(folder.rglob("*.py")):
        if path.name == "__init__.py":
            continue
        for node in ast.parse(path.read_text()).body:
            names = {node.name} if isinstance(node, ast.FunctionDef | ast.ClassDef) else {
                t.id for t in getattr(node, "targets", [getattr(node, "target", None)]) if isinstance(t, ast.Name)}
            if name in names:
                return ".".join(path.relative_to(folder).with_suffix("").parts)
    return None


def _names_asked_of_faces() -> dict[str, dict[str, str]]:
    """face -> {name: module} for ``from <face> import name`` outside the package, name not yet declared."""
    found: dict[str, dict[str, str]] = {}
    for face, name in _face_imports():
        if name not in (face_names(face) or set()):
            module = _defined_in(face, name)
            if module is not None:
                found.setdefault(face, {})[name] = module
    return found


def rewrite() -> None:
    exports = _rewrite_imports(reaches())
    for face, names in [*_submodules_imported().items(), *_names_asked_of_faces().items()]:
        exports.setdefault(face, {}).update(names)
    for package in sorted(_packages()):
        if package in KEEP_EAGER:
            continue
        names = {**_existing(package), **exports.get(package, {})}
        _write_face(package, names)
    subprocess.run([sys.executable, "-m", "ruff", "check", "--fix", "-q", "--select", "I,F401",
                    str(CODE)], check=False)


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        rewrite()
    problems = violations()
    print("\n".join(problems) or "every import outside a package goes through its face")
    sys.exit(1 if problems else 0)
