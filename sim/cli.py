"""The ``campaign-sim`` command line: validate, run, compare, plot, schema, sweep, decompose, bench.

Exit codes: 0 success, 2 bad input (one line per problem on stderr, nothing written), 1 internal
error (one line plus a hint to re-run with ``--debug`` for the traceback), 130 interrupted.

Only the standard library is imported at the top: the simulator and its heavy libraries (pandas,
scipy, matplotlib) are imported by the commands, once Ctrl-C is handled (see :func:`main`).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import shlex
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from sim.config import Scenario

PROG = "campaign-sim"
EXIT_OK, EXIT_ERROR, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130
DEFAULT_REPLICATIONS = 10
RESULTS_ROOT = Path("results")
_INTERRUPTED = threading.Event()  # set by the SIGINT handler, checked after every run
_POOL_PHASE = threading.Event()  # set while sim.compare runs with worker processes
_FORCE = threading.Event()  # set by a second interrupt: stop the workers without waiting
GRACE_SECONDS = 3.0  # after Ctrl-C, time the runs in progress get before workers are stopped


class BadInput(Exception):
    """Input the user can fix: each line is printed on its own line of stderr (exit 2)."""

    def __init__(self, lines: Sequence[str]):
        self.lines = [str(line) for line in lines]
        super().__init__("\n".join(self.lines))


# -- argument parsing ----------------------------------------------------------------------------
class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and go through :class:`BadInput`."""

    def error(self, message: str) -> NoReturn:
        """Report a usage error as bad input instead of printing usage and exiting."""
        raise BadInput([f"{self.prog}: {message} (see {self.prog} --help)"])


def _positive_int(text: str) -> int:
    """Parse an integer >= 1."""
    value = _int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer (got {text!r})")
    return value


def _non_negative_int(text: str) -> int:
    """Parse an integer >= 0."""
    value = _int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer (got {text!r})")
    return value


