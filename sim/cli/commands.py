"""The handlers of ``validate``, ``schema``, ``plot``, ``run`` and ``compare``.

Each returns the exit code, or raises :class:`~sim.cli.options.BadInput` (exit 2). The simulator
and its heavy libraries are imported inside the handlers, not at the top.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sim.cli.options import EXIT_BAD_INPUT, EXIT_OK, RESULTS_ROOT, BadInput, problem_lines

if TYPE_CHECKING:
    from sim.scenario.schema import Scenario


def cmd_validate(args: argparse.Namespace) -> int:
    """Check each scenario file; print ``ok <file>`` or its problems."""
    bad = False
    for path in args.scenarios:
        try:
            load(path, args.max_memory)
        except BadInput as err:
            bad = True
            for line in err.lines:
                print(line, file=sys.stderr)
            continue
        print(f"ok {path}")
    return EXIT_BAD_INPUT if bad else EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    """Print the JSON Schema of a scenario."""
    from sim.scenario.schema import Scenario

    print(json.dumps(Scenario.model_json_schema(), indent=2))
    return EXIT_OK


def cmd_plot(args: argparse.Namespace) -> int:
    """Redraw the plots, comparison.csv, report.md and report.html of a saved results folder.

    A folder of another command (breakeven, sweep, decompose) gets its report.html rebuilt
    from its report.md.
    """
    from sim.files import ResultsError
    from sim.report.folder import DAILY_FILE, redraw
    from sim.report.page import REPORT_MD, rebuild_html

    folder = Path(args.folder)
    if not (folder / DAILY_FILE).is_file() and (folder / REPORT_MD).is_file():
        print(rebuild_html(folder))  # not a comparison (breakeven, sweep, ...): its page only
        return EXIT_OK
    try:
        made = redraw(args.folder)
    except ResultsError as err:
        raise BadInput([str(err)]) from None
    for path in made.values():
        print(path)
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    """Run one setup over the replications and write a results folder."""
    scenario = load(args.scenario, args.max_memory)
    check_setups(scenario, [args.setup], "--setup")
    out = args.out or RESULTS_ROOT / f"{scenario.name}-{args.setup}"
    return compare_and_write(args, scenario, [args.setup], out)


def cmd_compare(args: argparse.Namespace) -> int:
    """Compare setups over the replications and write a results folder."""
    scenario = load(args.scenario, args.max_memory)
    setups = args.setups if args.setups is not None else list(scenario.setup_names)
    if args.setups is not None:
        check_setups(scenario, setups, "--setups")
    out = args.out or RESULTS_ROOT / scenario.name
    return compare_and_write(args, scenario, setups, out)


def load(path: Path, max_memory_gib: float | None = None) -> Scenario:
    """Load a scenario and check what one run of it would need; problems become BadInput.

    Warnings of a valid scenario (see :mod:`sim.scenario.warnings`) go to stderr, one line each;
    they change nothing else, so every command that loads a scenario prints them.
    """
    from sim.scenario.load import load_scenario
    from sim.scenario.problems import ScenarioError
    from sim.world.sizing import check_memory

    try:
        scenario = load_scenario(path)
        check_memory(scenario, max_memory_gib, file=str(path))
    except ScenarioError as err:
        raise BadInput(problem_lines(err)) from None
    print_warnings(scenario, path)
    return scenario


def print_warnings(scenario: Scenario, path: Path) -> None:
    """Print each warning of a valid scenario on stderr: ``warning: <file>: <field>: <msg>``."""
    from sim.scenario.warnings import scenario_warnings

    for field, message in scenario_warnings(scenario):
        print(f"warning: {path}: {field}: {message}", file=sys.stderr)


def check_setups(scenario: Scenario, setups: Sequence[str], option: str) -> None:
    """Every requested setup must be known (listed in the scenario or built in), once."""
    from sim.scenario.setups import BUILTIN_SETUPS

    known = list(dict.fromkeys([*scenario.setup_names, *BUILTIN_SETUPS]))
    lines = []
    for i, name in enumerate(setups):
        if name not in known:
            lines.append(f"{option}: unknown setup (known: {', '.join(known)}) (got {name!r})")
        elif name in setups[:i]:
            lines.append(f"{option}: setup listed twice (got {name!r})")
    if lines:
        raise BadInput(lines)


def command_provenance(args: argparse.Namespace, scenario: Scenario, setups: Sequence[str],
                       replications: int, started: datetime) -> dict[str, object]:
    """The provenance record of a command's results folder (see :mod:`sim.report.provenance`)."""
    from sim.report.folder import reference_for
    from sim.report.provenance import RunInfo, provenance

    info = RunInfo(setups=list(setups), replications=replications, seed=args.seed,
                   jobs=getattr(args, "jobs", None) or 1, command_line=args.command_line,
                   started=started, finished=datetime.now(UTC),
                   reference=reference_for(setups), scenario_file=str(args.scenario))
    return provenance(scenario, info)


def compare_and_write(args: argparse.Namespace, scenario: Scenario, setups: list[str],
                      out: Path) -> int:
    """Run the comparison inside a staging folder, write the results, print the table."""
    import sim
    from sim.cli.progress import cache_note, progress_bar, resume_hint
    from sim.files import ResultsError, staging_folder, writing_to
    from sim.report.bottleneck import bottleneck_text
    from sim.report.folder import fill_folder, reference_for, write_scenario
    from sim.report.headline import headline_text
    from sim.report.provenance import RunInfo
    from sim.report.terminal import terminal_table
    from sim.runs.store import RunStore
    from sim.scenario.problems import ScenarioError
    from sim.tables.comparison import ordered_setups

    runs = len(setups) * args.replications
    jobs = max(1, min(args.jobs or os.cpu_count() or 1, runs))
    started = datetime.now(UTC)
    kept = RunStore.folder_beside(out)
    store = RunStore(kept)
    fresh = not os.path.lexists(kept)  # (no OSError for a name too long)
    try:
        with staging_folder(out) as tmp:
            with writing_to(out):
                write_scenario(scenario, tmp)
            with progress_bar(runs, args.quiet) as tick:
                comparison = sim.compare(
                    scenario, setups=setups, replications=args.replications, seed=args.seed,
                    jobs=jobs, on_done=tick, store=store,
                    on_cached=cache_note(kept, args.quiet, when_empty=False),
                )
            info = RunInfo(
                setups=setups, replications=args.replications, seed=args.seed, jobs=jobs,
                command_line=args.command_line, started=started, finished=datetime.now(UTC),
                reference=reference_for(setups), scenario_file=str(args.scenario),
            )
            with writing_to(out):
                table = fill_folder(tmp, scenario, comparison, info)
    except (ResultsError, ScenarioError) as err:
        if fresh:  # bad input leaves nothing behind (a store from an earlier attempt stays)
            store.remove()
        raise BadInput(problem_lines(err)) from None
    except BaseException:  # Ctrl-C, SIGTERM or a crash: keep the finished runs for next time
        if store.count():
            resume_hint(kept)
        raise
    store.remove()  # the results folder is in place
    print(terminal_table(table))
    answer = headline_text(table, scenario.horizon_days, scenario.currency)
    if answer:
        print("\n" + answer)
    where = bottleneck_text(comparison.summary, ordered_setups(setups, info.reference),
                            comparison.steps, comparison.resources)
    if where:
        print("\n" + where)
    print(f"results: {out}")
    return EXIT_OK
