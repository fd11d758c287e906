"""The handler of ``breakeven``: when the coordination platform pays for itself.

Runs the setup and the reference on common random numbers, then writes ``breakeven.json`` and
``breakeven.png`` into ``--out`` (each file atomically). Exit 0 also when the setup never pays
(break-even <= 0); 2 for bad input, before anything is written.
"""

from __future__ import annotations

import argparse
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sim.cli.options import EXIT_OK, RESULTS_ROOT, BadInput, add_run_options


def register(subparsers: Any) -> None:
    """Register ``breakeven`` on an argparse subparsers object."""
    p = subparsers.add_parser("breakeven", help="the platform cost at which the gain is zero")
    p.add_argument("scenario", type=Path, metavar="SCENARIO", help="scenario YAML file")
    p.add_argument("--setup", default="conductor", metavar="NAME",
                   help="the setup that pays the platform (default conductor)")
    p.add_argument("--reference", default="pilot", metavar="NAME",
                   help="the setup it is compared with (default pilot)")
    add_run_options(p)
    p.set_defaults(handler=cmd_breakeven)


def cmd_breakeven(args: argparse.Namespace) -> int:
    """``campaign-sim breakeven``: run, write breakeven.json and breakeven.png, print them."""
    from sim.cli.commands import check_setups, command_provenance, load

    started = datetime.now(UTC)
    scenario = load(args.scenario, args.max_memory)
    check_setups(scenario, [args.setup], "--setup")
    check_setups(scenario, [args.reference], "--reference")
    if args.reference == args.setup:
        raise BadInput([f"--reference: must differ from --setup (got {args.reference!r})"])
    if not scenario.levers(args.setup).platform:
        raise BadInput([f"--setup: the setup does not use the platform (lever platform is off),"
                        f" so its gain does not depend on the platform cost "
                        f"(got {args.setup!r})"])
    out = args.out or RESULTS_ROOT / f"{scenario.name}-breakeven"
    made = _prepare(out)
    try:
        comparison = _run(args, scenario, out)
    except BaseException:
        from sim.files import remove_empty

        remove_empty(made)
        raise
    from sim.report.breakeven import analyse, reading, write_breakeven
    from sim.report.command_pages import breakeven_page
    from sim.report.page import write_pages

    result = analyse(comparison.summary, comparison.daily, comparison.requests, args.setup,
                     args.reference, scenario.horizon_days)
    extra = {"scenario": scenario.name, "scenario_file": str(args.scenario),
             "seed": args.seed, "command_line": getattr(args, "command_line", None)}
    paths = write_breakeven(result, out, extra, currency=scenario.currency)
    prov = command_provenance(args, scenario, [args.setup, args.reference], args.replications,
                              started)
    page = breakeven_page(result, scenario.name, scenario.currency, paths[1], prov)
    paths += list(write_pages(out, page).values())
    for line in reading(result, scenario.currency):
        print(line)
    for path in paths:
        print(path)
    return EXIT_OK


def _prepare(out: Path) -> list[Path]:
    """Create ``out`` and check it takes files (bad input otherwise); return the folders made."""
    from sim.files import writable_folder

    try:
        return writable_folder(out)
    except OSError as err:
        raise BadInput([f"--out: must be a folder you can write to; {err.strerror} "
                        f"(got {str(out)!r})"]) from None


def _run(args: argparse.Namespace, scenario: Any, out: Path) -> Any:
    """The comparison of setup and reference; finished runs are kept beside ``out`` meanwhile."""
    import sim
    from sim.cli.progress import cache_note, progress_bar, resume_hint
    from sim.files import ResultsError
    from sim.runs.store import RunStore

    setups = [args.setup, args.reference]
    runs = len(setups) * args.replications
    jobs = max(1, min(args.jobs or os.cpu_count() or 1, runs))
    kept = RunStore.folder_beside(out)
    store = RunStore(kept)
    try:
        with progress_bar(runs, args.quiet) as tick:
            comparison = sim.compare(scenario, setups=setups, replications=args.replications,
                                     seed=args.seed, jobs=jobs, on_done=tick, store=store,
                                     on_cached=cache_note(kept, args.quiet, when_empty=False))
    except ResultsError as err:
        raise BadInput([str(err)]) from None
    except BaseException:
        if store.count():
            resume_hint(kept)
        raise
    store.remove()
    return comparison
