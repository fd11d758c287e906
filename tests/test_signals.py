"""SIGTERM, kill -9 and stale staging folders: real processes, real signals (Linux /proc)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")

COMPARE = ["compare", str(BASELINE), "--replications", "10", "--jobs", "2", "--out", "res"]
SWEEP = ["sweep", str(BASELINE), "--grid", "demand.growth=1,2", "--replications", "5",
         "--jobs", "2", "--out", "sw"]


def start(argv: list[str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "sim", *argv], cwd=cwd, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid``."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    """Whether ``pid`` exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_for(condition, seconds: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return bool(condition())


def runs_kept(folder: Path) -> int:
    return len(list(folder.glob("*.pkl"))) if folder.is_dir() else 0


def workers_once_running(proc: subprocess.Popen[str], kept: Path) -> list[int]:
    """Wait until a run is kept and two workers are up; return the workers' pids."""
    assert wait_for(lambda: runs_kept(kept) >= 1 and len(children(proc.pid)) >= 2, 120), \
        proc.stderr.read() if proc.poll() is not None and proc.stderr else "no run finished"
    return children(proc.pid)


@pytest.mark.parametrize(("argv", "kept"), [(COMPARE, ".res.runs"), (SWEEP, "sw/cells")],
                         ids=["compare", "sweep"])
def test_sigterm_stops_workers_keeps_runs_and_resumes(tmp_path: Path, argv: list[str],
                                                      kept: str) -> None:
    proc = start(argv, tmp_path)
    workers = workers_once_running(proc, tmp_path / kept)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert "terminated" in err and "run the same command to resume" in err
    assert wait_for(lambda: not any(alive(w) for w in workers), 5)
    assert not list(tmp_path.glob(".res.tmp-*")) and not list(tmp_path.glob(".res.old-*"))
    found = runs_kept(tmp_path / kept)
    assert found >= 1
    again = subprocess.run([sys.executable, "-m", "sim", *argv], cwd=tmp_path,
                           capture_output=True, text=True, timeout=300, check=False)
    assert again.returncode == 0, again.stderr
    assert f"{found} of " in again.stderr  # the kept runs were loaded, not redone


def test_workers_exit_when_the_parent_is_killed(tmp_path: Path) -> None:
    proc = start(COMPARE, tmp_path)
    workers = workers_once_running(proc, tmp_path / ".res.runs")
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    assert wait_for(lambda: not any(alive(w) for w in workers), 10), \
        [w for w in workers if alive(w)]


def test_a_stale_staging_folder_is_removed_by_the_next_run(tmp_path: Path) -> None:
    gone = subprocess.Popen(["true"])
    gone.wait()  # a pid that no longer exists
    stale = tmp_path / f".res.tmp-{gone.pid}"
    (stale / "sub").mkdir(parents=True)
    mine = tmp_path / f".res.tmp-{os.getpid()}"  # a live process's folder is left alone
    mine.mkdir()
    done = subprocess.run([sys.executable, "-m", "sim", "run", str(BASELINE), "--setup", "pilot",
                           "--replications", "1", "--out", "res", "--quiet"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert not stale.exists() and mine.exists()
    assert (tmp_path / "res" / "summary.csv").is_file()


@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
def test_every_start_method_gives_the_same_runs(method: str) -> None:
    import pandas as pd

    import sim
    from sim.runs.backends import ProcessBackend, SerialBackend
    from sim.runs.experiment import run_task
    from sim.scenario.edit import apply

    scenario = apply(sim.load_scenario(BASELINE), {"horizon_days": 30})
    tasks = [(scenario, setup, r, 3) for setup in ("pilot", "conductor") for r in range(2)]
    serial: list[sim.RunResult] = []
    pooled: list[sim.RunResult] = []
    SerialBackend().map_unordered(run_task, tasks, serial.append)
    ProcessBackend(2, start_method=method).map_unordered(run_task, tasks, pooled.append)

    def key(r: sim.RunResult) -> tuple[str, int]:
        return str(r.summary["setup"].iat[0]), int(r.summary["replication"].iat[0])

    for a, b in zip(sorted(serial, key=key), sorted(pooled, key=key), strict=True):
        pd.testing.assert_frame_equal(a.summary, b.summary)
        pd.testing.assert_frame_equal(a.requests, b.requests)
