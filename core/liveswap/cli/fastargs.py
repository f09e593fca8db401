"""The everyday commands' command lines, read without argparse when they are plain.

Importing argparse (with the :mod:`re`, :mod:`gettext` and :mod:`locale` it pulls in) and
building a parser costs about as much as a bare interpreter start; ``liveswap pause`` must cost
little more than one. A command module lists its everyday commands' options in ``FAST_ARGS``
(a :class:`Shape` each, next to the ``register`` that gives argparse the same options, help and
all); :func:`parse` reads a command line of that shape and returns what argparse would, or None
for anything it is not sure of (``--help``, an abbreviation, ``--``, a value starting with ``-``,
an unknown option, a missing or extra argument, a value argparse's type would refuse), and then
argparse parses it and words any usage error itself. tests/cli/test_fastargs.py checks each
shape against its module's argparse parser, option by option and on sample command lines.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any

__all__ = ["Args", "Shape", "parse"]


class Shape:
    """The options of one command: ``flags`` (``store_true``), ``values`` (option -> type, e.g.
    ``str`` or ``float``), ``appends`` (repeatable, ``action="append"``), and at most one
    ``positional`` (its dest) taking one argument, or one or more (``many``). ``slow``: options
    left to argparse (a command line naming one is argparse's), with their defaults."""

    __slots__ = ("appends", "flags", "many", "positional", "slow", "values")

    def __init__(self, *, flags: Sequence[str] = (), values: dict[str, Callable[[str], Any]] | None = None,
                 appends: Sequence[str] = (), positional: str | None = None, many: bool = False,
                 slow: dict[str, Any] | None = None) -> None:
        self.flags, self.values, self.appends = tuple(flags), dict(values or {}), tuple(appends)
        self.positional, self.many, self.slow = positional, many, dict(slow or {})

    def dests(self) -> dict[str, Any]:
        """Every attribute argparse sets, with argparse's defaults."""
        out: dict[str, Any] = {_dest(o): False for o in self.flags}
        out.update({_dest(o): None for o in (*self.values, *self.appends)})
        out.update({_dest(o): default for o, default in self.slow.items()})
        if self.positional:
            out[self.positional] = None
        return out


class Args:
    """What a parser returns: an attribute per option (``argparse.Namespace``'s role)."""

    def __init__(self, **kwargs: Any) -> None:
        self.__dict__.update(kwargs)

    def __repr__(self) -> str:
        return f"Args({', '.join(f'{k}={v!r}' for k, v in sorted(self.__dict__.items()))})"


def _dest(option: str) -> str:
    return option.removeprefix("--").replace("-", "_")


def parse(argv: Sequence[str], command: str, shape: Shape, func: Callable[..., Any]) -> Args | None:
    """``argv`` (the whole command line) parsed as ``command`` of ``shape``, or None if only
    argparse can be sure what it means (then argparse parses it, and words any error)."""
    if not argv or argv[0] != command:
        return None  # a top-level option first (--version, --help): argparse's
    got = shape.dests()
    positionals = _read_options(list(argv[1:]), shape, got)
    if positionals is None or not _bind_positionals(shape, positionals, got):
        return None
    return Args(command=command, func=func, **got)


def _read_options(rest: list[str], shape: Shape, got: dict[str, Any]) -> list[str] | None:
    """Every option into ``got``; the positionals, or None when unsure. argparse takes the
    positionals of one run only: ``set a=1 --json b=2`` is an error."""
    positionals: list[str] = []
    run_over = False
    i = 0
    while i < len(rest):
        token = rest[i]
        i += 1
        if not token.startswith("-"):
            if run_over:
                return None
            positionals.append(token)
            continue
        run_over = bool(positionals)
        taken = _read_option(token, rest, i, shape, got)
        if taken is None:
            return None
        i += taken
    return positionals


def _read_option(token: str, rest: list[str], i: int, shape: Shape, got: dict[str, Any]) -> int | None:
    """One option (``token``, its value maybe ``rest[i]``) into ``got``: how many more tokens it took
    (0 or 1), or None when unsure (-h, --help, --, an abbreviation, an unknown option, a bad value)."""
    option, eq, value = token.partition("=")
    if option in shape.flags and not eq:
        got[_dest(option)] = True
        return 0
    if option not in shape.values and option not in shape.appends:
        return None
    taken = 0
    if not eq:
        if i >= len(rest) or rest[i].startswith("-"):
            return None
        value, taken = rest[i], 1
    if option in shape.appends:
        got[_dest(option)] = [*(got[_dest(option)] or []), value]
        return taken
    try:
        got[_dest(option)] = shape.values[option](value)
    except (TypeError, ValueError):
        return None
    return taken


def _bind_positionals(shape: Shape, positionals: list[str], got: dict[str, Any]) -> bool:
    """The positionals into ``got``: False when argparse would refuse their number."""
    if shape.positional is None:
        return not positionals
    if shape.many:
        got[shape.positional] = positionals
        return bool(positionals)
    got[shape.positional] = positionals[0] if len(positionals) == 1 else None
    return len(positionals) == 1
