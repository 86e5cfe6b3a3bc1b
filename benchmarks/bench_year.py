"""Benchmark: one simulated year of the baseline against a bare SimPy M/M/c queue.

The bare queue is plain ``simpy.Resource`` with exponential inter-arrival and service times, fed
the same number of arrivals as the baseline's A&E attendances in its reported year (the whole
system also simulates GP appointments, 999 calls, beds, community and social care and the
warm-up). Each part runs in its own process, so its peak memory (max RSS) is its own. Run:

    python benchmarks/bench_year.py [--config configs/baseline.yaml] [--repeat 1] [--command]

Targets: whole-system year at most 2x the bare queue's time; peak memory under 2 GiB. The time
ratio is split into its two factors: how many events each schedules (the whole system's include
the warm-up and every service) and the cost of each (what a model does per event beyond SimPy's
own bookkeeping: routing, logging, outcomes).

With ``--command`` it also times ``icsim run`` as a user runs it (a new process: imports, the run,
the outputs written to a temporary folder), for one year and for three, with each one's peak
memory: the whole command's time against the bare queue's (target at most 2x), and whether a
three-year run's peak stays within 10% of a one-year run's and under 1 GiB (journeys and GP
requests leave memory as they become final: ``sim.results``).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run_model(config: str) -> dict:
    from agents import health_system
    from sim.config import load_config

    cfg = load_config(config)
    t0 = time.perf_counter()
    hs = health_system(cfg)
    hs.run()
    seconds = time.perf_counter() - t0
    j = hs.log
    import numpy as np

    arrival = j.t_ed_arrival[: j.n]
    reported = (arrival >= hs.calendar.warmup_minutes) & ~np.isnan(arrival)
    return {"seconds": seconds, "ae_attendances": int(reported.sum()),
            "journeys": int(j.n), "gp_requests": int(hs.primary_care.log.n), "events": scheduled(hs.env)}


def run_bare(arrivals: int, servers: int = 20, utilisation: float = 0.8) -> dict:
    import numpy as np
    import simpy

    rng = np.random.default_rng(1)
    env = simpy.Environment()
    desk = simpy.Resource(env, servers)
    mean_gap = 525_600 / arrivals
    mean_service = mean_gap * servers * utilisation

    def patient():
        with desk.request() as req:
            yield req
            yield env.timeout(rng.exponential(mean_service))

    def source():
        for _ in range(arrivals):
            yield env.timeout(rng.exponential(mean_gap))
            env.process(patient())

    t0 = time.perf_counter()
    env.process(source())
    env.run()
    return {"seconds": time.perf_counter() - t0, "arrivals": arrivals, "events": scheduled(env)}


def scheduled(env) -> int:
    """Events a SimPy environment has scheduled so far (its event counter; each is popped once)."""
    return next(env._eid)


def run_command(config: str, months: int) -> dict:
    """``icsim run`` in a process of its own, as a user runs it; its wall time and peak memory."""
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "icsim", "run", config, "--months", str(months), "--out",
                        str(Path(tmp) / "out")], check=True, capture_output=True)
        seconds = time.perf_counter() - t0
    return {"seconds": seconds, "months": months}


def part(args: list[str]) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default="configs/baseline.yaml")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--command", action="store_true", help="also time `icsim run` as a user runs it, 1 and 3 years")
    ap.add_argument("--part", choices=["model", "bare", "command"], help=argparse.SUPPRESS)
    ap.add_argument("--arrivals", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--months", type=int, default=12, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.part == "command":  # the command's own process is this one's only child
        result = run_command(args.config, args.months)
        result["peak_mib"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(json.dumps(result))
        return
    if args.part:
        result = run_model(args.config) if args.part == "model" else run_bare(args.arrivals)
        result["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return
    for k in range(args.repeat):
        model = part(["--part", "model", "--config", args.config])
        bare = part(["--part", "bare", "--arrivals", str(model["ae_attendances"])])
        print(f"run {k + 1}: whole system, one year of {args.config}: {model['seconds']:.1f} s, "
              f"peak {model['peak_mib']:.0f} MiB ({model['journeys']:,} journeys, "
              f"{model['gp_requests']:,} GP requests)")
        print(f"run {k + 1}: bare SimPy M/M/c, {bare['arrivals']:,} arrivals: {bare['seconds']:.1f} s, "
              f"peak {bare['peak_mib']:.0f} MiB")
        print(f"run {k + 1}: time ratio {model['seconds'] / bare['seconds']:.2f} (target <= 2), "
              f"peak memory {model['peak_mib'] / 1024:.2f} GiB (target < 2)")
        per_model, per_bare = (1e6 * p["seconds"] / p["events"] for p in (model, bare))
        print(f"run {k + 1}: events: whole system {model['events']:,} ({per_model:.1f} us each), bare queue "
              f"{bare['events']:,} ({per_bare:.1f} us each): {model['events'] / bare['events']:.2f}x the events "
              f"at {per_model / per_bare:.2f}x the cost of each")
        if args.command:
            year = part(["--part", "command", "--config", args.config, "--months", "12"])
            three = part(["--part", "command", "--config", args.config, "--months", "36"])
            print(f"run {k + 1}: `icsim run` (whole command, outputs written), one year: {year['seconds']:.1f} s, "
                  f"peak {year['peak_mib']:.0f} MiB; ratio to the bare queue {year['seconds'] / bare['seconds']:.2f} "
                  "(target <= 2)")
            print(f"run {k + 1}: `icsim run`, three years: {three['seconds']:.1f} s, peak {three['peak_mib']:.0f} MiB: "
                  f"{three['peak_mib'] / year['peak_mib'] - 1:+.0%} on one year's (target within 10%, under 1 GiB)")


if __name__ == "__main__":
    main()
