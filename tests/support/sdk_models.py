"""Check venue JSON against an official SDK's pydantic models, field by field.

``check(model, data)`` validates every field of ``data`` that ``model`` declares against that
field's type (recursing into nested models and lists of models) and returns the problems, one
line each. Fields the model does not declare are returned separately: they are newer than the
installed SDK (the 2026 fixed-point fields against an older SDK) and the caller decides. This is
stricter than ``model.from_dict`` where it matters (types) and tolerant where SDK versions differ
(fields required by an old spec and since removed).
"""

from __future__ import annotations

import typing
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError


def _model_of(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    """(model, is_list) when ``annotation`` is a model, an Optional model or a list of models."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    origin = typing.get_origin(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    if origin in (list, typing.List) and args:  # noqa: UP006
        inner, _ = _model_of(args[0])
        return inner, True
    if origin is typing.Union and len(args) == 1:
        return _model_of(args[0])
    return None, False


def check(model: type[BaseModel], data: dict[str, Any], where: str = "") -> tuple[list[str], list[str]]:
    """(type problems, fields unknown to the model) of ``data`` against ``model``."""
    problems: list[str] = []
    unknown: list[str] = []
    aliases = {(f.alias or name): name for name, f in model.model_fields.items()}
    for key, value in data.items():
        name = aliases.get(key)
        path = f"{where}.{key}" if where else key
        if name is None:
            unknown.append(path)
            continue
        if value is None:
            continue
        annotation = model.model_fields[name].annotation
        inner, is_list = _model_of(annotation)
        if inner is not None:
            items = value if is_list else [value]
            if not isinstance(items, list):
                problems.append(f"{path}: expected a list")
                continue
            for i, item in enumerate(items):
                if not isinstance(item, dict):
                    problems.append(f"{path}[{i}]: expected an object")
                    continue
                p, u = check(inner, item, f"{path}[{i}]" if is_list else path)
                problems += p
                unknown += u
            continue
        try:
            TypeAdapter(annotation).validate_python(value)
        except ValidationError as exc:
            problems.append(f"{path}: {exc.errors()[0]['msg']} (got {value!r:.40})")
    return problems, unknown


def find_model(models: Any, *, has: set[str], lacks: set[str] = frozenset()) -> type[BaseModel] | None:  # type: ignore[assignment]
    """The SDK model whose fields include ``has`` and none of ``lacks`` (found by shape, not by name)."""
    for value in vars(models).values():
        if isinstance(value, type) and issubclass(value, BaseModel) and value is not BaseModel:
            fields = {(f.alias or n) for n, f in value.model_fields.items()}
            if has <= fields and not (lacks & fields):
                return value
    return None
