"""Strategy code behind a fresh pluggy ``PluginManager``: load, validate, call hooks.

Shared by the in-process runner (tests, ``liveswap.testing``) and the sandboxed worker. One
manager per loaded version, never unregister-in-place (pluggy's register is not transactional).
"""

from __future__ import annotations

import json
import traceback
from importlib.metadata import distributions
from typing import Any

import pluggy

from liveswap import ENTRY_POINT_GROUP
from liveswap.api import PROJECT, REQUIRED_HOOKS, StrategySpec
from liveswap.runners.base import Batch, BatchResult, StrategyFault


def _one_line(exc: BaseException) -> str:
    tb = traceback.extract_tb(exc.__traceback__)
    where = f" at {tb[-1].filename.rsplit('/', 1)[-1]}:{tb[-1].lineno}" if tb else ""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}{': ' + text if text else ''}{where}"


def resolve_entry_point(name: str, path: list[str] | None = None) -> Any:
    """Import the object behind entry point ``name`` in group ``liveswap.strategies``.

    With ``path``, only distributions installed there are searched (a registry version's own
    directory); ``importlib.metadata.entry_points()`` would return the first distribution of a
    name on ``sys.path`` instead.
    """
    dists = distributions(path=path) if path is not None else distributions()
    for dist in dists:
        for ep in dist.entry_points:
            if ep.group == ENTRY_POINT_GROUP and ep.name == name:
                try:
                    return ep.load()
                except Exception as exc:  # noqa: BLE001 - any import failure is the strategy's
                    raise StrategyFault("load", f"cannot import {ep.value}: {_one_line(exc)}") from exc
    where = f" in {path[0]}" if path else ""
    raise StrategyFault("load", f"no entry point {name!r} in group {ENTRY_POINT_GROUP}{where}")


_STATE_DUMPS = json.JSONEncoder(separators=(",", ":"), allow_nan=False).encode


class StrategyPlugin:
    """One strategy object registered in its own pluggy manager against ``StrategySpec``."""

    def __init__(self, obj: Any, *, name: str, version: str) -> None:
        self.name = name
        self.version = version
        try:
            plugin = obj() if isinstance(obj, type) else obj
        except Exception as exc:  # noqa: BLE001
            raise StrategyFault("load", f"cannot instantiate {name}: {_one_line(exc)}") from exc
        pm = pluggy.PluginManager(PROJECT)
        pm.add_hookspecs(StrategySpec)
        try:
            pm.register(plugin, name=name)
            pm.check_pending()
        except pluggy.PluginValidationError as exc:
            raise StrategyFault("load", f"hook does not match the spec: {exc}") from exc
        for hook in REQUIRED_HOOKS:
            if not getattr(pm.hook, hook).get_hookimpls():
                raise StrategyFault("load", f"{name} does not implement the required hook {hook}")
        self._pm = pm
        self._hook = pm.hook
        self.strategy = plugin
        self.implements = {
            h for h in ("export_state", "import_state", "on_fill", "on_settle", "on_params")
            if getattr(pm.hook, h).get_hookimpls()
        }

    def _call(self, hook: str, **kwargs: Any) -> Any:
        try:
            return getattr(self._hook, hook)(**kwargs)
        except Exception as exc:  # noqa: BLE001 - a strategy exception is a fault, not a crash
            raise StrategyFault("exception", f"{hook} raised {_one_line(exc)}") from exc

    def setup(self, params: dict[str, Any]) -> None:
        self._call("setup", params=dict(params))

    def run_batch(self, batch: Batch) -> BatchResult:
        for fill in batch.fills:
            self._call("on_fill", fill=fill)
        for settlement in batch.settlements:
            self._call("on_settle", settlement=settlement)
        outputs = [self._call("on_candle", candle=c, ctx=ctx) for c, ctx in batch.candles]
        return BatchResult(outputs=outputs)

    def on_params(self, params: dict[str, Any]) -> None:
        self._call("on_params", params=dict(params))

    def export_state(self, schema: int | None = None) -> dict[str, Any] | None:
        if "export_state" not in self.implements:
            return None
        state = self._export(schema)
        if not isinstance(state, dict):
            raise StrategyFault("garbage", f"export_state returned {type(state).__name__}, not dict")
        try:
            return json.loads(json.dumps(state, allow_nan=False))
        except (TypeError, ValueError) as exc:
            raise StrategyFault("garbage", f"export_state is not JSON-serialisable: {exc}") from exc

    def _export(self, schema: int | None) -> Any:
        """``export_state(schema=...)``; a version asked for an older schema must take the argument
        (one that does not would hand over its own layout instead: a broken ``writes``)."""
        impls = self._hook.export_state.get_hookimpls()
        if schema is not None and not all("schema" in impl.argnames for impl in impls):
            raise StrategyFault("garbage", f"asked for state schema {schema} (declared in writes), but its "
                                           "export_state takes no schema argument (one with a default is never "
                                           "passed: write export_state(self, schema))")
        return self._call("export_state", schema=schema)

    def import_state(self, state: dict[str, Any], from_version: str) -> None:
        if "import_state" in self.implements:
            # a private copy, as if it had crossed a process boundary: the strategy may mutate it
            self._call("import_state", state=json.loads(json.dumps(state)), from_version=from_version)

    def export_state_json(self, schema: int | None = None) -> bytes:
        """``export_state`` as compact JSON bytes (``b"null"`` without the hook): one encode, no copy."""
        if "export_state" not in self.implements:
            if schema is not None:
                raise StrategyFault("garbage", f"asked for state schema {schema} (declared in writes), "
                                               "but it has no export_state hook")
            return b"null"
        state = self._export(schema)
        if not isinstance(state, dict):
            raise StrategyFault("garbage", f"export_state returned {type(state).__name__}, not dict")
        try:
            return _STATE_DUMPS(state).encode()
        except (TypeError, ValueError, RecursionError) as exc:
            raise StrategyFault("garbage", f"export_state is not JSON-serialisable: {exc}") from exc

    def import_state_json(self, state_json: bytes, from_version: str) -> None:
        """``import_state`` of a state given as JSON bytes (another version's export, relayed by the
        host unparsed): parsed here, so the strategy gets its own fresh dict; anything but a JSON
        object is refused as ``garbage``."""
        if "import_state" not in self.implements:
            return
        try:
            state = json.loads(state_json)
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise StrategyFault("garbage", f"the state to import is not JSON: {exc}") from None
        if not isinstance(state, dict):
            raise StrategyFault("garbage", f"the state to import is a JSON {type(state).__name__}, not an object")
        self._call("import_state", state=state, from_version=from_version)
