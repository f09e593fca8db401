"""Each version in its own environment: resolved, locked, hermetic in the worker, shared on disk."""

from __future__ import annotations

import json
import os
import shutil
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from liveswap.registry import EnvConfig, Registry, RegistryError, disk_usage
from liveswap.registry.resolver import tool_of
from liveswap.runners.base import StrategyFault
from liveswap.sandbox.runner import SandboxRunner
from liveswap.settings import load_settings

from tests.support.wheelkit import make_wheel

PROBE = textwrap.dedent("""
    import sys
    from liveswap.api import hookimpl
    {imports}

    def _try(name):
        try:
            __import__(name)
            return "imported"
        except ImportError as exc:
            return f"ImportError: {{exc}}"

    class Strategy:
        @hookimpl
        def on_candle(self, candle, ctx):
            return []

        @hookimpl
        def export_state(self):
            return {{"lib": {lib}, "path": list(sys.path),
                     "httpx": _try("httpx"), "pydantic": _try("pydantic"), "loguru": _try("loguru")}}
""")


def probe(version: str, requires: list[str], *, imports: str = "", lib: str = "None", out: Path,
          name: str = "probe-strategy") -> Path:
    body = PROBE.format(imports=imports, lib=lib)
    return make_wheel(out, name=name, version=version, ep="probe", module="probe_strategy",
                      requires=["liveswap>=1.0,<2", *requires], body=body)


def tinylib(out: Path, version: str, requires: tuple[str, ...] = ()) -> Path:
    return make_wheel(out, name="tinylib", version=version, ep=None, module="tinylib", requires=requires,
                      body=f"VERSION = {version!r}\n" + "PAYLOAD = " + repr("x" * 200_000) + "\n")


def offline(home: Path, resolver: str = "auto") -> Registry:
    config = EnvConfig(home / "state" / "cache" / "uv", (home / "registry",), offline=True, resolver=resolver)
    return Registry(home, env_config=config)


@pytest.fixture
def runners(tmp_path: Path) -> Iterator[list[SandboxRunner]]:
    started: list[SandboxRunner] = []
    yield started
    for runner in started:
        runner.close()


def state_of(registry: Registry, spec: str, runners: list[SandboxRunner], tmp_path: Path) -> dict:
    version = registry.resolve(spec)
    installed = registry.install(version)
    runner = SandboxRunner(version.name, version.version, installed.path, scratch_root=tmp_path / "scratch")
    runners.append(runner)
    runner.start()
    state = runner.export_state()
    assert state is not None
    return state


def test_two_versions_needing_conflicting_library_versions_run_side_by_side(
        home: Path, tmp_path: Path, runners: list[SandboxRunner]) -> None:
    out = tmp_path / "out"
    for v in ("1.0", "2.0"):
        shutil.copy(tinylib(out, v), home / "registry")
    shutil.copy(probe("1.0.0", ["tinylib<2"], imports="import tinylib", lib="tinylib.VERSION", out=out),
                home / "registry")
    shutil.copy(probe("2.0.0", ["tinylib>=2"], imports="import tinylib", lib="tinylib.VERSION", out=out),
                home / "registry")
    registry = offline(home)
    old = state_of(registry, "probe==1.0.0", runners, tmp_path)
    new = state_of(registry, "probe==2.0.0", runners, tmp_path)
    assert (old["lib"], new["lib"]) == ("1.0", "2.0")
    assert all(r.alive for r in runners)  # both workers at once, each with its own tinylib


def test_the_worker_sees_its_environment_and_the_api_only(home: Path, tmp_path: Path,
                                                          runners: list[SandboxRunner]) -> None:
    import httpx  # noqa: F401 - the host has these packages ...
    import pydantic  # noqa: F401

    shutil.copy(probe("1.0.0", [], out=tmp_path / "out"), home / "registry")
    state = state_of(offline(home), "probe", runners, tmp_path)
    # ... and the worker cannot import them: they are not the version's declared requirements
    assert state["httpx"] == "ImportError: No module named 'httpx'"
    assert state["pydantic"] == "ImportError: No module named 'pydantic'"
    assert state["loguru"] == "ImportError: No module named 'loguru'"
    site = str(home / "state" / "versions")
    assert not any("site-packages" in p for p in state["path"]), state["path"]
    assert state["path"][-1].startswith(site)  # after the standard library's: it can never be shadowed
    assert not any(p.startswith(site) for p in state["path"][:-1])


