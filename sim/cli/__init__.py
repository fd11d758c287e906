"""campaign-sim: validate, run, compare, plot, schema, sweep, decompose, breakeven, bench.

The command line and its ``main``; with ``uncertainty`` and ``sensitivity``
(:mod:`sim.cli.uncertainty`) and ``calibrate`` (:mod:`sim.cli.calibrate`), whose names do not
fit on the first line.

Exit codes: 0 success, 2 bad input (one line per problem on stderr, nothing written), 1 internal
error (one line plus a hint to re-run with ``--debug`` for the traceback), 130 interrupted by
Ctrl-C, 143 stopped by SIGTERM.

Only the standard library is imported here: the simulator and its heavy libraries (pandas,
scipy, matplotlib) are imported by the commands that need them, once signals are handled.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from sim.cli import breakeven, calibrate, commands, sweeps, uncertainty
from sim.cli.interrupts import Terminated, signals_raise, stop_workers
from sim.cli.options import (
    EXIT_BAD_INPUT,
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
    PROG,
    BadInput,
    Parser,
    add_debug,
    add_memory_option,
    add_run_options,
    problem_lines,
    setup_list,
)
from sim.cli.pipes import quiet_broken_pipe
from sim.scenario.problems import ScenarioError  # no third-party import: cheap


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of ``campaign-sim``."""
    parser = Parser(prog=PROG,
                    description="Discrete-event simulator of cross-channel marketing operations.")
    add_debug(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    sub.required = True

    p = sub.add_parser("validate", help="check scenario files")
    p.add_argument("scenarios", nargs="+", type=Path, metavar="SCENARIO")
    add_memory_option(p)
    p.set_defaults(handler=commands.cmd_validate)

    p = sub.add_parser("run", help="run one setup, write a results folder")
    p.add_argument("scenario", type=Path, metavar="SCENARIO")
    p.add_argument("--setup", required=True, metavar="NAME", help="the setup to run")
    add_run_options(p)
    p.set_defaults(handler=commands.cmd_run)

    p = sub.add_parser("compare", help="compare setups, write a results folder")
    p.add_argument("scenario", type=Path, metavar="SCENARIO")
    p.add_argument("--setups", type=setup_list, default=None, metavar="A,B,...",
                   help="setups to compare (default: those the scenario lists)")
    add_run_options(p)
    p.set_defaults(handler=commands.cmd_compare)

    p = sub.add_parser("plot", help="redraw plots and report of a results folder")
    p.add_argument("folder", type=Path, metavar="DIR")
    p.set_defaults(handler=commands.cmd_plot)

    p = sub.add_parser("schema", help="print the JSON Schema of a scenario")
    p.set_defaults(handler=commands.cmd_schema)

    sweeps.register(sub)  # sweep, decompose, bench
    breakeven.register(sub)
    uncertainty.register(sub)  # uncertainty, sensitivity
    calibrate.register(sub)  # calibrate media, calibrate requests
    for choice in sub.choices.values():
        add_debug(choice, top=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``) and return the exit code.

    Run as a program (``argv`` None), signals are ignored once the command is done, so a late
    Ctrl-C while the process exits cannot end in a traceback. The simulator's modules are
    imported only inside, so a Ctrl-C while they load is reported as an interrupt too.
    """
    program = argv is None
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        with signals_raise(ignore_after=program), quiet_broken_pipe():
            return _dispatch(args_list)
    except KeyboardInterrupt as err:  # before the handler was in place
        return _interrupted(err)


def _dispatch(argv: list[str]) -> int:
    """Parse ``argv``, run its command and map every outcome to an exit code."""
    try:
        args = build_parser().parse_args(argv)
        args.command_line = shlex.join([PROG, *argv])
        try:
            code: int = args.handler(args)
        except ScenarioError as err:
            raise BadInput(problem_lines(err)) from None
        return code
    except BadInput as err:
        for line in err.lines:
            print(line, file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt as err:
        return _interrupted(err)
    except SystemExit as err:  # --help, or a handler that exits
        return err.code if isinstance(err.code, int) else (EXIT_OK if err.code is None else 1)
    except Exception as err:
        if "--debug" in argv:
            traceback.print_exc()
        else:
            print(f"error: {type(err).__name__}: {err}".splitlines()[0], file=sys.stderr)
            print(f"(re-run with --debug to see the traceback: {PROG} --debug ...)",
                  file=sys.stderr)
        return EXIT_ERROR


def _interrupted(err: KeyboardInterrupt) -> int:
    """Report an interrupt after making sure no worker process is left."""
    stop_workers()
    terminated = isinstance(err, Terminated)
    print("terminated" if terminated else "interrupted", file=sys.stderr)
    return EXIT_TERMINATED if terminated else EXIT_INTERRUPTED
