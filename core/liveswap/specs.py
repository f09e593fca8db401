"""Strategy specs and versions: the one grammar of ``NAME[==VERSION]`` and the one version order.

A leaf: imports nothing of liveswap but its error tree, and ``packaging``. control.json, the registry, the swap and
the CLI all parse specs and order versions here, so "1.10.0 is newer than 1.9.0" and "what is a
strategy name" mean the same everywhere.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from packaging.version import InvalidVersion, Version

from liveswap.exceptions import InvalidValue

__all__ = ["NAME_RE", "Spec", "SpecError", "check_version", "format_spec", "parse_spec", "version_order"]

NAME_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$")
_LOWEST = Version("0.dev0")


class SpecError(InvalidValue):
    """A strategy spec that is not ``NAME`` or ``NAME==VERSION`` (a ``ValueError`` too, so pydantic
    validators report it as a validation error)."""


class Spec(NamedTuple):
    name: str
    version: str | None


def parse_spec(spec: str) -> Spec:
    """``"momentum==1.2.0"`` -> ``Spec("momentum", "1.2.0")``; ``"momentum"`` -> ``Spec("momentum", None)``."""
    name, sep, version = spec.strip().partition("==")
    name, version = name.strip(), version.strip()
    if not NAME_RE.match(name):
        raise SpecError(f"{spec!r} is not NAME or NAME==VERSION (NAME: letters, digits, '.', '_', '-')")
    if not sep:
        return Spec(name, None)
    check_version(version)
    return Spec(name, version)


def format_spec(name: str, version: str) -> str:
    return f"{name}=={version}"


def check_version(version: str) -> str:
    """``version`` itself if it is a PEP 440 version, else :class:`SpecError`."""
    try:
        Version(version)
    except InvalidVersion:
        raise SpecError(f"{version!r} is not a version (PEP 440, e.g. 1.2.0)") from None
    return version


def version_order(version: str) -> Version:
    """The sort key of a version string (PEP 440 order); an invalid one sorts below every valid one."""
    try:
        return Version(version)
    except InvalidVersion:
        return _LOWEST
