"""Registry timings: validation and isolated install of a small pure-Python strategy wheel, and of
one with a dependency from ``registry/``; the cost of the change poll and of a full scan; and the
per-version environments of a numpy strategy from a local wheelhouse (offline): first install
with a cold cache, install of further versions from the warm cache (hard links), verification
against the lock, and the disk they take (``du``, hard links counted once) against one version.

    .venv/bin/python benchmarks/bench_registry.py [--rounds N] [--numpy-versions N] [--no-numpy]

The numpy wheel is fetched once with ``pip download`` into ``~/.cache/liveswap-bench/wheelhouse``.
Prints medians (and min/max) in milliseconds; asserts nothing.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from liveswap.registry import EnvConfig, Registry, check_wheel, disk_usage  # noqa: E402

from tests.support.wheelkit import make_wheel, strategy_source  # noqa: E402


def timed(fn: Callable[[], object], rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def show(label: str, samples: list[float]) -> None:
    print(f"{label:<52} median {statistics.median(samples):8.2f} ms   "
          f"min {min(samples):8.2f}   max {max(samples):8.2f}   (n={len(samples)})")


def fresh_home(root: Path, wheels: list[Path]) -> Path:
    home = Path(tempfile.mkdtemp(dir=root))
    (home / "registry").mkdir()
    for wheel in wheels:
        shutil.copyfile(wheel, home / "registry" / wheel.name)
    return home


def install_times(root: Path, wheels: list[Path], rounds: int) -> list[float]:
    """Install only (the scan that resolves the version is done before the clock starts)."""
    samples = []
    for _ in range(rounds):
        home = fresh_home(root, wheels)
        registry = Registry(home, env_config=EnvConfig(home / "state" / "cache" / "uv", (home / "registry",),
                                                       offline=True))
        version = registry.resolve("momentum")
        start = time.perf_counter()
        registry.install(version)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


WHEELHOUSE = Path.home() / ".cache" / "liveswap-bench" / "wheelhouse"


def numpy_wheelhouse() -> Path | None:
    """A folder holding a numpy wheel for this interpreter (downloaded once), or None."""
    if not list(WHEELHOUSE.glob("numpy-*.whl")):
        WHEELHOUSE.mkdir(parents=True, exist_ok=True)
        done = subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary",
                               ":all:", "-d", str(WHEELHOUSE), "numpy"], capture_output=True, text=True)
        if done.returncode != 0:
            print(f"numpy environments: skipped (pip download numpy failed: {done.stderr.strip()[-120:]})")
            return None
    return WHEELHOUSE


def bench_numpy_envs(root: Path, versions: int) -> None:
    wheelhouse = numpy_wheelhouse()
    if wheelhouse is None:
        return
    (numpy_wheel,) = sorted(wheelhouse.glob("numpy-*.whl"))[-1:]
    home = root / "numpy-home"
    (home / "registry").mkdir(parents=True)
    for i in range(versions):
        make_wheel(home / "registry", "np-strategy", f"1.0.{i}", ep="np", module="np_strategy",
                   requires=["liveswap>=1.0,<2", "numpy"], body=strategy_source(f"1.0.{i}", imports=["numpy"]))
    state = home / "state"
    config = EnvConfig(state / "cache" / "uv", (home / "registry", wheelhouse), offline=True)
    registry = Registry(home, env_config=config)
    print(f"numpy environments from a local wheelhouse ({numpy_wheel.name}, "
          f"{numpy_wheel.stat().st_size / 2**20:.1f} MiB), offline:")
    installs = []
    for i in range(versions):
        version = registry.resolve(f"np==1.0.{i}")
        start = time.perf_counter()
        installed = registry.install(version)
        installs.append((time.perf_counter() - start) * 1000)
    show("first install, numpy strategy, cold cache", [installs[0]])
    if len(installs) > 1:
        show("install of another numpy version, warm cache", installs[1:])
    version = registry.resolve("np==1.0.0")
    show("verify an installed numpy environment (load path)", timed(lambda: registry.install(version), 10))
    show("verify it file by file (check: sha256 of every file)",
         timed(lambda: registry.install(version, full_verify=True), 3))
    assert installed.path is not None
    one = disk_usage([installed.path.parent])
    total = disk_usage([state / "versions", state / "cache"])
    apparent = sum(f.stat().st_size for f in (state / "versions").rglob("*") if f.is_file())
    print(f"disk: one numpy environment {one / 2**20:.1f} MiB; {versions} environments + cache "
          f"{total / 2**20:.1f} MiB on disk (du, hard links once) vs {apparent / 2**20:.1f} MiB apparent; "
          f"per extra version {(total - one) / max(1, versions - 1) / 2**20:.2f} MiB")
    for i in range(1, versions):
        (home / "registry" / f"np_strategy-1.0.{i}-py3-none-any.whl").unlink()
    start = time.perf_counter()
    pruned = registry.prune()
    print(f"prune (keep 1.0.0): removed {len(pruned.removed)} environments, freed "
          f"{pruned.freed_bytes / 2**20:.2f} MiB in {(time.perf_counter() - start) * 1000:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--numpy-versions", type=int, default=5)
    parser.add_argument("--no-numpy", action="store_true")
    args = parser.parse_args()
    rounds = args.rounds
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        out = root / "wheels"
        plain = make_wheel(out / "plain")
        lib = make_wheel(out / "dep", name="helper-lib", version="1.0", ep=None, module="helper_lib", requires=(),
                         body="X = 1\n", files={f"helper_lib/mod{i}.py": b"Y = 2\n" * 50 for i in range(20)})
        with_dep = make_wheel(out / "dep", requires=["liveswap>=1.0,<2", "helper-lib>=1"],
                              body=strategy_source("1.0.0", imports=["helper_lib"]))
        print(f"plain strategy wheel: {plain.stat().st_size} bytes; with dependency: {with_dep.stat().st_size} + "
              f"{lib.stat().st_size} bytes (21-file library)")

        show("check_wheel, small pure-Python wheel", timed(lambda: check_wheel(plain), rounds))
        show("check_wheel, dependency (library) wheel, 21 files", timed(lambda: check_wheel(lib), rounds))
        dep_home = fresh_home(root, [lib, with_dep])
        offline = EnvConfig(dep_home / "state" / "cache" / "uv", (dep_home / "registry",), offline=True)
        dep_registry = Registry(dep_home, env_config=offline)
        show("scan: strategy + dependency (+ host env lookup)",
             timed(lambda: Registry(dep_home).scan(), rounds))
        show("install, small pure-Python wheel", install_times(root, [plain], rounds))
        show("install, wheel + its dependency wheel", install_times(root, [lib, with_dep], rounds))
        dep_registry.install(dep_registry.resolve("momentum"))
        show("install again (already installed, idempotent)",
             timed(lambda: dep_registry.install(dep_registry.resolve("momentum")), rounds))

        many = [make_wheel(out / "many", version=f"1.{i}.0") for i in range(50)]
        big_home = fresh_home(root, many)
        show("first scan of a registry with 50 wheels", timed(lambda: Registry(big_home).scan(), max(3, rounds // 10)))
        warm = Registry(big_home)
        warm.scan()
        show("changed() poll, 50 wheels, nothing changed", timed(warm.changed, rounds * 10))
        extra = iter([make_wheel(out / "extra", version=f"2.{i}.0") for i in range(max(3, rounds // 10))])

        def drop_one_and_rescan() -> object:
            wheel = next(extra)
            shutil.copyfile(wheel, big_home / "registry" / wheel.name)
            return warm.rescan()

        show("drop one wheel + rescan() (others cached)", timed(drop_one_and_rescan, max(3, rounds // 10)))
        if not args.no_numpy:
            bench_numpy_envs(root, args.numpy_versions)


if __name__ == "__main__":
    main()
