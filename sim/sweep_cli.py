"""Command-line handlers of ``sweep``, ``decompose`` and ``bench`` (registered by sim.sweep).

Each handler returns the exit code: 0 done, 2 bad input (one line per problem on stderr, and
nothing written, because every cell and setup is validated before anything runs); bad options and
an unusable ``--out`` raise :class:`sim.cli.BadInput` (exit 2 as well). An interrupted sweep or
decomposition keeps its finished runs in ``<out>/cells/`` and resumes when the same command is run
again.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sim import __version__
from sim.backends import BackendError, make_backend
from sim.cli import PROG, BadInput
from sim.config import Scenario, ScenarioError
from sim.outputs import (
    cache_note,
    progress_bar,
    remove_empty,
    resume_hint,
    writable_folder,
    write_atomic,
)
from sim.sweep import SweepPlan, parse_grid, plan_sweep, run_sweep

DEFAULT_SWEEP_SETUPS = ("pilot", "conductor")
RESULTS_ROOT = Path("results")


# -- commands ------------------------------------------------------------------------------------
def register(subparsers: Any) -> None:
    """Register ``sweep``, ``decompose`` and ``bench`` (via sim.sweep.add_sweep_commands)."""
    p = subparsers.add_parser("sweep", help="run a grid of scenario values x setups, resumable")
    p.add_argument("scenario", type=Path, metavar="SCENARIO", help="scenario YAML file")
    p.add_argument("--grid", action="append", required=True, metavar="PATH=V1,V2,...",
                   help="a scenario path and the values to try (repeat for more dimensions)")
    p.add_argument("--setups", default=None, metavar="A,B,...",
                   help="setups to run (default: pilot,conductor)")
    add_common_options(p, replications=10)
    add_backend_options(p)
    p.set_defaults(func=cmd_sweep, handler=cmd_sweep)
    add_decompose_command(subparsers)
    p = subparsers.add_parser("bench", help="measure the simulator's speed (benchmarks/bench.py)")
    p.add_argument("--replications", type=positive_int, default=None, metavar="N",
                   help="baseline replications per setup for the event counts")
    p.add_argument("--quick", action="store_true", help="smaller batches (a few minutes less)")
    p.set_defaults(func=cmd_bench, handler=cmd_bench)


def positive_int(text: str) -> int:
    """Parse an integer >= 1 for argparse."""
    return _int_at_least(text, 1)


def non_negative_int(text: str) -> int:
    """Parse an integer >= 0 for argparse."""
    return _int_at_least(text, 0)


def _int_at_least(text: str, low: int) -> int:
    """Parse an integer no smaller than ``low``, with a one-line message."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer (got {text!r})") from None
    if value < low:
        raise argparse.ArgumentTypeError(f"must be at least {low} (got {text!r})")
    return value


