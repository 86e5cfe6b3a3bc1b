"""The ``icsim`` command line: run a config, or check one.

    icsim run CONFIG [--seed N] [--months M] [--out DIR] [--force]
    icsim validate CONFIG
    icsim experiment EXPERIMENT [--replications N] [--workers N | --scheduler ADDRESS] [--out DIR] [--force]
                     [--skip-robustness]
    icsim sweep SWEEP [--workers N | --scheduler ADDRESS] [--out DIR] [--retry-failed] [--dry-run]
    icsim explore [CONFIG] [--port N] [--host H] [--cache DIR] [--clear-cache]
    icsim calibrate CONFIG [--replications N] [--seed S] [--out DIR]

Exit codes: 0 done; 2 bad input (a config, an option or ``--out``), reported one problem per
line, each naming its field, with nothing written; 1 a run failed (a sweep's failed runs are
recorded) or something unexpected happened, said in one line (``--debug`` shows where); 130
interrupted by Ctrl-C, with nothing half-written left behind. What icsim guarantees about files
and inputs is in docs/guarantees.md; where results may go is ``icsim.folders``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback

from rich.console import Console

from icsim.commands.common import DEFAULT_CONFIG, EXIT_BAD_INPUT, EXIT_FAILED, refuse
from icsim.entry import EXIT_INTERRUPTED, ctrl_c_interrupts
from icsim.folders import OutputError
from sim.config import ConfigError


def at_least(low: int, why: str = ""):
    """An argparse type: a whole number no smaller than ``low`` (argparse then names the option
    and exits with code 2)."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be >= {low}" + (f" ({why})" if why else ""))
        return value
    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="icsim", description="Simulate an NHS Integrated Care System.")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", help="on an unexpected error, show the traceback")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", parents=[common], help="run a config and write its results")
    run.add_argument("config", help="YAML config, e.g. configs/baseline.yaml")
    run.add_argument("--seed", type=int, help="random seed (default: run.seed in the config)")
    run.add_argument("--months", type=int, help="months to report (default: run.months in the config)")
    run.add_argument("--out", help="results folder (default: results/NAME-seedN)")
    run.add_argument("--force", action="store_true",
                     help="replace an earlier run in the results folder (files you added to it are kept)")
    run.set_defaults(command_module="icsim.commands.run")
    val = sub.add_parser("validate", parents=[common], help="check a config and say what it describes")
    val.add_argument("config")
    val.set_defaults(command_module="icsim.commands.validate")
    exp = sub.add_parser("experiment", parents=[common],
                         help="run scenarios x replications on a Dask cluster and write a report with a verdict")
    exp.add_argument("experiment", help="experiment YAML, e.g. experiments/forty_percent.yaml")
    exp.add_argument("--replications", type=at_least(2, "a confidence interval needs two"),
                     help="exactly this many replications per scenario (default: the experiment's, by precision)")
    where = exp.add_mutually_exclusive_group()
    where.add_argument("--workers", type=at_least(1), help="worker processes of a local Dask cluster (default: one per core)")
    where.add_argument("--scheduler", help="address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786")
    exp.add_argument("--out", help="report folder (default: results/experiments/NAME); rerun to resume")
    exp.add_argument("--force", action="store_true",
                     help="replace an earlier report in the folder (its runs are reused; files you added are kept)")
    exp.add_argument("--skip-robustness", action="store_true",
                     help="leave out the runs that try each assumption at the ends of its range")
    exp.set_defaults(command_module="icsim.commands.experiment")
    swp = sub.add_parser("sweep", parents=[common],
                         help="run a parameter sweep on a Dask cluster, resumably, with sensitivity analysis")
    swp.add_argument("sweep", help="sweep YAML, e.g. experiments/sweeps/community_levers.yaml")
    where = swp.add_mutually_exclusive_group()
    where.add_argument("--workers", type=at_least(1), help="worker processes of a local Dask cluster (default: one per core)")
    where.add_argument("--scheduler", help="address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786")
    swp.add_argument("--out", help="sweep folder (default: results/sweeps/NAME); rerun to resume")
    swp.add_argument("--retry-failed", action="store_true", help="run again the runs recorded as failed")
    swp.add_argument("--dry-run", action="store_true",
                     help="check the sweep and say how many runs it has and how many are left; run nothing")
    swp.set_defaults(command_module="icsim.commands.sweep")
    xpl = sub.add_parser("explore", parents=[common], help="start the interactive explorer in a web page (Solara)")
    xpl.add_argument("config", nargs="?", default=str(DEFAULT_CONFIG),
                     help="footprint config shown first (default: configs/baseline.yaml)")
    xpl.add_argument("--port", type=int, default=8765, help="port to serve on (default: 8765)")
    xpl.add_argument("--host", default="127.0.0.1",
                     help="address to listen on (default: 127.0.0.1, this machine only; the explorer has no "
                          "authentication)")
    xpl.add_argument("--cache", metavar="DIR", help="folder of the baselines computed once and kept (default: "
                     "$ICSIM_EXPLORER_CACHE, else ~/.cache/icsim/explorer)")
    xpl.add_argument("--clear-cache", action="store_true",
                     help="delete the cached baselines (only the files icsim wrote there) and exit")
    xpl.set_defaults(command_module="icsim.commands.explore")
    cal = sub.add_parser("calibrate", help="run a footprint N times against the published figures it carries")
    cal.add_argument("config", help="YAML config with calibration: targets, e.g. configs/nw_london.yaml")
    cal.add_argument("--replications", type=at_least(1), help="runs (default: calibration.replications)")
    cal.add_argument("--seed", type=at_least(0), help="first seed; run k uses seed + k (default: the config's)")
    cal.add_argument("--out", help="directory for calibration.csv and .md (default: results/calibration/NAME)")
    cal.set_defaults(command_module="icsim.commands.calibrate")
    return parser


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 300 else text[:297] + "..."


