"""The pause of a rollback after probation, by how the state crosses (issue 28), side by side.

A nine-market engine in this process with sandboxed workers (as the host builds it): 1.0.0 trades,
1.1.0 is activated (no probation: the previous worker is gone, as after a passed probation),
trades ``K`` batches, then the operator rolls back to 1.0.0. The state is ~100 KB of JSON. The
figure is the rollback's ``pause_ms`` (the commit up to the flip, as ``status`` reports it):

* **direct** -- 1.0.0 reads 1.1.0's schema: the hand-over is staged before the flip;
* **converted** -- 1.1.0 ``writes`` 1.0.0's schema: two exports (its own, kept; the converted
  one, handed over), staged before the flip;
* **own** -- no crossing: 1.0.0 resumes its own state kept at the swap, plus a replay of the
  ``K`` batches since, at the flip (the replay is in the pause).

    .venv/bin/python benchmarks/bench_crossing.py [-n N] [--batches K ...]

Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import NAME, STRATEGY, advance, close_engine, machine, p50_p99_max, sandboxed_engine, swap  # noqa: E402

from tests.support.wheelkit import make_wheel  # noqa: E402

DECLARED = {  # mode -> (1.0.0's declaration, 1.1.0's)
    "direct": ('{"schema": 1, "reads": [1, 2]}', '{"schema": 2, "reads": [1, 2]}'),
    "converted": ('{"schema": 1, "reads": [1]}', '{"schema": 2, "reads": [1, 2], "writes": [1]}'),
    "own": ('{"schema": 1, "reads": [1]}', '{"schema": 2, "reads": [1, 2]}'),
}
STATE_BYTES = 100_000


def wheel(registry: Path, version: str, declaration: str) -> None:
    body = f"__liveswap_state__ = {declaration}\n" + STRATEGY.format(version=version, state_bytes=STATE_BYTES)
    body = body.replace("def export_state(self):", "def export_state(self, schema):")
    make_wheel(registry, f"{NAME}-strategy", version, ep=NAME, module=f"{NAME}_strategy", body=body)


def one(mode: str, since: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        for version, declaration in zip(("1.0.0", "1.1.0"), DECLARED[mode], strict=True):
            wheel(home / "registry", version, declaration)
        engine, swaps = sandboxed_engine(home, probation=0)
        try:
            advance(engine, 3)
            swap(engine, swaps, f"{NAME}==1.1.0")
            advance(engine, since)
            out: list[str | None] = []
            swaps.request(kind="rollback", spec=None, generation=2, done=out.append)
            if not swaps.wait_prepared(120):
                raise RuntimeError("the rollback was not prepared in 120 s")
            swaps.tick(engine)
            if out != [None] or engine.last_swap is None or not engine.last_swap.state:
                raise RuntimeError(f"rollback refused: {out}")
            if not engine.last_swap.state.startswith({"direct": "state carried directly", "converted":
                                                      "state converted down", "own": "state not carried"}[mode]):
                raise RuntimeError(f"{mode}: {engine.last_swap.state}")
            return engine.swap_pauses_ms[-1]
        finally:
            close_engine(engine, swaps)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=5, help="runs per case")
    parser.add_argument("--batches", type=int, nargs="+", default=[12, 96], help="batches 1.1.0 trades before")
    args = parser.parse_args()
    print(f"# rollback after probation, pause by crossing ({machine()}), state ~{STATE_BYTES // 1000} KB, "
          f"{args.n} runs each")
    print(f"{'batches since':>13} " + " ".join(f"{m + ' p50/p99 ms':>22}" for m in DECLARED))
    for since in args.batches:
        cells = []
        for mode in DECLARED:
            p50, p99, _ = p50_p99_max([one(mode, since) for _ in range(args.n)])
            cells.append(f"{p50:10.2f} /{p99:9.2f}")
        print(f"{since:>13} " + " ".join(f"{c:>22}" for c in cells))


if __name__ == "__main__":
    main()
