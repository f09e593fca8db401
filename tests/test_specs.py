"""One grammar of NAME[==VERSION] and one version order, for control.json, the registry and the swap."""

from __future__ import annotations

import pytest
from liveswap.exceptions import RegistryError
from liveswap.home.control import ControlDoc
from liveswap.registry.registry import Registry
from liveswap.specs import SpecError, parse_spec, version_order
from pydantic import ValidationError


def test_parse_spec() -> None:
    assert parse_spec("momentum==1.2.0") == ("momentum", "1.2.0")
    assert parse_spec(" momentum ") == ("momentum", None)
    for bad in ("", "mo mentum", "momentum>=1.0", "momentum==", "momentum==not.a.version", "==1.0"):
        with pytest.raises(SpecError):
            parse_spec(bad)


def test_version_order_is_pep440() -> None:
    assert sorted(["1.10.0", "1.9.0", "1.2.0rc1", "1.2.0", "junk"], key=version_order) == [
        "junk", "1.2.0rc1", "1.2.0", "1.9.0", "1.10.0"]


@pytest.mark.parametrize("spec", ["momentum>=1.0", "momentum==", "mo mentum"])
def test_control_and_registry_refuse_the_same_specs(spec: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError):
        ControlDoc.parse({"active": spec})
    (tmp_path / "registry").mkdir()
    with pytest.raises(RegistryError):
        Registry(tmp_path).find(spec)
