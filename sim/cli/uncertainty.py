"""The handlers of ``uncertainty`` and ``sensitivity``: assumptions as ranges.

Both draw parameter sets from the scenario's ``uncertain:`` section, run every setup on each with
common random numbers through the sweep machinery (each finished run kept in ``<out>/cells/``,
so the same command resumes after a stop), then write tables, plots and ``report.md`` into
``--out``. ``--dry-run`` validates the design and prints how many runs it needs, writing nothing.
Exit 0 done, 2 bad input (one line per problem, before any run starts).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.cli.options import (
    EXIT_OK,
    RESULTS_ROOT,
    BadInput,
    add_backend_options,
    add_run_options,
    positive_int,
)

if TYPE_CHECKING:
    import pandas as pd

    from sim.runs.sampling import Design
    from sim.scenario.schema import Scenario

UNCERTAINTY_SAMPLES = 64
UNCERTAINTY_REPLICATIONS = 2
SENSITIVITY_SAMPLES = {"morris": 10, "sobol": 64}  # trajectories; base samples
SENSITIVITY_REPLICATIONS = {"oat": 10, "morris": 2, "sobol": 2}


def register(subparsers: Any) -> None:
    """Register ``uncertainty`` and ``sensitivity`` on an argparse subparsers object."""
    p = subparsers.add_parser("uncertainty", help="how the gain is distributed over the "
                              "uncertain: ranges, and how likely it pays")
    p.add_argument("--samples", type=positive_int, default=UNCERTAINTY_SAMPLES, metavar="N",
                   help=f"parameter sets to draw (default {UNCERTAINTY_SAMPLES})")
    p.add_argument("--design", choices=("lhs", "sobol"), default="lhs",
                   help="scrambled Latin hypercube, or Sobol' for a power of 2 (default lhs)")
    _common(p, UNCERTAINTY_REPLICATIONS, None)
    p.set_defaults(handler=cmd_uncertainty)

    p = subparsers.add_parser("sensitivity", help="which uncertain value moves the gain: "
                              "one at a time, Morris or Sobol'")
    p.add_argument("--method", choices=("oat", "morris", "sobol"), required=True,
                   help="oat: tornado of 5%%/95%% quantiles; morris: screening; sobol: indices")
    p.add_argument("--samples", type=positive_int, default=None, metavar="N",
                   help="morris: trajectories (default 10); sobol: base samples, a power of 2 "
                   "(default 64); not for oat")
    _common(p, None, "oat 10, morris and sobol 2")
    p.set_defaults(handler=cmd_sensitivity)


def _common(p: argparse.ArgumentParser, replications: int | None, text: str | None) -> None:
    """Options both commands share."""
    p.add_argument("scenario", type=Path, metavar="SCENARIO", help="scenario YAML file")
    p.add_argument("--setups", default=None, metavar="A,B,...",
                   help="setups to run on each parameter set (default: reference,setup)")
    p.add_argument("--setup", default="conductor", metavar="NAME",
                   help="the setup whose gain is measured (default conductor)")
    p.add_argument("--reference", default="pilot", metavar="NAME",
                   help="the setup it is paired with (default pilot)")
    p.add_argument("--metric", default="net_contribution", metavar="NAME",
                   help="summary metric of the paired gain (default net_contribution)")
    p.add_argument("--dry-run", action="store_true",
                   help="print how many runs the design needs, run nothing, write nothing")
    add_run_options(p, replications=replications, what="per setup and parameter set",
                    default_text=text)
    add_backend_options(p)


def _setups(args: argparse.Namespace) -> list[str]:
    from sim.cli.sweeps import split_setups

    return split_setups(args.setups) or list(dict.fromkeys([args.reference, args.setup]))


def _prepare(args: argparse.Namespace) -> Scenario:
    """Load the scenario and check the metric (bad input otherwise)."""
    from sim.cli.commands import load
    from sim.cli.sweeps import check_metric

    scenario = load(args.scenario, args.max_memory)
    check_metric(args.metric, scenario)
    return scenario


def _check_memory(args: argparse.Namespace, design: Design) -> None:
    """Every parameter set must fit the memory limit, as the base scenario did."""
    from sim.world.sizing import check_memory

    for scenario in design.plan.scenarios:
        check_memory(scenario, args.max_memory, file=str(args.scenario))


def _dry_run(design: Design, out: Path) -> int:
    """Print the run count (and how many are already kept in ``out``) and stop."""
    plan = design.plan
    keys = {spec.key for _, spec in plan.runs}
    cells = out / "cells"
    kept = sum((cells / f"{key}.pkl").is_file() for key in keys) if cells.is_dir() else 0
    print(f"{len(plan.runs)} runs: {len(plan.cells)} parameter sets x {len(plan.setups)} setups "
          f"x {plan.replications} replications ({len(design.parameters)} uncertain values)")
    if kept:
        print(f"{kept} of its {len(keys)} distinct runs are already kept in {cells}")
    print("dry run: nothing was run or written")
    return EXIT_OK


def _run(args: argparse.Namespace, design: Design, out: Path, command: str
         ) -> tuple[pd.DataFrame, float]:
    """Run the design with progress and resume support; return the runs and the seconds taken."""
    from sim.cli.sweeps import _backend, _running
    from sim.runs.sampling import run_design

    backend = _backend(args, command)
    start = time.monotonic()
    with _running(args, out, len(design.plan.runs), backend) as (tick, on_cached):
        table = run_design(design, out, backend=backend, on_done=tick, on_cached=on_cached)
    return table, time.monotonic() - start


def _info(args: argparse.Namespace, scenario: Scenario, design: Design, command: str,
          seconds: float) -> dict[str, Any]:
    """What was run, for ``<command>.json`` and the report head."""
    from sim.version import __version__

    plan = design.plan
    return {"command": command, "scenario": scenario.name, "scenario_file": str(args.scenario),
            "command_line": getattr(args, "command_line", None), "metric": args.metric,
            "setup": design.setup, "reference": design.reference, "setups": plan.setups,
            "replications": plan.replications, "seed": plan.seed, "points": len(plan.cells),
            "runs": len(plan.runs),
            "parameters": {p: r.model_dump(mode="json") for p, r in
                           zip(design.parameters.paths, design.parameters.ranges, strict=True)},
            "version": __version__, "backend": args.backend, "seconds": round(seconds, 1)}


def cmd_uncertainty(args: argparse.Namespace) -> int:
    """``campaign-sim uncertainty``: the gain's distribution, P(gain > 0) and P(it pays)."""
    from sim.report.uncertainty_report import uncertainty_lines, write_uncertainty
    from sim.runs.uncertainty import analyse, plan_uncertainty

    scenario = _prepare(args)
    design = plan_uncertainty(scenario, args.samples, _setups(args), args.setup,
                              args.reference, args.replications, args.seed, args.design)
    _check_memory(args, design)
    out = args.out or RESULTS_ROOT / f"{scenario.name}-uncertainty"
    if args.dry_run:
        return _dry_run(design, out)
    table, seconds = _run(args, design, out, "uncertainty")
    result = analyse(design, table, args.metric)
    info = {**_info(args, scenario, design, "uncertainty", seconds), "design": args.design,
            "samples": args.samples}
    paths = write_uncertainty(result, table, out, info, scenario.currency)
    for line in uncertainty_lines(result.summary, scenario.currency):
        print(line)
    print(f"{len(design.plan.runs)} runs in {seconds:.0f} s")
    for path in paths:
        print(path)
    return EXIT_OK


