"""Registry: discovery, change detection, resolve, immutability, isolated installs that load."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from installer import install
from installer.destinations import SchemeDictionaryDestination
from installer.sources import WheelFile
from liveswap.registry import EnvConfig, HostEnvironment, Registry, RegistryError

from tests.support.wheelkit import make_wheel, strategy_source, tree


def drop(home: Path, wheel: Path) -> Path:
    target = home / "registry" / wheel.name
    shutil.copyfile(wheel, target)
    return target


def offline(home: Path) -> Registry:
    """A registry whose dependencies resolve from ``registry/`` only (no index: deterministic)."""
    config = EnvConfig(home / "state" / "cache" / "uv", (home / "registry",), offline=True)
    return Registry(home, env_config=config)


def load_in_subprocess(install_dir: Path, name: str) -> dict[str, str]:
    """Load entry point ``name`` from ``install_dir`` the way a worker does, in a fresh process."""
    code = textwrap.dedent(f"""
        import json, sys
        sys.path.insert(0, {str(install_dir)!r})
        from liveswap.runners.strategy_plugin import resolve_entry_point
        obj = resolve_entry_point({name!r}, path=[{str(install_dir)!r}])
        mod = sys.modules[obj.__module__]
        print(json.dumps({{"file": mod.__file__, "version": mod.VERSION, "extra": getattr(mod, "EXTRA", "")}}))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_scan_lists_versions_side_by_side_and_resolve_picks_newest_compatible(home: Path) -> None:
    out = home.parent / "out"
    for version in ("1.0.0", "1.2.0", "1.10.0"):
        drop(home, make_wheel(out, version=version))
    drop(home, make_wheel(out, version="2.0.0", requires=["liveswap>=2"]))  # newest, but refused
    registry = Registry(home)
    versions = registry.scan()
    assert [(v.name, v.version, v.verdict) for v in versions] == [
        ("momentum", "1.0.0", "compatible"),
        ("momentum", "1.2.0", "compatible"),
        ("momentum", "1.10.0", "compatible"),
        ("momentum", "2.0.0", "refused"),
    ]
    v = registry.resolve("momentum")
    assert (v.version, v.dist_name, v.source, v.entry_point) == ("1.10.0", "momentum-strategy", "registry",
                                                                "momentum_strategy:Strategy")
    assert len(v.sha256) == 64 and v.path == home / "registry" / "momentum_strategy-1.10.0-py3-none-any.whl"
    assert registry.resolve("momentum==1.2.0").version == "1.2.0"
    assert registry.resolve("momentum==1.2").version == "1.2.0"  # versions compare as versions


@pytest.mark.parametrize(("spec", "reason"), [
    ("nope", "unknown strategy 'nope' (known: momentum)"),
    ("momentum==9.9", "momentum 9.9 is not in the registry (versions: 1.0.0, 2.0.0)"),
    ("momentum==2.0.0", "momentum==2.0.0 is refused: requires liveswap>=2 but this host is liveswap 1.0.0"),
    ("momentum>=1", "invalid strategy spec 'momentum>=1': expected NAME or NAME==VERSION"),
    ("", "invalid strategy spec ''"),
])
def test_resolve_refuses_with_one_line(home: Path, spec: str, reason: str) -> None:
    drop(home, make_wheel(home.parent / "out", version="1.0.0"))
    drop(home, make_wheel(home.parent / "out", version="2.0.0", requires=["liveswap>=2"]))
    with pytest.raises(RegistryError) as err:
        Registry(home).resolve(spec)
    assert str(err.value).startswith(reason)
    assert "\n" not in str(err.value)


def test_resolve_without_any_compatible_version_names_the_newest_reason(home: Path) -> None:
    drop(home, make_wheel(home.parent / "out", version="2.0.0", requires=["liveswap>=2"]))
    with pytest.raises(RegistryError, match="no compatible version of momentum; newest is refused: requires liveswap"):
        Registry(home).resolve("momentum")


