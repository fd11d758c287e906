"""The campaign-sim command line and its results folders.

Scenarios are the baseline shrunk to 60 days and two setups, so every run takes well under a
second; the interrupt test uses the full baseline so that it is still running when interrupted.
"""

from __future__ import annotations

import argparse
import copy
import errno
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

import sim
from sim import cli
from sim.runs.store import RunStore
from sim.scenario.identity import scenario_hash
from sim.scenario.load import scenario_from_dict

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
DATA_FILES = [
    "scenario.resolved.yaml",
    "provenance.json",
    "summary.csv",
    "comparison.csv",
    "daily.parquet",
    "requests.parquet",
    "report.md",
]
QUICK = ["--replications", "2", "--quiet"]


# -- helpers -------------------------------------------------------------------------------------
def tiny_dict() -> dict[str, Any]:
    """The baseline scenario shrunk to 60 days and two setups."""
    data = yaml.safe_load(BASELINE.read_text(encoding="utf-8"))
    data.update(name="tiny", horizon_days=60, setups=["pilot", "conductor"])
    return data


def write_yaml(path: Path, data: Any) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def run_cli(*args: str | Path, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``python -m sim ARGS`` in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "sim", *map(str, args)],
        cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False,
    )


def call_main(argv: list[str | Path], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run ``cli.main`` in this process; return the exit code, stdout and stderr."""
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def leftovers(parent: Path) -> list[str]:
    """Hidden working folders (temporary or old) left in ``parent``."""
    if not parent.exists():
        return []
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


def linked_images(report: Path) -> list[str]:
    """Image paths linked from a Markdown report."""
    return re.findall(r"!\[[^\]]*\]\(([^)]+)\)", report.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def tiny_yaml(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_yaml(tmp_path_factory.mktemp("scenario") / "tiny.yaml", tiny_dict())


@pytest.fixture(scope="module")
def saved(tiny_yaml: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A results folder written in process with ``--jobs 1``."""
    out = tmp_path_factory.mktemp("saved") / "tiny"
    assert cli.main(["compare", str(tiny_yaml), *QUICK, "--jobs", "1", "--out", str(out)]) == 0
    return out


# -- compare and run -----------------------------------------------------------------------------
def test_compare_writes_every_file(saved: Path) -> None:
    for name in DATA_FILES:
        assert (saved / name).is_file(), name
    images = linked_images(saved / "report.md")
    assert images and any(p.endswith(".png") for p in images)
    for image in images:
        assert (saved / image).is_file(), image
    assert leftovers(saved.parent) == []


def test_progress_is_plain_lines_when_stderr_is_not_a_terminal(
    tiny_yaml: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = call_main(["compare", tiny_yaml, "--replications", "2", "--jobs", "1",
                              "--out", tmp_path / "loud"], capsys)
    assert code == 0, err
    counts = [line.split(" runs (")[0] for line in err.splitlines() if " runs (" in line]
    assert counts == ["1/4", "2/4", "3/4", "4/4"]  # setups x replications, one line per tenth
    assert "\r" not in err
    code, _, err = call_main(["compare", tiny_yaml, *QUICK, "--jobs", "1",
                              "--out", tmp_path / "quiet"], capsys)
    assert code == 0 and " runs (" not in err


def test_compare_provenance_and_resolved_scenario(saved: Path, tiny_yaml: Path) -> None:
    resolved = yaml.safe_load((saved / "scenario.resolved.yaml").read_text(encoding="utf-8"))
    scenario = scenario_from_dict(resolved)
    assert scenario == sim.load_scenario(tiny_yaml)
    prov = json.loads((saved / "provenance.json").read_text(encoding="utf-8"))
    assert prov["version"] == sim.__version__
    assert prov["scenario"]["sha256"] == scenario_hash(scenario)
    assert prov["setups"] == ["pilot", "conductor"]
    assert (prov["seed"], prov["replications"], prov["jobs"]) == (0, 2, 1)
    assert prov["command_line"].startswith("campaign-sim compare")
    assert prov["started"].endswith("+00:00") and prov["finished"] >= prov["started"]
    assert {"revision", "dirty"} <= set(prov["git"])
    assert prov["versions"]["numpy"] and prov["versions"]["simpy"] and prov["python"]


def test_summary_is_byte_identical_across_runs_and_jobs(
    saved: Path, tiny_yaml: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = {name: (saved / name).read_bytes() for name in ("summary.csv", "comparison.csv")}
    two_jobs = tmp_path / "two_jobs"
    done = run_cli("compare", tiny_yaml, *QUICK, "--jobs", "2", "--out", two_jobs, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert f"results: {two_jobs}" in done.stdout
    assert "pilot" in done.stdout and "conductor" in done.stdout  # the terminal table
    named = [line.removeprefix("bottleneck: ") for line in done.stdout.splitlines()
             if line.startswith("bottleneck: ")]
    assert [line.split(":")[0] for line in named] == ["pilot", "conductor"]
    report = (two_jobs / "report.md").read_text(encoding="utf-8")
    assert all(line in report for line in named)  # the same sentences as the report's
    again = tmp_path / "again"
    code, _, _ = call_main(["compare", tiny_yaml, *QUICK, "--jobs", "1", "--out", again], capsys)
    assert code == 0
    for name, content in first.items():
        assert (two_jobs / name).read_bytes() == content, name
        assert (again / name).read_bytes() == content, name


def test_compare_replaces_an_existing_results_folder(
    tiny_yaml: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "res"
    out.mkdir()
    (out / "provenance.json").write_text("{}", encoding="utf-8")
    (out / "stale.txt").write_text("old", encoding="utf-8")
    code, _, err = call_main(["run", tiny_yaml, "--setup", "conductor", *QUICK, "--out", out],
                             capsys)
    assert code == 0, err
    assert not (out / "stale.txt").exists()
    assert (out / "summary.csv").read_text(encoding="utf-8").count("conductor") == 2
    assert leftovers(tmp_path) == []


def test_run_default_folder_is_named_after_scenario_and_setup(
    tiny_yaml: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    calls: list[dict[str, Any]] = []
    real = sim.compare

    def spy(scenario: sim.Scenario, **kwargs: Any) -> sim.Comparison:
        calls.append(kwargs)
        return real(scenario, **kwargs)

    monkeypatch.setattr(sim, "compare", spy)
    monkeypatch.chdir(tmp_path)
    code, out, err = call_main(["run", tiny_yaml, "--setup", "pilot", "--replications", "1",
                                "--seed", "3"], capsys)
    assert code == 0, err
    folder = Path("results") / "tiny-pilot"
    assert (tmp_path / folder / "summary.csv").is_file()
    assert f"results: {folder}" in out
    assert calls[0]["setups"] == ["pilot"] and calls[0]["seed"] == 3
    assert calls[0]["jobs"] == 1  # never more workers than runs


def test_refuses_to_replace_a_folder_that_is_not_a_results_folder(
    tiny_yaml: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "notes.txt").write_text("keep me", encoding="utf-8")
    code, _, err = call_main(["compare", tiny_yaml, *QUICK, "--out", tmp_path], capsys)
    assert code == 2
    assert "not a results folder" in err
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "keep me"


@pytest.mark.parametrize("where", ["create", "write", "name_too_long"])
def test_unwritable_output_folder_is_bad_input(
    where: str, saved: Path, tiny_yaml: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """An OSError writing the results names --out and the reason, exit 2, nothing left behind."""
    out = tmp_path / "res"
    shutil.copytree(saved, out)  # an existing results folder, kept as it was
    before = sorted(os.listdir(out))
    real_mkdir = Path.mkdir

    def mkdir(self: Path, *args: Any, **kwargs: Any) -> None:
        if self.name.startswith(".res.tmp-"):  # as in a read-only parent (root ignores chmod)
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        real_mkdir(self, *args, **kwargs)

    def write_json(data: Any, path: Path) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    if where == "create":
        monkeypatch.setattr(Path, "mkdir", mkdir)
    elif where == "write":
        monkeypatch.setattr("sim.report.folder.write_json", write_json)
    else:
        out = tmp_path / ("x" * 300)  # longer than any file system allows
    code, stdout, err = call_main(["compare", tiny_yaml, *QUICK, "--jobs", "1", "--out", out],
                                  capsys)
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and err.startswith(f"{out}: "), err
    reason = "File name too long" if where == "name_too_long" else "Permission denied"
    assert reason in err and "--out" in err
    assert ".tmp-" not in err and "Traceback" not in err and stdout == ""
    assert leftovers(tmp_path) == []
    if where != "name_too_long":
        assert sorted(os.listdir(out)) == before


# -- bad input -----------------------------------------------------------------------------------
Mutation = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Mutation:
    """A mutation that sets a dotted path (list indices as numbers) to ``value``."""

    def mutate(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        node[last] = value

    return mutate


def _drop_compatibility_row(data: dict[str, Any]) -> None:
    data["formats"]["compatibility"].pop()


def _unknown_format(data: dict[str, Any]) -> None:
    data["channels"][0]["formats"].append("hologram")


SCENARIO_CASES: list[tuple[str, Mutation, str]] = [
    ("unknown_key", _set("colour", "red"), "colour"),
    ("wrong_type", _set("agencies.0.capacity", "three"), "agencies.0.capacity"),
    ("negative_capacity", _set("agencies.0.capacity", -2), "agencies.0.capacity"),
    ("probability_above_1", _set("library.findability.shared", 1.5),
     "library.findability.shared"),
    ("growth_zero", _set("demand.growth", 0), "demand.growth"),
    ("unknown_setup_in_yaml", _set("setups", ["pilot", "turbo"]), "setups.1"),
    ("compatibility_shape", _drop_compatibility_row, "formats.compatibility"),
    ("unknown_format", _unknown_format, "channels.0.formats"),
]


def assert_bad_input(code: int, err: str, field: str, parent: Path) -> None:
    """Exit 2, every stderr line names the field, no traceback, nothing written."""
    assert code == 2, err
    lines = err.strip().splitlines()
    assert lines, "no message"
    assert all(field in line for line in lines), err
    assert "Traceback" not in err
    assert not parent.exists() or list(parent.iterdir()) == []


@pytest.mark.parametrize(("mutate", "field"), [c[1:] for c in SCENARIO_CASES],
                         ids=[c[0] for c in SCENARIO_CASES])
def test_bad_scenario_is_reported_in_one_line_per_problem(
    mutate: Mutation, field: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = copy.deepcopy(tiny_dict())
    mutate(data)
    bad = write_yaml(tmp_path / "bad.yaml", data)
    parent = tmp_path / "out"
    code, out, err = call_main(["compare", bad, *QUICK, "--out", parent / "res"], capsys)
    assert_bad_input(code, err, field, parent)
    assert all(line.startswith(f"{bad}: ") for line in err.strip().splitlines())
    assert out == ""


@pytest.mark.parametrize(
    ("content", "field"),
    [("", "(top level)"), ("name: [unclosed\nhorizon_days: 3\n", "YAML syntax error")],
    ids=["empty_file", "yaml_syntax"],
)
def test_unreadable_scenario_in_process(
    content: str, field: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(content, encoding="utf-8")
    parent = tmp_path / "out"
    code, _, err = call_main(["compare", bad, *QUICK, "--out", parent / "res"], capsys)
    assert_bad_input(code, err, field, parent)


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--setups", "pilot,turbo"], "--setups"),
        (["--setups", "pilot,pilot"], "--setups"),
        (["--replications", "0"], "--replications"),
        (["--seed", "-1"], "--seed"),
        (["--jobs", "0"], "--jobs"),
        (["--replications", "two"], "--replications"),
    ],
    ids=["unknown_setup", "duplicate_setup", "zero_replications", "negative_seed", "zero_jobs",
         "replications_not_int"],
)
def test_bad_arguments_in_process(
    args: list[str], field: str, tiny_yaml: Path, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    parent = tmp_path / "out"
    code, _, err = call_main(["compare", tiny_yaml, "--quiet", "--out", parent / "res", *args],
                             capsys)
    assert_bad_input(code, err, field, parent)


def test_unknown_setup_for_run(
    tiny_yaml: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    parent = tmp_path / "out"
    code, _, err = call_main(["run", tiny_yaml, "--setup", "turbo", "--out", parent / "r"], capsys)
    assert_bad_input(code, err, "--setup", parent)
    assert "turbo" in err


@pytest.mark.parametrize(
    ("case", "field"),
    [("yaml_syntax", "YAML syntax error"), ("missing_file", "file not found"),
     ("unknown_setup", "--setups"), ("zero_replications", "--replications")],
)
def test_bad_input_in_subprocess(case: str, field: str, tiny_yaml: Path, tmp_path: Path) -> None:
    scenario, extra = tiny_yaml, ["--replications", "2"]
    if case == "yaml_syntax":
        scenario = tmp_path / "bad.yaml"
        scenario.write_text("name: tiny\n  horizon_days: [60\n", encoding="utf-8")
    elif case == "missing_file":
        scenario = tmp_path / "nowhere.yaml"
    elif case == "unknown_setup":
        extra += ["--setups", "conductor,turbo"]
    else:
        extra = ["--replications", "0"]
    parent = tmp_path / "out"
    done = run_cli("compare", scenario, *extra, "--out", parent / "res", cwd=tmp_path)
    assert_bad_input(done.returncode, done.stderr, field, parent)
    assert not (tmp_path / "results").exists()


# -- errors and interrupts -----------------------------------------------------------------------
def test_unexpected_error_is_one_line_with_a_hint(
    tiny_yaml: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(sim, "compare", boom)
    parent = tmp_path / "out"
    code, _, err = call_main(["compare", tiny_yaml, *QUICK, "--out", parent / "res"], capsys)
    assert code == 1
    assert err.splitlines()[0] == "error: RuntimeError: boom"
    assert "--debug" in err and "Traceback" not in err
    assert list(parent.iterdir()) == []  # the temporary folder is gone

    code, _, err = call_main(["--debug", "compare", tiny_yaml, *QUICK, "--out", parent / "res"],
                             capsys)
    assert code == 1
    assert "Traceback" in err and "RuntimeError: boom" in err
    assert list(parent.iterdir()) == []


def test_keyboard_interrupt_before_any_run_finished_leaves_nothing(
    tiny_yaml: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """No finished run, so no run cache and no resume hint (see the tests of resuming below)."""

    def interrupted(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(sim, "compare", interrupted)
    parent = tmp_path / "out"
    code, _, err = call_main(["compare", tiny_yaml, *QUICK, "--out", parent / "res"], capsys)
    assert code == 130
    assert err.strip() == "interrupted"
    assert list(parent.iterdir()) == []


@contextmanager
def progress_ticking(tick: Callable[[], None]) -> Iterator[None]:
    """Patch the progress bar of run/compare to call ``tick`` after every run."""
    with pytest.MonkeyPatch.context() as m:
        m.setattr("sim.cli.progress.progress_bar", lambda total, quiet: nullcontext(tick))
        yield


def count_puts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the key of every run stored in a run cache (that is, every run computed)."""
    keys: list[str] = []
    real = RunStore.put

    def put(self: RunStore, key: str, result: sim.RunResult) -> None:
        keys.append(key)
        real(self, key, result)

    monkeypatch.setattr(RunStore, "put", put)
    return keys


RESUMED_FILES = ("summary.csv", "comparison.csv", "daily.parquet", "requests.parquet")


def test_interrupted_compare_keeps_finished_runs_and_resumes(
    saved: Path, tiny_yaml: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], ctrl_c_at: Callable[[int], Callable[[], None]],
) -> None:
    out, cache = tmp_path / "res", tmp_path / ".res.runs"
    shutil.copytree(saved, out)  # an earlier results folder: untouched by the interrupt
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    argv = ["compare", tiny_yaml, "--replications", "3", "--jobs", "2", "--out", out]
    with progress_ticking(ctrl_c_at(3)):
        code, _, err = call_main(argv, capsys)
    assert code == 130, err
    hint = f"finished runs are kept in {cache}; run the same command to resume"
    assert err.splitlines()[-2:] == [hint, "interrupted"]
    found = len(list(cache.glob("*.pkl")))
    assert 3 <= found < 6
    assert leftovers(tmp_path) == [cache.name]  # the temporary results folder is gone
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before

    computed = count_puts(monkeypatch)
    code, _, err = call_main(argv, capsys)
    assert code == 0, err
    assert f"{found} of 6 runs found in {cache}; running {6 - found}" in err.splitlines()
    assert [line.split(" runs (")[0] for line in err.splitlines() if " runs (" in line] == [
        f"{i}/6" for i in range(1, 7)]  # the cached runs count in the progress
    assert len(computed) == 6 - found
    assert leftovers(tmp_path) == []  # the cache is gone once the results are in place

    fresh = tmp_path / "fresh"
    code, _, err = call_main([*argv[:-1], fresh], capsys)
    assert code == 0, err
    for name in RESUMED_FILES:
        assert (out / name).read_bytes() == (fresh / name).read_bytes(), name


def test_a_changed_seed_does_not_reuse_cached_runs(
    tiny_yaml: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], ctrl_c_at: Callable[[int], Callable[[], None]],
) -> None:
    out, cache = tmp_path / "res", tmp_path / ".res.runs"
    argv = ["run", tiny_yaml, "--setup", "pilot", "--replications", "3", "--jobs", "1",
            "--out", out]
    with progress_ticking(ctrl_c_at(2)):
        code, _, err = call_main(argv, capsys)
    assert code == 130 and len(list(cache.glob("*.pkl"))) == 2, err
    computed = count_puts(monkeypatch)
    code, _, err = call_main([*argv, "--seed", "1"], capsys)
    assert code == 0, err
    assert " runs found in " not in err
    assert len(computed) == 3  # every run computed anew
    summary = pd.read_csv(out / "summary.csv")
    assert set(summary["seed"]) == {1}
    code, _, err = call_main([*argv[:-1], tmp_path / "fresh", "--seed", "1"], capsys)
    assert code == 0, err
    for name in RESUMED_FILES:
        assert (out / name).read_bytes() == (tmp_path / "fresh" / name).read_bytes(), name
    assert leftovers(tmp_path) == []  # the stale runs of seed 0 went with the cache


HEAVY_MODULES = ("pandas", "scipy", "matplotlib", "pyarrow", "simpy")


def test_importing_the_package_and_cli_is_light() -> None:
    code = (
        "import sys, sim, sim.cli\n"
        f"print(sorted(m for m in {HEAVY_MODULES!r} if m in sys.modules))\n"
        "from sim import Scenario, compare\n"
        "print(sim.run.__module__, sim.load_scenario.__module__, compare is sim.compare)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["[]", "sim.runs.experiment sim.scenario.load True"]


# Ctrl-C (a real SIGINT to itself) while the first heavy library loads, then the entry point of
# the console script (``sim.cli:main``) or of ``python -m sim``.
SIGINT_DURING_IMPORT = """
import os, signal, sys

class SigintOnHeavyImport:
    sent = False

    def find_spec(self, name, path=None, target=None):
        if not self.sent and name.partition(".")[0] in {heavy!r}:
            self.sent = True
            os.kill(os.getpid(), signal.SIGINT)
        return None

sys.meta_path.insert(0, SigintOnHeavyImport())
if sys.argv[1] == "script":
    del sys.argv[1]
    from sim.cli import main
    sys.exit(main())
del sys.argv[1]
import runpy
runpy.run_module("sim", run_name="__main__", alter_sys=True)
"""


@pytest.mark.parametrize("entry", ["script", "module"])
@pytest.mark.parametrize("command", ["compare", "run"])
def test_ctrl_c_while_libraries_load_is_an_interrupt(
    entry: str, command: str, tiny_yaml: Path, tmp_path: Path
) -> None:
    args = [command, str(tiny_yaml), "--replications", "1", "--quiet", "--out", "res"]
    if command == "run":
        args += ["--setup", "pilot"]
    done = subprocess.run(
        [sys.executable, "-c", SIGINT_DURING_IMPORT.format(heavy=HEAVY_MODULES), entry, *args],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 130, done.stderr
    assert done.stderr == "interrupted\n"
    assert done.stdout == ""


def test_module_docstring_names_every_command() -> None:
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    first_line, *rest = (cli.__doc__ or "").split("\n\n")[:2]
    assert set(sub.choices) == {
        "validate", "run", "compare", "plot", "schema", "sweep", "decompose", "breakeven",
        "uncertainty", "sensitivity", "bench", "calibrate",
    }
    for command in sub.choices:  # the first line, or the paragraph after it where it is full
        assert re.search(rf"\b{command}\b", first_line) or re.search(
            rf"``{command}``", rest[0]), command


def _children(pid: int) -> list[int]:
    """Process ids whose parent is ``pid`` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie (Linux /proc)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("how", ["parent", "process_group", "twice"])
def test_sigint_removes_the_temporary_folder_and_stops_workers(how: str, tmp_path: Path) -> None:
    """Ctrl-C to the main process, to the whole process group (a terminal), or pressed twice.

    The temporary results folder goes; the runs that finished stay in the run cache.
    """
    parent = tmp_path / "out"
    log = tmp_path / "stderr.txt"
    with log.open("w", encoding="utf-8") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sim", "compare", str(BASELINE), "--replications", "40",
             "--jobs", "2", "--out", str(parent / "big")],
            cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=stderr,
            start_new_session=how == "process_group",
        )
    try:
        deadline = time.monotonic() + 60
        while not leftovers(parent) and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert leftovers(parent), f"no temporary folder: {log.read_text(encoding='utf-8')}"
        time.sleep(0.5)  # let the workers get going
        workers = _children(proc.pid)
        assert workers, "no worker processes"
        if how == "process_group":
            os.killpg(proc.pid, signal.SIGINT)
        else:
            proc.send_signal(signal.SIGINT)
        if how == "twice":
            time.sleep(0.05)
            proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    err = log.read_text(encoding="utf-8")
    assert code == 130, err
    assert "interrupted" in err and "Traceback" not in err, err
    cache = parent / ".big.runs"
    assert [p.name for p in parent.iterdir()] in ([], [cache.name])  # no temporary folder
    hint = f"finished runs are kept in {cache}; run the same command to resume"
    assert (hint in err) == bool(list(cache.glob("*.pkl")))
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [pid for pid in workers if _alive(pid)] == []


# -- plot, validate, schema ----------------------------------------------------------------------
def test_plot_redraws_plots_report_and_comparison(
    saved: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "copy"
    shutil.copytree(saved, folder)
    comparison = (folder / "comparison.csv").read_bytes()
    report = (folder / "report.md").read_text(encoding="utf-8")
    images = linked_images(folder / "report.md")
    for name in ["comparison.csv", "report.md", *images]:
        (folder / name).unlink()
    code, out, err = call_main(["plot", folder], capsys)
    assert code == 0, err
    assert (folder / "comparison.csv").read_bytes() == comparison
    assert (folder / "report.md").read_text(encoding="utf-8") == report
    for image in images:
        assert (folder / image).stat().st_size > 0
    assert sorted(os.listdir(folder)) == sorted(os.listdir(saved))  # no working files left
    assert str(folder / "report.md") in out


def test_plot_into_a_folder_that_takes_no_files_is_bad_input(
    saved: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = tmp_path / "copy"
    shutil.copytree(saved, folder)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    real_mkdir = Path.mkdir

    def mkdir(self: Path, *args: Any, **kwargs: Any) -> None:
        if self.parent == folder:  # as in a read-only folder (root ignores chmod)
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", mkdir)
    code, out, err = call_main(["plot", folder], capsys)
    assert code == 2, err
    assert err.strip() == f"{folder}: cannot write the results folder here (Permission denied)"
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before and out == ""


def test_plot_rejects_a_folder_without_results(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = call_main(["plot", tmp_path], capsys)
    assert code == 2
    assert "summary.csv" in err and "Traceback" not in err


def _empty_summary(folder: Path) -> None:
    (folder / "summary.csv").write_bytes(b"")


def _summary_without_setup(folder: Path) -> None:
    summary = pd.read_csv(folder / "summary.csv").drop(columns="setup")
    summary.to_csv(folder / "summary.csv", index=False)


def _junk_daily(folder: Path) -> None:
    (folder / "daily.parquet").write_bytes(b"not parquet \x00\xff junk")


@pytest.mark.parametrize(
    ("damage", "name", "reason"),
    [(_empty_summary, "summary.csv", "No columns"),
     (_summary_without_setup, "summary.csv", "setup"),
     (_junk_daily, "daily.parquet", "Parquet")],
    ids=["empty_summary", "summary_without_setup", "junk_daily"],
)
def test_plot_reports_a_damaged_results_file(
    damage: Callable[[Path], None], name: str, reason: str, saved: Path, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = tmp_path / "copy"
    shutil.copytree(saved, folder)
    damage(folder)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    code, out, err = call_main(["plot", folder], capsys)
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith(f"{folder / name}: damaged") and reason in err, err
    assert "Traceback" not in err and out == ""
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before  # nothing written


def test_plot_of_a_missing_folder_says_not_found(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = call_main(["plot", tmp_path / "nowhere"], capsys)
    assert (code, err) == (2, f"{tmp_path / 'nowhere'}: not found\n")
    code, _, err = call_main(["plot", BASELINE], capsys)
    assert (code, err) == (2, f"{BASELINE}: not a folder\n")


def test_validate(tiny_yaml: Path, tmp_path: Path) -> None:
    done = run_cli("validate", tiny_yaml, BASELINE, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [f"ok {tiny_yaml}", f"ok {BASELINE}"]
    bad = write_yaml(tmp_path / "bad.yaml", {**tiny_dict(), "horizon_days": 0})
    done = run_cli("validate", tiny_yaml, bad, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stdout.splitlines() == [f"ok {tiny_yaml}"]
    assert done.stderr.startswith(f"{bad}: horizon_days: ")
    assert "Traceback" not in done.stderr


def test_schema_prints_json_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = call_main(["schema"], capsys)
    assert code == 0
    schema = json.loads(out)
    assert "properties" in schema and "horizon_days" in schema["properties"]
    assert out.startswith("{\n  ")  # indented


def test_usage_errors_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = call_main([], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1
    code, _, err = call_main(["frobnicate"], capsys)
    assert code == 2 and "frobnicate" in err
    code, out, _ = call_main(["compare", "--help"], capsys)
    assert code == 0 and "--replications" in out
    code, out, _ = call_main(["--help"], capsys)
    assert code == 0
    for command in ("validate", "run", "compare", "plot", "schema", "sweep", "decompose", "bench"):
        assert command in out


# -- warnings for valid but suspicious scenarios ---------------------------------------------------
def _no_ai_pilot(data: dict[str, Any]) -> None:
    data["allocator"]["ai_pilot_channels"] = []


def _channel_missing_from_mix(data: dict[str, Any]) -> None:
    del data["demand"]["channel_mix"]["retail_media"]


def _saturated_team(data: dict[str, Any]) -> None:
    data["agencies"][1]["capacity"] = 6  # paid_social + display: 1.6 requests/day x 4 days


def _saturated_stage(data: dict[str, Any]) -> None:
    legal = data["approvals"]["stages"][1]
    legal["reviewers"] = 1
    legal["review_time"]["mean"] = 0.3  # 4 a day x 0.3 days x (1 + 0.1 + 0.01 + 0.001) = 1.33


@pytest.mark.parametrize(("mutate", "field", "needle"), [
    (_no_ai_pilot, "allocator.ai_pilot_channels", "the pilot runs no AI on any channel"),
    (_channel_missing_from_mix, "demand.channel_mix",
     "channel 'retail_media' is missing: it never gets fresh assets"),
    (_saturated_team, "agencies.1.capacity",
     "team 'creative_agency' is saturated on day 0: offered load 6.40 person-days per day"),
    (_saturated_stage, "approvals.stages.1.reviewers",
     "stage 'legal' is saturated on day 0: offered load 1.33 reviewer-days per day"),
])
def test_validate_warns_about_a_suspicious_scenario(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        mutate: Callable[[dict[str, Any]], None], field: str, needle: str) -> None:
    data = tiny_dict()
    mutate(data)
    path = write_yaml(tmp_path / "odd.yaml", data)
    code, out, err = call_main(["validate", path], capsys)
    assert code == 0 and out.strip() == f"ok {path}"
    lines = err.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"warning: {path}: {field}: ") and needle in lines[0]


def test_baseline_has_no_warnings(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = call_main(["validate", BASELINE], capsys)
    assert code == 0 and "warning" not in err


def test_every_command_prints_the_warnings(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    data = tiny_dict()
    _no_ai_pilot(data)
    data["horizon_days"] = 10
    path = write_yaml(tmp_path / "odd.yaml", data)
    code, _, err = call_main(["run", path, "--setup", "pilot", "--replications", "1", "--quiet",
                              "--out", tmp_path / "out"], capsys)
    assert code == 0
    assert f"warning: {path}: allocator.ai_pilot_channels: " in err


def test_a_channel_without_a_team_is_an_error_not_a_warning(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tiny_dict()
    data["agencies"][0]["channels"].remove("retail_media")
    path = write_yaml(tmp_path / "odd.yaml", data)
    code, _, err = call_main(["validate", path], capsys)
    assert code == 2 and "'retail_media' is bound to no agency" in err and "warning" not in err
