"""``liveswap new``: scaffold a strategy project that builds and passes its own tests.

The project's files are rendered from the templates in ``template/`` (package data, shipped in
the liveswap wheel) with :class:`string.Template` placeholders: ``${name}`` (entry point and
distribution name), ``${module}`` (import package), ``${cls}`` (strategy class) and
``${host_requirement}``.
"""

from liveswap.scaffold.names import ProjectNames, ScaffoldError, project_names
from liveswap.scaffold.render import create_project

__all__ = ["ProjectNames", "ScaffoldError", "create_project", "project_names"]