def test_a_dropped_wheel_is_seen_without_restart(home: Path) -> None:
    registry = Registry(home)
    assert registry.scan() == []
    assert not registry.changed() and registry.rescan() is None
    drop(home, make_wheel(home.parent / "out", version="1.0.0"))
    assert registry.changed()
    assert [v.version for v in registry.rescan() or []] == ["1.0.0"]
    assert not registry.changed()
    (home / "registry" / "momentum_strategy-1.0.0-py3-none-any.whl").unlink()
    assert registry.changed() and registry.rescan() == []


def test_a_half_copied_wheel_is_refused_then_accepted_once_complete(home: Path) -> None:
    wheel = make_wheel(home.parent / "out")
    target = home / "registry" / wheel.name
    target.write_bytes(wheel.read_bytes()[:100])
    registry = Registry(home)
    assert registry.scan()[0].verdict == "refused"
    with open(target, "wb") as fh:
        fh.write(wheel.read_bytes())
    assert registry.changed()
    assert registry.scan()[0].verdict == "compatible"


def test_a_version_is_immutable(home: Path) -> None:
    out_a, out_b = home.parent / "a", home.parent / "b"
    first = make_wheel(out_a, version="1.0.0")
    other = make_wheel(out_b, version="1.0.0", body=strategy_source("1.0.0") + "CHANGED = True\n")
    drop(home, first)
    registry = Registry(home)
    assert registry.scan()[0].verdict == "compatible"
    index = json.loads((home / "state" / "registry" / "index.json").read_text())
    assert list(index["versions"]) == ["momentum-strategy==1.0.0"]
    # replaced in place with other content: refused, and stays refused after the first is gone
    accepted = index["versions"]["momentum-strategy==1.0.0"]["sha256"]
    drop(home, other)
    for reg in (registry, Registry(home)):
        (v,) = reg.scan()
        assert v.verdict == "refused"
        assert v.reasons == [f"momentum-strategy 1.0.0 is already known with another wheel (sha256 {accepted[:12]}); "
                             "versions are immutable: publish a new version"]
    # the same bytes as the first are fine again
    drop(home, first)
    assert Registry(home).scan()[0].verdict == "compatible"


def test_two_different_wheels_of_one_version_in_one_scan_the_first_dropped_wins(home: Path) -> None:
    older = drop(home, make_wheel(home.parent / "a", version="1.0.0"))
    newer = drop(home, make_wheel(home.parent / "b", version="1.0.0", tag="py311-none-any"))
    os.utime(older, ns=(1_000_000_000, 1_000_000_000))
    verdicts = {v.path.name: v.verdict for v in Registry(home).scan() if v.path}
    assert verdicts == {older.name: "compatible", newer.name: "refused"}


def test_install_is_isolated_idempotent_and_loads_from_its_own_directory(home: Path) -> None:
    out = home.parent / "out"
    for version in ("1.0.0", "1.1.0"):
        drop(home, make_wheel(out, version=version))
    registry = Registry(home)
    registry.scan()
    installed = {}
    for spec in ("momentum==1.0.0", "momentum==1.1.0"):
        version = registry.resolve(spec)
        inst = registry.install(version)
        root = home / "state" / "versions" / f"momentum-strategy-{version.version}-{version.sha256[:12]}"
        assert inst.path == root / "site"
        assert inst.lock is not None and inst.lock["strategy"]["wheel_sha256"] == version.sha256
        assert (inst.name, inst.version, inst.sha256, inst.entry_point) == (
            "momentum", version.version, version.sha256, "momentum_strategy:Strategy")
        installed[version.version] = inst.path
    # the same module name, two versions side by side, each loading from its own directory
    for version, path in installed.items():
        loaded = load_in_subprocess(path, "momentum")
        assert loaded["version"] == version
        assert Path(loaded["file"]).is_relative_to(path)
    # idempotent: a second install reuses the directory untouched
    marker = installed["1.0.0"].parent / "liveswap.lock.json"
    stamp = marker.stat().st_mtime_ns
    assert registry.install(registry.resolve("momentum==1.0.0")).path == installed["1.0.0"]
    assert marker.stat().st_mtime_ns == stamp
    # never in the host environment, no leftovers
    assert sorted(p.name for p in (home / "state" / "versions").iterdir()) == [
        ".locks", installed["1.0.0"].parent.name, installed["1.1.0"].parent.name]