def main(argv: list[str] | None = None) -> int:
    """The ``icsim`` command: its exit code. The one place errors become messages: bad input
    (``ConfigError``, ``OutputError``) exits 2 naming the field, Ctrl-C exits 130, and anything
    unexpected prints one line saying what to do and exits 1 (``--debug`` adds the traceback)."""
    ctrl_c_interrupts()  # for callers other than the icsim program (which has done it already)
    out, err = Console(soft_wrap=True), Console(stderr=True, soft_wrap=True)
    args = None
    try:
        try:
            args = build_parser().parse_args(argv)
        except SystemExit as exc:  # argparse has said what is wrong (or printed help): its code, returned
            return exc.code if isinstance(exc.code, int) else EXIT_BAD_INPUT
        return importlib.import_module(args.command_module).main(args, out, err)
    except KeyboardInterrupt:
        err.print("interrupted (Ctrl-C): stopped; nothing half-written was left behind.")
        return EXIT_INTERRUPTED
    except ConfigError as exc:
        return refuse(err, exc, "input")
    except OutputError as exc:
        err.print(f"error: {exc}", highlight=False, markup=False)
        return EXIT_BAD_INPUT
    except MemoryError:
        err.print("error: out of memory: this run needs more memory than the machine could give; simulate fewer "
                  "people or fewer months, or close other programs. Nothing was written.")
        return EXIT_FAILED
    except Exception as exc:
        if args is not None and args.debug:
            traceback.print_exc()
        where = "" if args is not None and args.debug else " Run the same command with --debug to see where;"
        err.print(f"error: unexpected {type(exc).__name__}: {_one_line(exc)}. Nothing was written.{where} if it "
                  "is not a problem of this machine (disk full, a file removed while icsim ran), please report it "
                  "with the command and that output.", highlight=False, markup=False)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
