"""``liveswap new``: scaffold a strategy project that builds and passes its own tests.

The project's files are rendered from the templates in ``template/`` (package data, shipped in
the liveswap wheel) with :class:`string.Template` placeholders: ``${name}`` (entry point and
distribution name), ``${module}`` (import package), ``${cls}`` (strategy class),
``${host_requirement}``, ``${version}`` (1.0.0), and the host's own ``${python}``, ``${liveswap}`` and
``${home}`` (the README's commands work from the project's folder with them).
"""

from __future__ import annotations

from liveswap._face import attribute

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: a face costs nothing until used
if TYPE_CHECKING:
    from liveswap.scaffold.names import ProjectNames, ScaffoldError, project_names
    from liveswap.scaffold.render import FIRST_VERSION, HostFacts, create_project
    from liveswap.scaffold.wheel import scaffold_wheel

__all__ = [
    "FIRST_VERSION", "HostFacts", "ProjectNames", "ScaffoldError", "create_project", "project_names",
    "scaffold_wheel",
]

# name -> module of this package (or =module elsewhere), imported on first use
_WHERE = {
    "FIRST_VERSION": "render", "HostFacts": "render", "ProjectNames": "names", "ScaffoldError": "names",
    "create_project": "render", "project_names": "names", "scaffold_wheel": "wheel",
}


def __getattr__(name: str) -> object:
    return attribute(__name__, _WHERE, name)