def test_a_real_hatchling_wheel_installs_and_loads(home: Path, real_wheels: dict[str, Path]) -> None:
    for wheel in real_wheels.values():
        drop(home, wheel)
    registry = Registry(home)
    paths = {v: registry.install(registry.resolve(f"momentum=={v}")).path for v in real_wheels}
    for version, path in paths.items():
        assert path is not None
        loaded = load_in_subprocess(path, "momentum")
        assert loaded["version"] == version and Path(loaded["file"]).is_relative_to(path)


def test_concurrent_installs_of_one_version_make_one_directory(home: Path) -> None:
    drop(home, make_wheel(home.parent / "out"))
    code = textwrap.dedent(f"""
        from pathlib import Path
        from liveswap.registry import Registry
        reg = Registry(Path({str(home)!r}))
        print(reg.install(reg.resolve("momentum")).path)
    """)
    procs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True) for _ in range(4)]
    paths = {p.communicate(timeout=60)[0].strip() for p in procs}
    assert all(p.returncode == 0 for p in procs)
    assert len(paths) == 1
    entries = sorted(p.name for p in (home / "state" / "versions").iterdir())
    assert entries == [".locks", Path(paths.pop()).parent.name]


def test_a_wheel_changed_after_the_scan_is_not_installed(home: Path) -> None:
    target = drop(home, make_wheel(home.parent / "a"))
    registry = Registry(home)
    version = registry.resolve("momentum")
    shutil.copyfile(make_wheel(home.parent / "b", body=strategy_source("1.0.0") + "EVIL = 1\n"), target)
    with pytest.raises(RegistryError, match="changed since it was checked"):
        registry.install(version)
    assert [p.name for p in (home / "state" / "versions").iterdir()] == [".locks"]


def helper_lib(out: Path, version: str = "1.0", **kw: object) -> Path:
    return make_wheel(out, name="helper-lib", version=version, ep=None, module="helper_lib", requires=(),
                      body=f"EXTRA = 'helper {version}'\n", **kw)  # type: ignore[arg-type]


def test_dependencies_come_from_registry_wheels_into_the_version_directory(home: Path) -> None:
    out = home.parent / "out"
    drop(home, helper_lib(out, "1.0"))
    drop(home, helper_lib(out, "2.0"))
    body = strategy_source("1.0.0", imports=["helper_lib"]) + "EXTRA = helper_lib.EXTRA\n"
    drop(home, make_wheel(out, requires=["liveswap>=1.0,<2", "helper-lib<2", "win-only; sys_platform == 'win32'"],
                          body=body))
    registry = offline(home)
    versions = registry.scan()
    assert [v.name for v in versions] == ["momentum"]  # a library wheel is not a strategy
    v = registry.resolve("momentum")
    assert [(d.requirement, d.satisfied_by, d.version) for d in v.report.dependencies] == [
        ("helper-lib<2", "", "")]  # listed at scan, pinned by the resolver at install
    inst = registry.install(v)
    assert inst.path is not None and inst.lock is not None
    assert (inst.path / "helper_lib" / "__init__.py").is_file()
    assert [(p["name"], p["version"]) for p in inst.lock["packages"]] == [("helper-lib", "1.0")]
    assert load_in_subprocess(inst.path, "momentum")["extra"] == "helper 1.0"
    report = registry.check("momentum")
    pinned = [(d.requirement, d.satisfied_by, d.version) for d in report.dependencies]
    assert pinned == [("helper-lib<2", "lock", "1.0")]


def test_a_dependency_wheel_with_a_bad_record_is_not_installed(home: Path) -> None:
    out = home.parent / "out"
    drop(home, helper_lib(out, "1.0", tamper={"helper_lib/__init__.py": b"EXTRA = 'evil'\n"}))
    drop(home, make_wheel(out, requires=["liveswap>=1.0,<2", "helper-lib"]))
    registry = offline(home)
    with pytest.raises(RegistryError, match=r"installed files do not match their RECORD: helper_lib/__init__.py"):
        registry.install(registry.resolve("momentum"))
    assert [p.name for p in (home / "state" / "versions").iterdir()] == [".locks"]


