"""The handlers of ``sweep``, ``decompose`` and ``bench``.

Each returns the exit code: 0 done, 2 bad input (one line per problem on stderr, and nothing
written, because every cell and setup is validated before anything runs). An interrupted sweep
or decomposition keeps its finished runs in ``<out>/cells/`` and resumes when the same command is
run again.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.cli.options import (
    RESULTS_ROOT,
    BadInput,
    add_backend_options,
    add_run_options,
    check_backend_options,
    positive_int,
    problem_lines,
)

if TYPE_CHECKING:
    import pandas as pd

    from sim.runs.backends import Backend
    from sim.runs.sweep import SweepPlan
    from sim.scenario.schema import Scenario

DEFAULT_SWEEP_SETUPS = ("pilot", "conductor")

DECOMPOSE_REPLICATIONS = 20
"""Default replications of ``decompose``: enough to rank the baseline's levers.

Measured on the baseline (seed 1, switch-off contributions to net contribution): 6 of the 7
adjacent pairs of the ranking (levers and interaction residual) are distinguishable with 10, 20
and 30 replications alike; the seventh (routing vs ai_channels, about 40 k EUR apart) is not at
30 either, so more replications do not buy a better ranking. At 10 the weakest distinguishable
pair (data vs handoffs) clears zero by 13 k EUR only; at 20 by 60 k EUR, so the ranking holds
for other seeds. 20 replications are 320 runs, about 80 s on 2 cores for the baseline.
"""


def register(subparsers: Any) -> None:
    """Register ``sweep``, ``decompose`` and ``bench`` on an argparse subparsers object."""
    p = subparsers.add_parser("sweep", help="run a grid of scenario values x setups, resumable")
    p.add_argument("scenario", type=Path, metavar="SCENARIO", help="scenario YAML file")
    p.add_argument("--grid", action="append", required=True, metavar="PATH=V1,V2,...",
                   help="a scenario path and the values to try (repeat for more dimensions)")
    p.add_argument("--setups", default=None, metavar="A,B,...",
                   help="setups to run (default: pilot,conductor)")
    p.add_argument("--metric", default="net_contribution", metavar="NAME",
                   help="summary metric to plot and tabulate (default net_contribution)")
    add_run_options(p, what="per setup and cell")
    add_backend_options(p)
    p.set_defaults(handler=cmd_sweep)

    p = subparsers.add_parser("decompose", help="which lever carries the conductor's gain")
    p.add_argument("scenario", type=Path, metavar="SCENARIO", help="scenario YAML file")
    p.add_argument("--metric", default="net_contribution", metavar="M",
                   help="summary metric to decompose (default net_contribution)")
    add_run_options(p, replications=DECOMPOSE_REPLICATIONS, what="per setup")
    add_backend_options(p)
    p.set_defaults(handler=cmd_decompose)

    p = subparsers.add_parser("bench", help="measure the simulator's speed (benchmarks/bench.py)")
    p.add_argument("--replications", type=positive_int, default=None, metavar="N",
                   help="baseline replications per setup for the event counts")
    p.add_argument("--quick", action="store_true", help="smaller batches (a few minutes less)")
    p.set_defaults(handler=cmd_bench)


def prepare_out(out: Path) -> list[Path]:
    """Create ``out`` and ``out/cells`` and check both take files; return the folders made.

    Raises :class:`BadInput` naming ``--out`` and the reason, before any run starts.
    """
    from sim.files import remove_empty, writable_folder

    made: list[Path] = []
    try:
        made = writable_folder(out / "cells")
        writable_folder(out)
    except OSError as err:
        remove_empty(made)
        raise BadInput([f"--out: must be a folder you can write to; {err.strerror} "
                        f"(got {str(out)!r})"]) from None
    return made


def split_setups(text: str | None) -> list[str]:
    """``a,b`` -> ``["a", "b"]`` (empty for None); blanks are kept so that they are reported."""
    return [] if text is None else [part.strip() for part in text.split(",")]


def _backend(args: argparse.Namespace, command: str) -> Backend:
    """The backend the options name (bad options and a missing extra are bad input)."""
    from sim.runs.backends import BackendError, make_backend

    check_backend_options(args, command)
    try:
        return make_backend(args.backend, args.jobs, args.scheduler, args.workers)
    except BackendError as err:
        raise BadInput(problem_lines(err)) from None


@contextmanager
def _running(args: argparse.Namespace, out: Path, total: int,
             backend: Backend) -> Iterator[tuple[Callable[[], None], Callable[[int, int], None]]]:
    """Prepare ``out``, show progress; on a stop, say how to resume; close the backend."""
    from sim.cli.progress import cache_note, progress_bar, resume_hint
    from sim.files import remove_empty
    from sim.runs.backends import BackendError
    from sim.scenario.problems import ScenarioError

    cells = out / "cells"
    made: list[Path] = []
    try:
        made = prepare_out(out)
        with progress_bar(total, args.quiet) as tick:
            yield tick, cache_note(cells, args.quiet)
    except (ScenarioError, BackendError) as err:
        remove_empty(made)
        raise BadInput(problem_lines(err)) from None
    except KeyboardInterrupt:
        resume_hint(cells)
        raise
    finally:
        backend.close()


def cmd_sweep(args: argparse.Namespace) -> int:
    """``campaign-sim sweep``: run the grid, write sweep.csv, sweep.json and the plots."""
    from sim.cli.commands import load
    from sim.runs.sweep import plan_sweep, run_sweep
    from sim.scenario.edit import parse_grid

    started = datetime.now(UTC)
    scenario = load(args.scenario, args.max_memory)
    check_metric(args.metric, scenario)
    grid = parse_grid(args.grid)
    setups = split_setups(args.setups) or list(DEFAULT_SWEEP_SETUPS)
    plan = plan_sweep(scenario, grid, setups, args.replications, args.seed)
    backend = _backend(args, "sweep")
    out = args.out or RESULTS_ROOT / f"{scenario.name}-sweep"
    with _running(args, out, len(plan.runs), backend) as (tick, on_cached):
        table = run_sweep(scenario, grid, setups, args.replications, args.seed, out,
                          backend=backend, on_done=tick, on_cached=on_cached)
    return _write_sweep(args, scenario, plan, table, out, started)


def _write_sweep(args: argparse.Namespace, scenario: Scenario, plan: SweepPlan,
                 table: pd.DataFrame, out: Path, started: datetime) -> int:
    """Write the table, provenance, plots and report, then print where they are."""
    from sim.cli.commands import command_provenance
    from sim.files import write_atomic
    from sim.report.command_pages import sweep_page, table_number
    from sim.report.page import write_pages
    from sim.report.sweep_figures import (
        breakeven_crossings,
        gain_table,
        remove_other_plots,
        sweep_plots,
    )
    from sim.version import __version__

    write_atomic(out / "sweep.csv", table.to_csv(index=False))
    info = {"scenario": scenario.name, "scenario_file": str(args.scenario), "grid": plan.grid,
            "setups": plan.setups, "replications": plan.replications, "seed": plan.seed,
            "runs": len(plan.runs), "version": __version__, "backend": args.backend}
    write_atomic(out / "sweep.json", json.dumps(info, indent=2) + "\n")
    paired = {"pilot", "conductor"} <= set(plan.setups)
    metric = args.metric
    made = sweep_plots(table, out, metric, currency=scenario.currency) if paired else {}
    remove_other_plots(out, made.values())  # plots of an earlier sweep with other dimensions
    if paired:
        gains = gain_table(table, metric, "conductor", "pilot")
        print(f"{metric.replace('_', ' ')}, conductor - pilot, paired (mean and 95% CI):")
        print(gains.to_string(index=False, float_format=table_number))
        crossings = _crossing_lines(breakeven_crossings(table, metric, "conductor", "pilot"))
        print("\n".join(crossings))
        prov = command_provenance(args, scenario, plan.setups, plan.replications, started)
        page = sweep_page(scenario.name, metric, gains, crossings, made, prov)
        for path in [*made.values(), *write_pages(out, page).values()]:
            print(path)
    print(out / "sweep.csv")
    return 0


def _crossing_lines(crossings: pd.DataFrame) -> list[str]:
    """One line per break-even crossing of the paired gain along a grid dimension."""
    from sim.report.command_pages import table_number

    if crossings.empty:
        return ["break-even: the paired gain does not cross zero along any grid dimension"]
    return [f"break-even: gain = 0 at {dim} = {table_number(float(value))}"
            + (f" (at {at})" if at else "")
            for dim, at, value in zip(crossings["dimension"], crossings["at"],
                                      crossings["value"], strict=True)]


def check_metric(metric: str, scenario: Scenario) -> None:
    """An unknown summary metric is bad input: one line naming the known ones.

    The known ones are the fixed summary columns and the per-team and per-stage ones
    (``utilization_<resource>``, ``wait_mean_<resource>``) of ``scenario``.
    """
    from sim.tables.metrics import SUMMARY_METRICS
    from sim.tables.operations import resource_metrics

    known = [*SUMMARY_METRICS, *resource_metrics(scenario)]
    if metric not in known:
        raise BadInput([f"--metric: unknown metric (known: {', '.join(known)}) "
                        f"(got {metric!r})"])


def cmd_decompose(args: argparse.Namespace) -> int:
    """``campaign-sim decompose``: write decomposition.csv and waterfall.png."""
    from sim.cli.commands import command_provenance, load
    from sim.files import write_atomic
    from sim.report.command_pages import decompose_page
    from sim.report.page import write_pages
    from sim.report.waterfall import ranking_text, waterfall
    from sim.runs.decompose import decompose, ranking

    started = datetime.now(UTC)
    scenario = load(args.scenario, args.max_memory)
    check_metric(args.metric, scenario)
    backend = _backend(args, "decompose")
    out = args.out or RESULTS_ROOT / f"{scenario.name}-decompose"
    with _running(args, out, 16 * args.replications, backend) as (tick, on_cached):
        dec = decompose(scenario, args.replications, args.seed, args.metric, out=out,
                        backend=backend, on_done=tick, on_cached=on_cached)
    table, ranked = dec.table(), ranking(dec)
    write_atomic(out / "decomposition.csv", table.to_csv(index=False))
    write_atomic(out / "ranking.csv", ranked.to_csv(index=False))
    png = waterfall(dec, out / "waterfall.png")
    print(ranking_text(ranked, dec.metric, scenario.currency))
    total = dec.total
    total_text = (f"Total gain (conductor - pilot): {total.mean:,.0f} [{total.ci_low:,.0f}, "
                  f"{total.ci_high:,.0f}] over {dec.replications} replications; "
                  f"{int(ranked['distinct_from_next'].sum())} of {len(ranked) - 1} adjacent "
                  "ranks distinguishable.")
    print(total_text[0].lower() + total_text[1:-1])
    prov = command_provenance(args, scenario, ["pilot", "conductor"], dec.replications, started)
    page = decompose_page(scenario.name, dec.metric, ranked, total_text, png,
                          scenario.currency, prov)
    for path in [out / "decomposition.csv", out / "ranking.csv", png,
                 *write_pages(out, page).values()]:
        print(path)
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    """``campaign-sim bench``: run benchmarks/bench.py and print its figures."""
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "benchmarks" / "bench.py"
    spec = importlib.util.spec_from_file_location("campaign_sim_bench", path)
    if spec is None or spec.loader is None or not path.is_file():
        raise BadInput([f"bench: {path} not found (the benchmark ships with the source tree)"])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    argv = ["--quick"] if args.quick else []
    if args.replications:
        argv += ["--replications", str(args.replications)]
    code: int = module.main(argv)
    return code
