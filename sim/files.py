"""Files and folders written safely: atomic files, staging folders renamed into place, removal.

Every layer may use this module; it imports nothing from the rest of the package.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import itertools
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import suppress
from pathlib import Path

RESULTS_MARKER = "provenance.json"
"""The file that marks a folder as a results folder, which a new run may replace."""


@functools.cache
def file_mode() -> int:
    """The mode of a new file: ``0o666`` less the process umask (read once, at first use)."""
    mask = os.umask(0o022)  # the only portable way to read the umask is to set it
    os.umask(mask)
    return 0o666 & ~mask


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write a file through a temporary file and ``os.replace``: old or new, never half.

    Text is written as UTF-8; the file gets the usual mode of a new file (umask respected).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name[:24]}.", suffix=".tmp")
    try:
        os.chmod(tmp, file_mode())
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def writable_folder(folder: Path) -> list[Path]:
    """Create ``folder`` if missing and check that it takes new files; return the folders made.

    Raises :class:`OSError` whose ``strerror`` says why not (anything made is removed again).
    """
    chain = [folder, *folder.parents]
    missing = list(itertools.takewhile(lambda p: not (p.exists() or p.is_symlink()), chain))
    if len(missing) < len(chain) and not chain[len(missing)].is_dir():
        raise NotADirectoryError(errno.ENOTDIR, f"{chain[len(missing)]} is not a folder")
    made: list[Path] = []
    try:
        for path in reversed(missing):
            path.mkdir()
            made.append(path)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".write-check.", suffix=".tmp")
        os.close(fd)
        os.unlink(tmp)
    except OSError as err:
        remove_empty(made)
        raise OSError(err.errno, f"cannot write to {folder} ({err.strerror or err})") from None
    return made


def remove_empty(folders: Iterable[Path]) -> None:
    """Remove the folders that are still empty, innermost first (others are left alone)."""
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        with suppress(OSError):
            folder.rmdir()


class ResultsError(ValueError):
    """A results folder that cannot be read or a target that must not be replaced."""


def temporary_sibling(target: Path, kind: str = "tmp") -> Path:
    """Name the hidden working folder beside ``target``: ``.<name>.<kind>-<pid>``."""
    return target.parent / f".{target.name}.{kind}-{os.getpid()}"


def remove_stale_siblings(target: Path) -> list[Path]:
    """Remove the working folders beside ``target`` left by processes that no longer exist.

    A run killed with ``kill -9`` (or a machine that lost power) cannot clean up after itself;
    the next run into the same place does, for the folders whose owner pid is gone. Return
    the folders removed.
    """
    removed = []
    prefix = f".{target.name}."
    kinds = ("tmp", "old") if target.exists() else ("tmp",)  # an old folder may be all there is
    with suppress(OSError):
        for path in target.parent.iterdir():
            kind, _, pid = path.name[len(prefix):].rpartition("-")
            if (path.name.startswith(prefix) and kind in kinds and pid.isdigit()
                    and path.is_dir() and not path.is_symlink() and not _alive(int(pid))):
                remove_tree(path)
                removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    """Whether a process with this pid exists (this process counts as alive)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def _os_reason(err: OSError) -> str:
    """The operating system's reason for an error, without the path it names."""
    return err.strerror or str(err) or type(err).__name__


@contextlib.contextmanager
def writing_to(target: Path, advice: str = "; choose another --out") -> Iterator[None]:
    """Report an OSError while creating or writing results folder ``target`` as ResultsError."""
    try:
        yield
    except OSError as err:
        raise ResultsError(
            f"{target}: cannot write the results folder here ({_os_reason(err)}){advice}"
        ) from None


def check_replaceable(target: Path) -> None:
    """Refuse a target that exists but is not a results folder, so nothing else gets deleted."""
    for parent in target.parents:
        if parent.exists():
            if not parent.is_dir():
                raise ResultsError(f"{target}: {parent} is not a folder; choose another --out")
            break
    if not target.exists() and not target.is_symlink():
        return
    if not target.is_dir() or target.is_symlink():
        raise ResultsError(f"{target}: exists and is not a folder; choose another --out")
    if any(target.iterdir()) and not (target / RESULTS_MARKER).is_file():
        raise ResultsError(
            f"{target}: exists and is not a results folder (no {RESULTS_MARKER}); "
            "refusing to replace it, choose another --out"
        )


def _swap_into_place(tmp: Path, target: Path) -> None:
    """Rename ``tmp`` to ``target``; an old ``target`` is moved aside first, then deleted."""
    if not target.exists():
        os.replace(tmp, target)
        return
    old = temporary_sibling(target, "old")
    shutil.rmtree(old, ignore_errors=True)
    os.replace(target, old)
    try:
        os.replace(tmp, target)
    except BaseException:
        os.replace(old, target)  # put the previous complete folder back
        raise
    shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def staging_folder(target: Path) -> Iterator[Path]:
    """Yield an empty temporary folder beside ``target``; rename it into place on success.

    On any exception, KeyboardInterrupt included, the temporary folder is removed, the target is
    left as it was, and the exception propagates. An OSError while creating the folders or
    moving the result into place is raised as :class:`ResultsError` naming ``target``.
    """
    with writing_to(target):
        check_replaceable(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_siblings(target)
        tmp = temporary_sibling(target)
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
    try:
        yield tmp
        with writing_to(target):
            _swap_into_place(tmp, target)
    except BaseException:
        remove_tree(tmp)
        raise


def remove_tree(path: Path) -> None:
    """Delete a folder tree, finishing the job even if Ctrl-C is pressed again meanwhile."""
    while True:
        try:
            shutil.rmtree(path, ignore_errors=True)
            return
        except KeyboardInterrupt:
            continue
