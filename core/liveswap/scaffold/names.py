"""A strategy NAME checked and turned into the names a project needs."""

from __future__ import annotations

import keyword
import re
import sys
from dataclasses import dataclass

from liveswap.exceptions import InvalidValue

NAME = re.compile(r"^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$")
MAX_LENGTH = 64


class ScaffoldError(InvalidValue):
    """``liveswap new`` refuses: the message is the one-line reason."""


@dataclass(frozen=True, slots=True)
class ProjectNames:
    name: str  # entry point and distribution name: "demo-strat"
    module: str  # import package: "demo_strat"
    cls: str  # strategy class: "DemoStrat"


def project_names(name: str) -> ProjectNames:
    """Check ``name`` (lowercase letters, digits, single ``-``/``_`` between them)."""
    if not NAME.match(name) or len(name) > MAX_LENGTH:
        raise ScaffoldError(
            f"strategy name {name!r} must be lowercase letters and digits, optionally joined by single "
            f"'-' or '_', starting with a letter (at most {MAX_LENGTH} characters), e.g. 'my-strategy'"
        )
    module = name.replace("-", "_")
    if keyword.iskeyword(module) or module in sys.stdlib_module_names or module in {"liveswap", "test", "tests"}:
        raise ScaffoldError(f"strategy name {name!r} would shadow the Python module {module!r}; pick another")
    return ProjectNames(name=name, module=module, cls="".join(part.capitalize() for part in module.split("_")))
