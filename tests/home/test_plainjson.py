"""The CLI's JSON without the json module: the same text and the same values as ``json``, byte for byte."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from liveswap.home import plainjson

SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
DOCS = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
                    max_leaves=25)


@settings(max_examples=400, deadline=None)
@given(DOCS, st.sampled_from([None, 0, 2, 4]))
def test_dumps_writes_what_json_writes(doc: Any, indent: int | None) -> None:
    assert plainjson.dumps(doc, indent=indent) == json.dumps(doc, indent=indent, sort_keys=True)
    has_nan = any(x in plainjson.dumps(doc) for x in ("NaN", "Infinity"))
    if not has_nan:
        assert plainjson.dumps(doc, indent=indent, allow_nan=False) == \
            json.dumps(doc, indent=indent, sort_keys=True, allow_nan=False)


@settings(max_examples=400, deadline=None)
@given(DOCS, st.sampled_from([None, 2]))
def test_loads_reads_what_json_reads(doc: Any, indent: int | None) -> None:
    text = json.dumps(doc, indent=indent)
    got, want = plainjson.loads(text), json.loads(text)
    assert json.dumps(got, sort_keys=True) == json.dumps(want, sort_keys=True)  # NaN != NaN: compare as text
    padded = plainjson.loads(f" \n{text}\t\r\n")
    assert json.dumps(padded, sort_keys=True) == json.dumps(want, sort_keys=True)


def test_not_finite_numbers_are_refused_where_asked() -> None:
    assert math.isnan(plainjson.loads("NaN"))
    for text in ("NaN", '{"a": [Infinity]}', "-Infinity"):
        with pytest.raises(ValueError, match="not allowed"):
            plainjson.loads(text, constants=False)
    with pytest.raises(ValueError):
        plainjson.dumps({"a": float("nan")}, allow_nan=False)


@pytest.mark.parametrize("text", ["", " ", "{", '{"a": 1} x', '{"a": 1}{}', "[1,]", '{"a" 1}', "'a'", '"\\x"',
                                  "tru", "01", "\ufeff{}", '{"a": "\x01"}'])
def test_invalid_json_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        json.loads(text)
    with pytest.raises(ValueError):
        plainjson.loads(text)


def test_too_deep_a_document_is_a_value_error_too() -> None:
    """In a fresh interpreter (the CLI's case): under pytest the recursion limit may be raised beyond what the C
    stack holds, and the C scanner (json's own) would then crash instead of raising RecursionError."""
    code = ("from liveswap.home import plainjson\ntry:\n    plainjson.loads('[' * 100_000)\n"
            "except ValueError as exc:\n    print('ValueError', exc)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("ValueError"), done.stderr


def test_what_it_cannot_write_goes_to_json() -> None:
    odd = {"a": {1: "int keys", 2: [True, None]}, "t": (1, 2)}
    assert plainjson.dumps(odd, indent=2) == json.dumps(odd, indent=2, sort_keys=True)
    assert plainjson.dumps({"p": object()}, default=lambda _o: "x") == '{"p": "x"}'
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(ValueError, match="Circular"):
        plainjson.dumps(loop)


def test_importing_it_imports_neither_json_nor_re() -> None:
    code = "import sys, liveswap.home.plainjson as p; p.dumps(p.loads('{\"a\": [1.5]}'), indent=2); " \
           "print(sorted(m for m in ('json', 're', 'enum') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