def _int(text: str) -> int:
    """Parse an integer, with a clear message."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer (got {text!r})") from None


def _setup_list(text: str) -> list[str]:
    """Parse a comma-separated list of setup names."""
    names = [part.strip() for part in text.split(",")]
    if not names or any(not name for name in names):
        raise argparse.ArgumentTypeError(f"must be setup names separated by commas (got {text!r})")
    return names


def _add_debug(parser: argparse.ArgumentParser, top: bool) -> None:
    """Add ``--debug`` (accepted before or after the subcommand)."""
    parser.add_argument(
        "--debug",
        action="store_true",
        default=False if top else argparse.SUPPRESS,
        help="show the full traceback of an unexpected error",
    )


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by ``run`` and ``compare``."""
    parser.add_argument(
        "--replications", type=_positive_int, default=DEFAULT_REPLICATIONS, metavar="N",
        help=f"replications per setup (default {DEFAULT_REPLICATIONS})",
    )
    parser.add_argument(
        "--seed", type=_non_negative_int, default=0, metavar="S", help="master seed (default 0)"
    )
    parser.add_argument(
        "--jobs", type=_positive_int, default=None, metavar="K",
        help="worker processes (default: number of CPUs)",
    )
    parser.add_argument("--out", type=Path, default=None, metavar="DIR", help="results folder")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of ``campaign-sim``."""
    parser = _Parser(
        prog=PROG,
        description="Discrete-event simulator of cross-channel marketing operations.",
    )
    _add_debug(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    p = sub.add_parser("validate", help="check scenario files")
    p.add_argument("scenarios", nargs="+", type=Path, metavar="SCENARIO")
    p.set_defaults(handler=cmd_validate)

    p = sub.add_parser("run", help="run one setup, write a results folder")
    p.add_argument("scenario", type=Path, metavar="SCENARIO")
    p.add_argument("--setup", required=True, metavar="NAME", help="the setup to run")
    _add_run_options(p)
    p.set_defaults(handler=cmd_run)

    p = sub.add_parser("compare", help="compare setups, write a results folder")
    p.add_argument("scenario", type=Path, metavar="SCENARIO")
    p.add_argument(
        "--setups", type=_setup_list, default=None, metavar="A,B,...",
        help="setups to compare (default: those the scenario lists)",
    )
    _add_run_options(p)
    p.set_defaults(handler=cmd_compare)

    p = sub.add_parser("plot", help="redraw plots and report of a results folder")
    p.add_argument("folder", type=Path, metavar="DIR")
    p.set_defaults(handler=cmd_plot)

    p = sub.add_parser("schema", help="print the JSON Schema of a scenario")
    p.set_defaults(handler=cmd_schema)

    from sim.sweep import add_sweep_commands

    add_sweep_commands(sub)  # sweep, decompose, bench (handlers in sim.sweep_cli)

    for choice in sub.choices.values():
        _add_debug(choice, top=False)
    return parser


# -- commands ------------------------------------------------------------------------------------
def cmd_validate(args: argparse.Namespace) -> int:
    """Check each scenario file; print ``ok <file>`` or its problems."""
    from sim.config import ScenarioError, load_scenario

    bad = False
    for path in args.scenarios:
        try:
            load_scenario(path)
        except ScenarioError as err:
            bad = True
            for problem in err.problems:
                print(str(problem), file=sys.stderr)
            continue
        print(f"ok {path}")
    return EXIT_BAD_INPUT if bad else EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    """Print the JSON Schema of a scenario."""
    from sim.config import Scenario

    print(json.dumps(Scenario.model_json_schema(), indent=2))
    return EXIT_OK


def cmd_plot(args: argparse.Namespace) -> int:
    """Redraw the plots, comparison.csv and report.md of a saved results folder."""
    from sim.results import ResultsError, redraw

    try:
        made = redraw(args.folder)
    except ResultsError as err:
        raise BadInput([str(err)]) from None
    for path in made.values():
        print(path)
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    """Run one setup over the replications and write a results folder."""
    scenario = _load(args.scenario)
    _check_setups(scenario, [args.setup], "--setup")
    out = args.out or RESULTS_ROOT / f"{scenario.name}-{args.setup}"
    return _compare_and_write(args, scenario, [args.setup], out)


def cmd_compare(args: argparse.Namespace) -> int:
    """Compare setups over the replications and write a results folder."""
    scenario = _load(args.scenario)
    setups = args.setups if args.setups is not None else list(scenario.setup_names)
    if args.setups is not None:
        _check_setups(scenario, setups, "--setups")
    out = args.out or RESULTS_ROOT / scenario.name
    return _compare_and_write(args, scenario, setups, out)


# -- helpers of run and compare ------------------------------------------------------------------
def _load(path: Path) -> Scenario:
    """Load a scenario, turning its problems into :class:`BadInput`."""
    from sim.config import ScenarioError, load_scenario

    try:
        return load_scenario(path)
    except ScenarioError as err:
        raise BadInput([str(p) for p in err.problems]) from None


def _check_setups(scenario: Scenario, setups: Sequence[str], option: str) -> None:
    """Every requested setup must be known (listed in the scenario or built in), once."""
    from sim.setups import BUILTIN_SETUPS

    known = list(dict.fromkeys([*scenario.setup_names, *BUILTIN_SETUPS]))
    lines = []
    for i, name in enumerate(setups):
        if name not in known:
            lines.append(f"{option}: unknown setup (known: {', '.join(known)}) (got {name!r})")
        elif name in setups[:i]:
            lines.append(f"{option}: setup listed twice (got {name!r})")
    if lines:
        raise BadInput(lines)


def _compare_and_write(
    args: argparse.Namespace, scenario: Scenario, setups: list[str], out: Path
) -> int:
    """Run the comparison inside a staging folder, write the results, print the table."""
    import sim
    from sim.config import ScenarioError
    from sim.outputs import cache_note, resume_hint
    from sim.report import terminal_table
    from sim.results import (
        ResultsError,
        RunInfo,
        fill_folder,
        reference_for,
        staging_folder,
        write_scenario,
        writing_to,
    )
    from sim.run_cache import RunCache

    runs = len(setups) * args.replications
    jobs = max(1, min(args.jobs or os.cpu_count() or 1, runs))
    started = datetime.now(UTC)
    cache = RunCache.beside(out)
    fresh = not os.path.lexists(cache.root)  # (no OSError for a name too long)
    try:
        with staging_folder(out) as tmp:
            with writing_to(out):
                write_scenario(scenario, tmp)
            with _progress(runs, args.quiet) as tick, _pool_phase(jobs > 1):
                comparison = sim.compare(
                    scenario, setups=setups, replications=args.replications, seed=args.seed,
                    jobs=jobs, on_done=tick, cache=cache,
                    on_cached=cache_note(cache.root, args.quiet, when_empty=False),
                )
            _check_interrupted()
            info = RunInfo(
                setups=setups, replications=args.replications, seed=args.seed, jobs=jobs,
                command_line=args.command_line, started=started, finished=datetime.now(UTC),
                reference=reference_for(setups), scenario_file=str(args.scenario),
            )
            with writing_to(out):
                table = fill_folder(tmp, scenario, comparison, info)
    except (ResultsError, ScenarioError) as err:
        if fresh:  # bad input leaves nothing behind (a cache from an earlier attempt stays)
            cache.remove()
        raise BadInput([str(err)] if isinstance(err, ResultsError)
                       else [str(p) for p in err.problems]) from None
    except BaseException:  # Ctrl-C or a crash: keep the finished runs for the next attempt
        if cache.count():
            resume_hint(cache.root)
        raise
    cache.remove()  # the results folder is in place
    print(terminal_table(table))
    print(f"results: {out}")
    return EXIT_OK


@contextmanager
def _progress(total: int, quiet: bool) -> Iterator[Callable[[], None]]:
    """The shared progress bar, checking for Ctrl-C after every run."""
    from sim.outputs import progress_bar

    with progress_bar(total, quiet) as advance:

        def tick() -> None:
            advance()
            _check_interrupted()

        yield tick


# -- interrupts ----------------------------------------------------------------------------------
def _stop_workers_now() -> None:
    """Terminate this process's worker processes and unblock the pools that wait on them."""
    try:
        children = multiprocessing.active_children()
    except RuntimeError:  # the set of children changed meanwhile: try once more
        children = multiprocessing.active_children()
    if not children:
        return
    _quiet_pool_manager()
    for child in children:
        with contextlib.suppress(OSError, AttributeError):
            child.terminate()
    _unblock_pool_managers()


