"""Registry timings: validation and isolated install of a small pure-Python strategy wheel, and of
one with a dependency from ``registry/``; plus the cost of the change poll and of a full scan.

    .venv/bin/python benchmarks/bench_registry.py [--rounds N]

Prints medians (and min/max) in milliseconds; asserts nothing.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from liveswap.registry import Registry, check_wheel  # noqa: E402

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
        registry = Registry(fresh_home(root, wheels))
        version = registry.resolve("momentum")
        start = time.perf_counter()
        registry.install(version)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    rounds = parser.parse_args().rounds
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
        dep_registry = Registry(dep_home)
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


if __name__ == "__main__":
    main()
