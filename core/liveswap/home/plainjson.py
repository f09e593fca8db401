"""JSON for the CLI's fast paths, without importing :mod:`json` (which imports :mod:`re`, :mod:`enum`...).

Importing ``json`` costs most of an interpreter start, more than everything else ``liveswap
pause`` does. The parsing and string escaping of ``json`` are C code in ``_json``; this module
calls that code directly, and adds the few lines of layout ``json.dumps`` keeps in Python. The
results are the ``json`` module's, byte for byte (tests/home/test_plainjson.py checks that
against ``json`` on generated documents):

* :func:`loads` is ``json.loads`` (``constants=False``: ``parse_constant`` raising, so NaN and
  Infinity are refused), raising ``ValueError`` on anything that is not one JSON document;
* :func:`dumps` is ``json.dumps(obj, indent=indent, sort_keys=True, allow_nan=allow_nan)`` for
  documents of ``dict`` (with ``str`` keys), ``list``, ``tuple``, ``str``, ``int``, ``float``,
  ``bool`` and ``None``; anything else is handed to ``json`` itself.

Without ``_json`` (an interpreter other than CPython), both fall back to :mod:`json`.
"""

from __future__ import annotations

from liveswap.exceptions import LiveswapError

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any

try:
    from _json import encode_basestring_ascii as _quote
    from _json import make_scanner as _make_scanner
except ImportError:  # pragma: no cover - CPython always has _json
    _make_scanner = _quote = None

__all__ = ["dumps", "loads"]

_WHITESPACE = " \t\n\r"


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed (numbers must be finite)")


class _Context:
    """What ``_json.make_scanner`` reads from a ``json.JSONDecoder``: the defaults of ``json.loads``."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    memo: dict[str, Any] = {}

    def __init__(self, parse_constant: Any) -> None:
        self.parse_constant = parse_constant


_SCANNERS = {True: _make_scanner(_Context(float)), False: _make_scanner(_Context(_refuse_constant))} \
    if _make_scanner is not None else None


def loads(text: str, *, constants: bool = True) -> Any:
    """``json.loads(text)``; with ``constants=False`` NaN, Infinity and -Infinity are refused.
    Raises ``ValueError`` (a ``json.JSONDecodeError`` or a plain one) on invalid JSON."""
    if _SCANNERS is None:  # pragma: no cover
        import json

        return json.loads(text) if constants else json.loads(text, parse_constant=_refuse_constant)
    if not isinstance(text, str):
        raise ValueError("JSON text must be a str")
    start = len(text) - len(text.lstrip(_WHITESPACE))
    try:
        value, end = _SCANNERS[constants](text, start)
    except StopIteration as exc:
        raise ValueError(f"not valid JSON (at character {exc.value})") from None
    except RecursionError:
        raise ValueError("not valid JSON (nested too deeply)") from None
    except SystemError:  # _json words most errors through json.decoder, which is not loaded: ask json itself
        raise ValueError(_reason(text, constants)) from None
    if text[end:].strip(_WHITESPACE):
        raise ValueError(f"not valid JSON (extra data at character {end})")
    return value


def _reason(text: str, constants: bool) -> str:
    """Why ``text`` is not JSON, in ``json``'s words (imported only on this error path)."""
    import json

    try:
        json.loads(text) if constants else json.loads(text, parse_constant=_refuse_constant)
    except ValueError as exc:
        return f"not valid JSON ({exc})"
    except RecursionError:
        return "not valid JSON (nested too deeply)"
    return "not valid JSON"


class _Unsupported(LiveswapError):
    """A value the fast encoder leaves to ``json`` (a non-str key, a type JSON has no form for)."""


def dumps(obj: Any, *, indent: int | None = None, allow_nan: bool = True, default: Any = None) -> str:
    """``json.dumps(obj, indent=indent, sort_keys=True, allow_nan=allow_nan, default=default)``
    (``default`` is only ever called by ``json``, for values this module leaves to it)."""
    if _quote is not None:
        try:
            out: list[str] = []
            _encode(obj, out, "\n" if indent is not None else None, " " * (indent or 0), allow_nan)
            return "".join(out)
        except (_Unsupported, RecursionError):  # json words a circular reference its own way
            pass
    import json

    return json.dumps(obj, indent=indent, sort_keys=True, allow_nan=allow_nan, default=default)


def _float(value: float, allow_nan: bool) -> str:
    if value != value or value in (float("inf"), float("-inf")):
        if not allow_nan:
            raise ValueError(f"Out of range float values are not JSON compliant: {value!r}")
        return "NaN" if value != value else ("Infinity" if value > 0 else "-Infinity")
    return float.__repr__(value)


_LITERALS = {None: "null", True: "true", False: "false"}


def _encode(obj: Any, out: list[str], newline: str | None, step: str, allow_nan: bool) -> None:
    """Append ``obj``'s JSON to ``out``; ``newline`` is ``"\\n" + the current indentation``
    (None: on one line, ``json``'s ``", "`` and ``": "`` separators)."""
    if isinstance(obj, str):
        out.append(_quote(obj))
    elif obj is None or obj is True or obj is False:
        out.append(_LITERALS[obj])
    elif isinstance(obj, int):
        out.append(int.__repr__(obj))
    elif isinstance(obj, float):
        out.append(_float(obj, allow_nan))
    elif isinstance(obj, (list, tuple)):
        _encode_items(obj, None, "[]", out, newline, step, allow_nan)
    elif isinstance(obj, dict):
        if not all(isinstance(k, str) for k in obj):
            raise _Unsupported
        keys = sorted(obj)
        _encode_items([obj[k] for k in keys], keys, "{}", out, newline, step, allow_nan)
    else:
        raise _Unsupported


def _encode_items(items: Any, keys: list[str] | None, brackets: str, out: list[str], newline: str | None,
                  step: str, allow_nan: bool) -> None:
    """A list's ``items`` (``keys`` None) or a dict's values under their sorted ``keys``."""
    if not items:
        out.append(brackets)
        return
    inner = None if newline is None else newline + step
    out.append(brackets[0] if inner is None else brackets[0] + inner)
    for i, item in enumerate(items):
        if i:
            out.append(", " if inner is None else "," + inner)
        if keys is not None:
            out.append(_quote(keys[i]))
            out.append(": ")
        _encode(item, out, inner, step, allow_nan)
    out.append(brackets[1] if newline is None else newline + brackets[1])