def _unblock_pool_managers() -> None:
    """Close this process's copy of each process pool's result pipe.

    A worker killed while sending a result leaves half a message in the pipe, and the pool's
    manager thread would wait for the rest forever, blocking the exit of the interpreter. With
    every writer closed it reads end-of-file instead, marks the pool broken and ends.
    """
    try:
        from concurrent.futures import process
    except ImportError:
        return
    for thread in list(getattr(process, "_threads_wakeups", {})):
        writer = getattr(getattr(thread, "result_queue", None), "_writer", None)
        if writer is not None:
            with contextlib.suppress(OSError):
                writer.close()


def _quiet_pool_manager() -> None:
    """Keep a stopped process pool from printing a traceback from its manager thread.

    On Python 3.11, a pool whose workers die after its queued futures were cancelled raises
    ``InvalidStateError`` in its manager thread (ignored since Python 3.12), and one whose result
    pipe was closed raises on it; both are expected after :func:`_stop_workers_now`, so only
    exceptions of the manager thread are silenced.
    """
    try:
        from concurrent.futures.process import _ExecutorManagerThread
    except ImportError:  # a private name: nothing to silence if it is gone
        return
    previous = threading.excepthook
    if getattr(previous, "_campaign_sim", False):
        return

    def hook(args: threading.ExceptHookArgs) -> None:
        if not isinstance(args.thread, _ExecutorManagerThread):
            previous(args)

    hook._campaign_sim = True  # type: ignore[attr-defined]
    threading.excepthook = hook


