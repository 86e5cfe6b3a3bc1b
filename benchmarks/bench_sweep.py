"""Benchmark: the same sweep on a local Dask cluster of one worker and of two.

Prints the wall time of each, the speed-up (target: at least 1.8 on a two-core machine) and the
scheduling overhead per run: the wall time the workers spent on anything but running the model
(starting tasks, shipping configs and results, writing each run's file), per run. Each cluster
starts before its clock starts; each sweep writes to a fresh directory. Run:

    python benchmarks/bench_sweep.py [--sweep benchmarks/sweep_town.yaml] [--workers 2]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def timed_sweep(sweep_path: Path, workers: int) -> dict:
    from experiments.cluster import connect
    from experiments.sweep import results, run_sweep
    from experiments.sweep_config import load_sweep

    sweep = load_sweep(sweep_path)
    with tempfile.TemporaryDirectory() as tmp, connect(workers=workers) as client:
        client.wait_for_workers(workers)
        client.run(lambda: __import__("sim.model"))  # imports are not the sweep's cost
        t0 = time.perf_counter()
        outcome = run_sweep(sweep, Path(tmp) / "out", client)
        wall = time.perf_counter() - t0
        df = results(Path(tmp) / "out")
    assert outcome.failed == 0 and outcome.ran == outcome.planned, outcome
    compute = float(df.drop_duplicates("key").seconds.sum())
    return {"workers": workers, "runs": outcome.ran, "wall": wall, "compute": compute,
            "overhead_per_run": (wall * workers - compute) / outcome.ran}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sweep", default=str(HERE / "sweep_town.yaml"))
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    one = timed_sweep(Path(args.sweep), 1)
    many = timed_sweep(Path(args.sweep), args.workers)
    for r in (one, many):
        print(f"{r['workers']} worker(s): {r['runs']} runs in {r['wall']:.1f} s "
              f"(model {r['compute']:.1f} s of worker time; scheduling overhead {r['overhead_per_run'] * 1000:.0f} ms a run)")
    speedup = one["wall"] / many["wall"]
    target = 0.9 * args.workers
    print(f"speed-up with {args.workers} workers: {speedup:.2f} (target >= {target:.1f}: {'met' if speedup >= target else 'NOT met'})")


if __name__ == "__main__":
    main()