def add_common_options(p: argparse.ArgumentParser, replications: int) -> None:
    """``--replications``, ``--seed``, ``--jobs``, ``--out`` and ``--quiet``."""
    p.add_argument("--replications", type=positive_int, default=replications, metavar="N",
                   help=f"replications per setup and cell (default {replications})")
    p.add_argument("--seed", type=non_negative_int, default=0, metavar="S",
                   help="master seed (default 0)")
    p.add_argument("--jobs", type=positive_int, default=None, metavar="K",
                   help="worker processes of the processes backend (default: number of CPUs)")
    p.add_argument("--out", type=Path, default=None, metavar="DIR", help="results folder")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def add_backend_options(p: argparse.ArgumentParser) -> None:
    """``--backend``, ``--scheduler`` and ``--workers``."""
    p.add_argument("--backend", choices=("processes", "dask"), default="processes",
                   help="where runs execute (default processes)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="Dask scheduler, e.g. tcp://host:8786 (default: a local cluster)")
    p.add_argument("--workers", type=positive_int, default=None, metavar="K",
                   help="worker processes of a local Dask cluster (default: number of CPUs)")


def bad_input(lines: Sequence[object]) -> int:
    """Print one line per problem on stderr; return exit code 2."""
    for line in lines:
        print(str(line), file=sys.stderr)
    return 2


def problem_lines(err: Exception) -> list[str]:
    """The lines to show for a bad-input exception."""
    if isinstance(err, ScenarioError):
        return [str(p) for p in err.problems]
    return [str(err).splitlines()[0] if str(err) else type(err).__name__]


def check_backend_options(args: argparse.Namespace, command: str) -> None:
    """Each backend's own options: a usage error when given to the other backend.

    ``--scheduler`` and ``--workers`` go with ``--backend dask``, ``--jobs`` with the others.
    """
    for option, dask in (("scheduler", True), ("workers", True), ("jobs", False)):
        if getattr(args, option) is not None and (args.backend == "dask") != dask:
            wanted = "--backend dask" if dask else "--backend processes"
            raise BadInput([f"{PROG} {command}: --{option} applies only to {wanted} "
                            f"(got --backend {args.backend}) (see {PROG} {command} --help)"])


def prepare_out(out: Path) -> list[Path]:
    """Create ``out`` and ``out/cells`` and check both take files; return the folders made.

    Raises :class:`BadInput` naming ``--out`` and the reason, before any run starts.
    """
    made: list[Path] = []
    try:
        made = writable_folder(out / "cells")
        writable_folder(out)
    except OSError as err:
        remove_empty(made)
        raise BadInput([f"--out: must be a folder you can write to; {err.strerror} "
                        f"(got {str(out)!r})"]) from None
    return made


def cmd_sweep(args: argparse.Namespace) -> int:
    """``campaign-sim sweep``: run the grid, write sweep.csv, sweep.json and the plots."""
    from sim.config import load_scenario

    check_backend_options(args, "sweep")
    try:
        scenario = load_scenario(args.scenario)
        grid = parse_grid(args.grid)
        setups = split_setups(args.setups) or list(DEFAULT_SWEEP_SETUPS)
        plan = plan_sweep(scenario, grid, setups, args.replications, args.seed)
        backend = make_backend(args.backend, args.jobs, args.scheduler, args.workers)
    except (ScenarioError, BackendError) as err:
        return bad_input(problem_lines(err))
    out = args.out or RESULTS_ROOT / f"{scenario.name}-sweep"
    cells = out / "cells"
    made: list[Path] = []
    try:
        made = prepare_out(out)
        with progress_bar(len(plan.runs), args.quiet) as tick:
            table = run_sweep(scenario, grid, setups, args.replications, args.seed, out,
                              backend=backend, on_done=tick,
                              on_cached=cache_note(cells, args.quiet))
    except BackendError as err:
        remove_empty(made)
        return bad_input(problem_lines(err))
    except KeyboardInterrupt:
        resume_hint(cells)
        raise
    finally:
        backend.close()
    return _write_sweep(args, scenario, plan, table, out)


def split_setups(text: str | None) -> list[str]:
    """``a,b`` -> ``["a", "b"]`` (empty for None); blanks are kept so that they are reported."""
    return [] if text is None else [part.strip() for part in text.split(",")]


def _write_sweep(args: argparse.Namespace, scenario: Scenario, plan: SweepPlan,
                 table: pd.DataFrame, out: Path) -> int:
    """Write the table, provenance and plots; print where they are."""
    from sim.sweep_plots import gain_table, remove_other_plots, sweep_plots

    write_atomic(out / "sweep.csv", table.to_csv(index=False))
    info = {"scenario": scenario.name, "scenario_file": str(args.scenario), "grid": plan.grid,
            "setups": plan.setups, "replications": plan.replications, "seed": plan.seed,
            "runs": len(plan.runs), "version": __version__, "backend": args.backend}
    write_atomic(out / "sweep.json", json.dumps(info, indent=2) + "\n")
    paired = {"pilot", "conductor"} <= set(plan.setups)
    made = sweep_plots(table, out, currency=scenario.currency) if paired else {}
    remove_other_plots(out, made.values())  # plots of an earlier sweep with other dimensions
    if paired:
        gains = gain_table(table, "net_contribution", "conductor", "pilot")
        print("net contribution, conductor - pilot, paired (mean and 95% CI):")
        print(gains.to_string(index=False, float_format=lambda v: f"{v:,.0f}"))
        for path in made.values():
            print(path)
    print(out / "sweep.csv")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    """``campaign-sim bench``: run benchmarks/bench.py and print its figures."""
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "bench.py"
    spec = importlib.util.spec_from_file_location("campaign_sim_bench", path)
    if spec is None or spec.loader is None or not path.is_file():
        return bad_input([f"bench: {path} not found (the benchmark ships with the source tree)"])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    argv = ["--quick"] if args.quick else []
    if args.replications:
        argv += ["--replications", str(args.replications)]
    code: int = module.main(argv)
    return code


def add_decompose_command(subparsers: Any) -> None:
    """Register ``decompose``."""
    p = subparsers.add_parser("decompose", help="which lever carries the conductor's gain")
    p.add_argument("scenario", type=Path, metavar="SCENARIO", help="scenario YAML file")
    p.add_argument("--metric", default="net_contribution", metavar="M",
                   help="summary metric to decompose (default net_contribution)")
    add_common_options(p, replications=10)
    add_backend_options(p)
    p.set_defaults(func=cmd_decompose, handler=cmd_decompose)


def cmd_decompose(args: argparse.Namespace) -> int:
    """``campaign-sim decompose``: write decomposition.csv and waterfall.png."""
    from sim.config import load_scenario
    from sim.decompose import METRICS, decompose, waterfall

    check_backend_options(args, "decompose")
    try:
        scenario = load_scenario(args.scenario)
        if args.metric not in METRICS:
            return bad_input([f"--metric: unknown metric (known: {', '.join(METRICS)}) "
                              f"(got {args.metric!r})"])
        backend = make_backend(args.backend, args.jobs, args.scheduler, args.workers)
    except (ScenarioError, BackendError) as err:
        return bad_input(problem_lines(err))
    out = args.out or RESULTS_ROOT / f"{scenario.name}-decompose"
    cells = out / "cells"
    made: list[Path] = []
    try:
        made = prepare_out(out)
        with progress_bar(16 * args.replications, args.quiet) as tick:
            dec = decompose(scenario, args.replications, args.seed, args.metric, out=out,
                            backend=backend, on_done=tick, on_cached=cache_note(cells, args.quiet))
    except (ScenarioError, BackendError) as err:
        remove_empty(made)
        return bad_input(problem_lines(err))
    except KeyboardInterrupt:
        resume_hint(cells)
        raise
    finally:
        backend.close()
    table = dec.table()
    write_atomic(out / "decomposition.csv", table.to_csv(index=False))
    png = waterfall(dec, out / "waterfall.png")
    print(table.to_string(index=False, float_format=lambda v: f"{v:,.0f}"))
    print(out / "decomposition.csv")
    print(png)
    return 0