@contextmanager
def _interrupts(ignore_after: bool = False) -> Iterator[None]:
    """Handle Ctrl-C (SIGINT) while a command runs.

    Outside a pool of worker processes, an interrupt raises KeyboardInterrupt at once. While
    ``sim.compare`` runs on workers, raising at an arbitrary point could be lost (for example in
    a callback run while the pool forks) or leave the pool waiting for every queued run, so the
    handler only records the interrupt: the next finished run raises it from the ``on_done``
    callback, ``sim.compare`` cancels the queued runs, and the workers exit after the run they
    are on. If they are still there after :data:`GRACE_SECONDS`, or on a second interrupt, a
    watchdog thread stops them at once (see :func:`_pool_phase`). Forked workers inherit this
    handler and ignore SIGINT, so a Ctrl-C sent to the whole process group does not break them
    mid-way: the parent decides. Once an interrupt is being handled, further ones are ignored
    outside the pool, so the clean-up of the temporary folder is not cut short. With
    ``ignore_after``, SIGINT is ignored once the command is done (for a program about to exit,
    whose interpreter would otherwise die of a late Ctrl-C while it shuts down).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    owner = os.getpid()
    count = 0
    _INTERRUPTED.clear()
    _FORCE.clear()

    def handle(signum: int, frame: FrameType | None) -> None:
        nonlocal count
        if os.getpid() != owner:
            return
        count += 1
        _INTERRUPTED.set()
        if not _POOL_PHASE.is_set():
            if count > 1:
                _FORCE.set()
                return  # already on the way out
            raise KeyboardInterrupt
        if count == 1:
            _say("interrupted: finishing the runs in progress (Ctrl-C again to stop now)")
        else:
            _FORCE.set()

    previous = signal.signal(signal.SIGINT, handle)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN if ignore_after else previous)


@contextmanager
def _pool_phase(active: bool) -> Iterator[None]:
    """Mark the time ``sim.compare`` runs on worker processes, watched by a watchdog thread."""
    if not active:
        yield
        return
    done = threading.Event()
    watchdog = threading.Thread(
        target=_watch, args=(done,), name="campaign-sim-watchdog", daemon=True
    )
    _POOL_PHASE.set()
    watchdog.start()
    try:
        yield
    finally:
        _POOL_PHASE.clear()
        done.set()
        watchdog.join()


def _watch(done: threading.Event) -> None:
    """After an interrupt, stop the workers if the pool outlasts the grace period."""
    while not _INTERRUPTED.wait(0.1):
        if done.is_set():
            return
    deadline = time.monotonic() + GRACE_SECONDS
    while not done.is_set() and not _FORCE.is_set() and time.monotonic() < deadline:
        done.wait(0.05)
    if not done.is_set():
        _stop_workers_now()


def _check_interrupted() -> None:
    """Raise KeyboardInterrupt if Ctrl-C was pressed.

    The handler's own exception can be swallowed where it lands (for example in a callback run
    while the pool forks its workers); this re-raises it at the next safe point.
    """
    if _INTERRUPTED.is_set():
        raise KeyboardInterrupt


def _say(message: str) -> None:
    """Write a line to stderr from a signal handler (unbuffered, never re-entrant)."""
    with contextlib.suppress(OSError):
        os.write(2, (message + "\n").encode())


# -- entry point ---------------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``) and return the exit code.

    Run as a program (``argv`` None), Ctrl-C is ignored once the command is done, so a late
    Ctrl-C while the process exits cannot end in a traceback or a kill. The simulator's modules
    are imported only inside, so a Ctrl-C while they load is reported as an interrupt too.
    """
    program = argv is None
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        with _interrupts(ignore_after=program):
            return _dispatch(args_list)
    except KeyboardInterrupt:  # before the handler was in place
        return _interrupted()


def _dispatch(argv: list[str]) -> int:
    """Parse ``argv``, run its command and map every outcome to an exit code."""
    try:
        args = build_parser().parse_args(argv)
        args.command_line = shlex.join([PROG, *argv])
        return _call(args)
    except BadInput as err:
        for line in err.lines:
            print(line, file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return _interrupted()
    except SystemExit as err:  # --help, or a handler that exits
        return err.code if isinstance(err.code, int) else (EXIT_OK if err.code is None else 1)
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_ERROR
    except Exception as err:
        if _INTERRUPTED.is_set():  # e.g. a pool broken by stopping its workers
            return _interrupted()
        if "--debug" in argv:
            traceback.print_exc()
        else:
            print(f"error: {type(err).__name__}: {err}".splitlines()[0], file=sys.stderr)
            print(f"(re-run with --debug to see the traceback: {PROG} --debug ...)",
                  file=sys.stderr)
        return EXIT_ERROR


def _call(args: argparse.Namespace) -> int:
    """Run the command's handler, turning a scenario's problems into :class:`BadInput`."""
    from sim.config import ScenarioError

    try:
        code: int = args.handler(args)
    except ScenarioError as err:
        raise BadInput([str(p) for p in err.problems]) from None
    return code


def _interrupted() -> int:
    """Report an interrupt after making sure no worker process is left."""
    _stop_workers_now()
    print("interrupted", file=sys.stderr)
    return EXIT_INTERRUPTED


def _silence_stdout() -> None:
    """After a broken pipe (``campaign-sim ... | head``), keep Python from complaining at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
