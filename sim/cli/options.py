"""What every command shares: exit codes, bad input, argument types and common options.

Standard library only, so ``campaign-sim --help`` stays fast.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

PROG = "campaign-sim"
EXIT_OK, EXIT_ERROR, EXIT_BAD_INPUT = 0, 1, 2
EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143  # 128 + SIGINT, 128 + SIGTERM
DEFAULT_REPLICATIONS = 10
RESULTS_ROOT = Path("results")


class BadInput(Exception):
    """Input the user can fix: each line is printed on its own line of stderr (exit 2)."""

    def __init__(self, lines: Sequence[object]):
        self.lines = [str(line) for line in lines]
        super().__init__("\n".join(self.lines))


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and go through :class:`BadInput`."""

    def error(self, message: str) -> NoReturn:
        """Report a usage error as bad input instead of printing usage and exiting."""
        raise BadInput([f"{self.prog}: {message} (see {self.prog} --help)"])


def problem_lines(err: Exception) -> list[str]:
    """The lines to show for a bad-input exception: one per scenario problem, else its first."""
    problems = getattr(err, "problems", None)
    if problems is not None:
        return [str(p) for p in problems]
    return [str(err).splitlines()[0] if str(err) else type(err).__name__]


# -- argument types ------------------------------------------------------------------------------
def _int_at_least(text: str, low: int) -> int:
    """Parse an integer no smaller than ``low``, with a one-line message."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer (got {text!r})") from None
    if value < low:
        raise argparse.ArgumentTypeError(f"must be at least {low} (got {text!r})")
    return value


def positive_int(text: str) -> int:
    """Parse an integer >= 1."""
    return _int_at_least(text, 1)


def non_negative_int(text: str) -> int:
    """Parse an integer >= 0."""
    return _int_at_least(text, 0)


def positive_float(text: str) -> float:
    """Parse a finite number > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number (got {text!r})") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number (got {text!r})")
    return value


def setup_list(text: str) -> list[str]:
    """Parse a comma-separated list of setup names."""
    names = [part.strip() for part in text.split(",")]
    if not names or any(not name for name in names):
        raise argparse.ArgumentTypeError(f"must be setup names separated by commas (got {text!r})")
    return names


# -- options shared by several commands ----------------------------------------------------------
def add_debug(parser: argparse.ArgumentParser, top: bool) -> None:
    """Add ``--debug`` (accepted before or after the subcommand)."""
    parser.add_argument(
        "--debug", action="store_true", default=False if top else argparse.SUPPRESS,
        help="show the full traceback of an unexpected error",
    )


def add_memory_option(parser: argparse.ArgumentParser) -> None:
    """``--max-memory``: the memory a run may need before the scenario is refused."""
    parser.add_argument(
        "--max-memory", type=positive_float, default=None, metavar="GIB",
        help="refuse a scenario whose run would need more memory than this (default 4 GiB)",
    )


def add_run_options(parser: argparse.ArgumentParser,
                    replications: int | None = DEFAULT_REPLICATIONS, what: str = "per setup",
                    default_text: str | None = None) -> None:
    """``--replications``, ``--seed``, ``--jobs``, ``--out``, ``--quiet`` and ``--max-memory``.

    ``default_text`` replaces the default in the help (for a default that depends on others).
    """
    parser.add_argument("--replications", type=positive_int, default=replications, metavar="N",
                        help=f"replications {what} (default {default_text or replications})")
    parser.add_argument("--seed", type=non_negative_int, default=0, metavar="S",
                        help="master seed (default 0)")
    parser.add_argument("--jobs", type=positive_int, default=None, metavar="K",
                        help="worker processes (default: number of CPUs)")
    parser.add_argument("--out", type=Path, default=None, metavar="DIR", help="results folder")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    add_memory_option(parser)


def add_backend_options(parser: argparse.ArgumentParser) -> None:
    """``--backend``, ``--scheduler`` and ``--workers``."""
    parser.add_argument("--backend", choices=("processes", "dask"), default="processes",
                        help="where runs execute (default processes)")
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS",
                        help="Dask scheduler, e.g. tcp://host:8786 (default: a local cluster)")
    parser.add_argument("--workers", type=positive_int, default=None, metavar="K",
                        help="worker processes of a local Dask cluster (default: number of CPUs)")


def check_backend_options(args: argparse.Namespace, command: str) -> None:
    """Each backend's own options: a usage error when given to the other backend.

    ``--scheduler`` and ``--workers`` go with ``--backend dask``, ``--jobs`` with the others.
    """
    for option, dask in (("scheduler", True), ("workers", True), ("jobs", False)):
        if getattr(args, option) is not None and (args.backend == "dask") != dask:
            wanted = "--backend dask" if dask else "--backend processes"
            raise BadInput([f"{PROG} {command}: --{option} applies only to {wanted} "
                            f"(got --backend {args.backend}) (see {PROG} {command} --help)"])