def test_transitive_dependencies_are_installed_too(home: Path) -> None:
    out = home.parent / "out"
    drop(home, make_wheel(out, name="base-lib", version="1.0", ep=None, module="base_lib", requires=(),
                          body="X = 1\n"))
    drop(home, make_wheel(out, name="mid-lib", version="1.0", ep=None, module="mid_lib", requires=["base-lib"],
                          body="import base_lib\n"))
    drop(home, make_wheel(out, requires=["liveswap>=1.0,<2", "mid-lib"]))
    registry = offline(home)
    inst = registry.install(registry.resolve("momentum"))
    assert inst.path is not None
    assert (inst.path / "mid_lib").is_dir() and (inst.path / "base_lib").is_dir()


def test_pip_installed_strategies_are_found_and_verified(home: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    wheel = make_wheel(tmp_path / "out", name="trend-strategy", version="3.0.0", ep="trend", module="trend_strategy")
    dest = SchemeDictionaryDestination({k: str(site) for k in ("purelib", "platlib", "scripts", "data", "headers")},
                                       interpreter=sys.executable, script_kind="posix")
    with WheelFile.open(wheel) as source:
        install(source, dest, {"INSTALLER": b"pip\n"})
    host = HostEnvironment(search_path=[str(site), *sys.path], strategies=True)
    registry = Registry(home, host=host)
    (v,) = [v for v in registry.scan() if v.name == "trend"]
    assert (v.source, v.version, v.dist_name, v.sha256, v.path, v.verdict) == (
        "installed", "3.0.0", "trend-strategy", "", None, "compatible")
    inst = registry.install(registry.resolve("trend"))
    assert inst.path is None and inst.source == "installed"
    assert not (home / "state" / "versions").exists()
    # modified after install: RECORD no longer matches
    (site / "trend_strategy" / "__init__.py").write_text("EVIL = 1\n")
    (v,) = [v for v in registry.scan() if v.name == "trend"]
    assert v.reasons == ["installed file trend_strategy/__init__.py does not match RECORD (modified after install)"]


def test_a_broken_index_refuses_registry_wheels_until_fixed(home: Path) -> None:
    drop(home, make_wheel(home.parent / "out"))
    index = home / "state" / "registry" / "index.json"
    index.parent.mkdir(parents=True)
    index.write_text("{not json")
    (v,) = Registry(home).scan()
    assert v.verdict == "refused" and "registry index" in v.reasons[0] and "fix or delete it" in v.reasons[0]
    index.unlink()
    assert Registry(home).scan()[0].verdict == "compatible"


def test_scanning_writes_only_the_index(home: Path) -> None:
    drop(home, make_wheel(home.parent / "out"))
    before = tree(home)
    Registry(home).scan()
    assert tree(home) - before == {"state", "state/registry", "state/registry/index.json",
                                   "state/registry/index.json.lock"}


def test_a_home_without_registry_folder_scans_empty_and_writes_nothing(tmp_path: Path) -> None:
    registry = Registry(tmp_path / "nowhere")
    assert all(v.source == "installed" for v in registry.scan())  # no registry wheels
    assert not (tmp_path / "nowhere").exists()


def test_a_broken_state_folder_is_a_registry_error_not_a_crash(home: Path) -> None:
    drop(home, make_wheel(home.parent / "out"))
    (home / "state").mkdir()
    (home / "state" / "versions").write_text("a file where the versions folder should be\n")
    registry = Registry(home)
    version = registry.resolve("momentum")
    with pytest.raises(RegistryError, match="cannot install momentum==1.0.0 into"):
        registry.install(version)
    shutil.rmtree(home / "state")
    (home / "state").write_text("a file where the state folder should be\n")
    with pytest.raises(RegistryError, match="registry index .* is unreadable .*; fix or delete it"):
        Registry(home).resolve("momentum")