def test_the_host_provides_liveswap_it_is_never_installed(home: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copy(tinylib(out, "1.0", requires=("liveswap>=1.0",)), home / "registry")  # a helper that needs the host
    shutil.copy(probe("1.0.0", ["tinylib"], out=out), home / "registry")
    registry = offline(home)
    installed = registry.install(registry.resolve("probe"))
    assert installed.path is not None and installed.lock is not None
    assert [p["name"] for p in installed.lock["packages"]] == ["tinylib"]
    assert not list(installed.path.glob("liveswap*"))


def test_an_unresolvable_requirement_is_refused_with_the_resolvers_reason(home: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copy(tinylib(out, "1.0"), home / "registry")
    shutil.copy(probe("1.0.0", ["tinylib>=5"], out=out), home / "registry")
    registry = offline(home)
    report = registry.check("probe")
    assert report.verdict == "refused"
    (reason,) = report.reasons
    assert "\n" not in reason and len(reason) < 400
    assert "cannot resolve tinylib>=5" in reason and "tinylib" in reason.split(":", 1)[1]
    with pytest.raises(RegistryError, match="cannot resolve tinylib>=5"):
        registry.install(registry.resolve("probe"))
    assert not [p.name for p in (home / "state" / "versions").iterdir() if not p.name.startswith(".")]  # none made


def test_the_lock_records_the_resolved_set_with_hashes(home: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    wheel = tinylib(out, "1.0")
    shutil.copy(wheel, home / "registry")
    shutil.copy(probe("1.0.0", ["tinylib"], out=out), home / "registry")
    registry = offline(home)
    installed = registry.install(registry.resolve("probe"))
    assert installed.path is not None
    lock = json.loads((installed.path.parent / "liveswap.lock.json").read_text())
    import hashlib

    assert lock["packages"] == [{"name": "tinylib", "version": "1.0",
                                 "hashes": [f"sha256:{hashlib.sha256(wheel.read_bytes()).hexdigest()}"]}]
    assert lock["requirements"] == ["tinylib"] and lock["sources"]["offline"] is True
    assert lock["resolver"].split()[0] in ("uv", "pip")
    assert "tinylib/__init__.py" in lock["files"] and "probe_strategy/__init__.py" in lock["files"]
    (version,) = registry.versions()
    assert registry.lock_of(version) == installed.lock


@pytest.mark.parametrize("change", ["modified", "added", "removed"])
def test_an_environment_changed_after_install_is_refused(home: Path, tmp_path: Path, change: str) -> None:
    out = tmp_path / "out"
    shutil.copy(tinylib(out, "1.0"), home / "registry")
    shutil.copy(probe("1.0.0", ["tinylib"], out=out), home / "registry")
    registry = offline(home)
    site = registry.install(registry.resolve("probe")).path
    assert site is not None
    target = site / "tinylib" / "__init__.py"
    if change == "modified":
        target.write_text("VERSION = 'evil'\n")
        expected = "tinylib/__init__.py differs from its lock"
    elif change == "added":
        (site / "sitecustomize.py").write_text("import os\n")
        expected = "sitecustomize.py was added"
    else:
        target.unlink()
        expected = "tinylib/__init__.py is missing"
    with pytest.raises(RegistryError, match="changed after install") as err:
        registry.install(registry.resolve("probe"))
    assert expected in str(err.value) and "\n" not in str(err.value)
    assert registry.check("probe").reasons == [str(err.value)]


def test_the_pip_fallback_installs_the_same_environment(home: Path, tmp_path: Path,
                                                        runners: list[SandboxRunner]) -> None:
    out = tmp_path / "out"
    shutil.copy(tinylib(out, "2.0"), home / "registry")
    shutil.copy(probe("1.0.0", ["tinylib"], imports="import tinylib", lib="tinylib.VERSION", out=out),
                home / "registry")
    registry = offline(home, resolver="pip")
    assert state_of(registry, "probe", runners, tmp_path)["lib"] == "2.0"
    (version,) = registry.versions()
    lock = registry.lock_of(version)
    assert lock is not None and lock["resolver"].startswith("pip ")


def test_the_wheelhouse_setting_is_a_source(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wheelhouse = tmp_path / "wheelhouse"
    tinylib(wheelhouse, "1.0")
    shutil.copy(probe("1.0.0", ["tinylib"], out=tmp_path / "out"), home / "registry")
    monkeypatch.setenv("LIVESWAP_WHEELHOUSE", str(wheelhouse))
    monkeypatch.setenv("LIVESWAP_OFFLINE", "1")
    registry = Registry.from_settings(load_settings(home))
    installed = registry.install(registry.resolve("probe"))
    assert installed.lock is not None and installed.lock["sources"]["find_links"][-1] == str(wheelhouse)
    assert installed.lock["sources"]["index_url"] is None


def test_installs_share_files_and_prune_frees_what_nothing_needs(home: Path, tmp_path: Path) -> None:
    registry_probe = offline(home)
    if tool_of(registry_probe.envs.config) != "uv":
        pytest.skip("uv is not installed: pip copies files instead of hard-linking them")
    out = tmp_path / "out"
    shutil.copy(tinylib(out, "1.0"), home / "registry")
    wheels = [probe(f"1.0.{i}", ["tinylib"], out=out) for i in range(3)]
    for wheel in wheels:
        shutil.copy(wheel, home / "registry")
    registry = offline(home)
    sites = [registry.install(registry.resolve(f"probe==1.0.{i}")).path for i in range(3)]
    payloads = [os.stat(site / "tinylib" / "__init__.py") for site in sites if site is not None]
    assert len({st.st_ino for st in payloads}) == 1  # one file on disk, hard-linked into every environment
    state = home / "state"
    one = disk_usage([state / "versions" / sites[0].parent.name])  # type: ignore[union-attr]
    assert disk_usage([state / "versions", state / "cache"]) < 2 * one  # three environments cost ~ one
    # the registry wheel of 1.0.0 is gone and nothing else names it: its environment goes
    (home / "registry" / wheels[0].name).unlink()
    result = registry.prune(keep=["probe==1.0.1"])
    assert [p.name for p in result.removed] == [sites[0].parent.name]  # type: ignore[union-attr]
    assert result.freed_bytes > 0
    # nothing needs any version: environments and the cache entries they linked to are freed
    for wheel in wheels[1:]:
        (home / "registry" / wheel.name).unlink()
    result = registry.prune()
    assert sorted(p.name for p in result.removed) == sorted(s.parent.name for s in sites[1:])  # type: ignore[union-attr]
    assert result.cache_entries >= 1 and result.freed_bytes >= 200_000
    assert not any((state / "cache" / "uv").glob("archive-v*/*/tinylib"))


def test_a_load_of_a_changed_environment_is_refused_by_the_loader(home: Path, tmp_path: Path) -> None:
    from liveswap.sandbox.limits import SandboxLimits
    from liveswap.swap.loader import LoadError
    from liveswap.swap.registry_loader import RegistryLoader

    out = tmp_path / "out"
    shutil.copy(tinylib(out, "1.0"), home / "registry")
    shutil.copy(probe("1.0.0", ["tinylib"], out=out), home / "registry")
    registry = offline(home)
    loader = RegistryLoader(registry, limits=SandboxLimits(), hook_timeout=5.0, state_dir=home / "state")
    active = loader.load("probe")
    active.runner.close()
    site = registry.install(registry.resolve("probe")).path
    assert site is not None
    (site / "tinylib" / "__init__.py").write_text("VERSION = 'patched'\n")
    with pytest.raises(LoadError, match="changed after install: tinylib/__init__.py differs from its lock"):
        loader.load("probe")


def _numpy_or_skip(registry: Registry, spec: str) -> None:
    try:
        registry.install(registry.resolve(spec))
    except RegistryError as exc:
        words = ("network", "connect", "dns", "offline", "fetch", "request", "timed out", "not found in the")
        if any(word in str(exc).lower() for word in words):
            pytest.skip(f"numpy is not reachable from this host ({str(exc)[:80]})")
        raise


def test_numpy_versions_side_by_side(home: Path, tmp_path: Path, runners: list[SandboxRunner]) -> None:
    out = tmp_path / "out"
    for version, req in (("1.0.0", "numpy<2"), ("2.0.0", "numpy>=2"), ("2.0.1", "numpy>=2")):
        shutil.copy(probe(version, [req], imports="import numpy", lib="numpy.__version__", out=out),
                    home / "registry")
    registry = Registry(home)  # the default sources: the index (PyPI) and registry/
    _numpy_or_skip(registry, "probe==1.0.0")
    _numpy_or_skip(registry, "probe==2.0.0")
    old = state_of(registry, "probe==1.0.0", runners, tmp_path)
    new = state_of(registry, "probe==2.0.0", runners, tmp_path)
    assert old["lib"].startswith("1.") and new["lib"].startswith("2.")
    if tool_of(registry.envs.config) == "uv":
        state = home / "state"
        before = disk_usage([state / "versions", state / "cache"])
        registry.install(registry.resolve("probe==2.0.1"))  # a second numpy-2 version: hard links, ~no bytes
        assert disk_usage([state / "versions", state / "cache"]) - before < 5_000_000


def test_a_strategy_that_imports_an_undeclared_host_package_does_not_load(home: Path, tmp_path: Path) -> None:
    shutil.copy(probe("1.0.0", [], imports="import httpx", out=tmp_path / "out"), home / "registry")
    registry = offline(home)
    version = registry.resolve("probe")
    runner = SandboxRunner(version.name, version.version, registry.install(version).path,
                           scratch_root=tmp_path / "scratch")
    with pytest.raises(StrategyFault, match="No module named 'httpx'"):
        runner.start()
    runner.close()


def test_bytecode_is_compiled_once_and_shared(home: Path, tmp_path: Path, runners: list[SandboxRunner]) -> None:
    out = tmp_path / "out"
    shutil.copy(tinylib(out, "1.0"), home / "registry")
    for version in ("1.0.0", "1.0.1"):
        shutil.copy(probe(version, ["tinylib"], imports="import tinylib", lib="tinylib.__spec__.cached", out=out),
                    home / "registry")
    registry = offline(home)
    sites = [registry.install(registry.resolve(f"probe==1.0.{i}")).path for i in range(2)]
    pycs = [next((site / "tinylib" / "__pycache__").glob("__init__.*.pyc")) for site in sites if site]
    assert os.stat(pycs[0]).st_ino == os.stat(pycs[1]).st_ino  # one compiled file for both environments
    assert state_of(registry, "probe==1.0.1", runners, tmp_path)["lib"] == str(pycs[1])  # the worker uses it
    pycs[0].write_bytes(b"tampered")  # the shared file: both environments are refused
    for i in range(2):
        with pytest.raises(RegistryError, match=r"tinylib/__pycache__/__init__\..*\.pyc differs from its lock"):
            registry.install(registry.resolve(f"probe==1.0.{i}"))


def test_the_index_url_setting_is_where_dependencies_come_from(home: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import functools
    import http.server
    import threading

    root = tmp_path / "index"
    wheel = tinylib(root / "files", "3.0")
    (root / "simple" / "tinylib").mkdir(parents=True)
    (root / "simple" / "tinylib" / "index.html").write_text(
        f'<html><body><a href="/files/{wheel.name}">{wheel.name}</a></body></html>\n')
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        shutil.copy(probe("1.0.0", ["tinylib>=3"], out=tmp_path / "out"), home / "registry")
        monkeypatch.setenv("LIVESWAP_INDEX_URL", f"http://127.0.0.1:{server.server_port}/simple")
        registry = Registry.from_settings(load_settings(home))
        installed = registry.install(registry.resolve("probe"))
    finally:
        server.shutdown()
    assert installed.lock is not None and installed.path is not None
    assert [(p["name"], p["version"]) for p in installed.lock["packages"]] == [("tinylib", "3.0")]
    assert installed.lock["sources"]["index_url"].startswith("http://127.0.0.1:")
    assert (installed.path / "tinylib" / "__init__.py").is_file()


def test_an_unresolvable_version_is_listed_refused_until_a_wheel_folder_changes(home: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copy(probe("1.0.0", [], out=out), home / "registry")
    shutil.copy(probe("2.0.0", ["tinylib>=2"], out=out), home / "registry")
    registry = offline(home)
    assert registry.resolve("probe").version == "2.0.0"  # nothing known against it yet
    with pytest.raises(RegistryError, match="cannot resolve tinylib>=2"):
        registry.install(registry.resolve("probe"))
    # remembered: scans list 2.0.0 refused with the resolver's reason, so NAME means 1.0.0
    listed = {v.version: v.reasons for v in offline(home).versions()}
    assert listed["1.0.0"] == [] and listed["2.0.0"][0].startswith("cannot resolve tinylib>=2")
    assert registry.resolve("probe").version == "1.0.0"
    assert registry.check("probe==2.0.0").reasons[0].startswith("cannot resolve tinylib>=2")  # tried again
    shutil.copy(tinylib(out, "2.0"), home / "registry")  # the missing wheel arrives
    assert registry.resolve("probe").version == "2.0.0"
    assert registry.install(registry.resolve("probe")).lock is not None