def cmd_sensitivity(args: argparse.Namespace) -> int:
    """``campaign-sim sensitivity``: a tornado, Morris screening or Sobol' indices."""
    from sim.runs.sensitivity import MissingExtra, plan_sensitivity

    method = args.method
    if method == "oat" and args.samples is not None:
        raise BadInput(["--samples: applies to --method morris and sobol; oat runs each "
                        f"uncertain value at its 5% and 95% quantile (got {args.samples})"])
    samples = args.samples or SENSITIVITY_SAMPLES.get(method, 0)
    args.replications = args.replications or SENSITIVITY_REPLICATIONS[method]
    scenario = _prepare(args)
    try:
        design = plan_sensitivity(scenario, method, samples, _setups(args), args.setup,
                                  args.reference, args.replications, args.seed)
    except MissingExtra as err:
        raise BadInput([str(err)]) from None
    _check_memory(args, design)
    out = args.out or RESULTS_ROOT / f"{scenario.name}-{method}"
    if args.dry_run:
        return _dry_run(design, out)
    table, seconds = _run(args, design, out, "sensitivity")
    return _write_sensitivity(args, scenario, design, table, out, seconds, samples)


def _write_sensitivity(args: argparse.Namespace, scenario: Scenario, design: Design,
                       table: pd.DataFrame, out: Path, seconds: float, samples: int) -> int:
    """Analyse the finished design, write its folder and print the ranking."""
    from sim.report.uncertainty_report import sensitivity_table, write_sensitivity
    from sim.runs import sensitivity
    from sim.runs.sampling import POINT, gain_per_point

    method, metric = args.method, args.metric
    result: sensitivity.OneAtATime | pd.DataFrame
    if method == "oat":
        result = sensitivity.oat(design, table, metric)
    elif method == "morris":
        result = sensitivity.morris(design, table, metric, args.seed)
    else:
        result = sensitivity.sobol(design, table, metric, args.seed)
    gains = _points_table(design)
    gains["gain"] = gain_per_point(table, metric, design.setup, design.reference)
    info = {**_info(args, scenario, design, f"sensitivity --method {method}", seconds),
            "method": method, "samples": None if method == "oat" else samples}
    paths = write_sensitivity(method, result, gains, table, out, info, scenario.currency)
    ranked = sensitivity_table(result)
    print(ranked.drop(columns=["rank"]).to_string(index=False, float_format=_number))
    print(f"{len(design.plan.runs)} runs in {seconds:.0f} s ({POINT}s: {len(design.points)})")
    for path in paths:
        print(path)
    return EXIT_OK


def _points_table(design: Design) -> pd.DataFrame:
    import pandas as pd

    from sim.runs.sampling import POINT

    points = pd.DataFrame(design.points)
    points.insert(0, POINT, range(len(points)))
    return points


def _number(value: float) -> str:
    """Table numbers: large ones without decimals, small ones (indices) with 3."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.3f}"
