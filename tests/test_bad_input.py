"""Valid YAML that is still bad input: too large a run, too large a file, alias bombs; and a
standard output that closes early."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"


def campaign_sim(*argv: object, cwd: Path, timeout: float = 300) -> tuple[int, str, str]:
    done = subprocess.run([sys.executable, "-m", "sim", *map(str, argv)], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout, check=False)
    return done.returncode, done.stdout, done.stderr


def scenario_file(tmp_path: Path, **demand: object) -> Path:
    data = yaml.safe_load(BASELINE.read_text(encoding="utf-8"))
    data["demand"].update(demand)
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("command", ["validate", "compare", "sweep"])
def test_a_run_too_large_for_memory_is_refused_at_once(tmp_path: Path, command: str) -> None:
    path = scenario_file(tmp_path, base_rate=100000)
    extra = {"compare": ["--out", "out"], "sweep": ["--grid", "demand.growth=1,2", "--out", "out"],
             "validate": []}[command]
    # 72.8 M requests would run for hours: within the timeout it can only have been refused
    # before any simulation started (no wall-clock bound, which a loaded machine would break).
    code, _, err = campaign_sim(command, path, *extra, cwd=tmp_path, timeout=120)
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{path}: demand.base_rate: one run would need about ")
    assert "GiB of memory" in lines[0] and "--max-memory" in lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.yaml"]  # nothing written


def test_max_memory_raises_the_limit(tmp_path: Path) -> None:
    path = scenario_file(tmp_path, base_rate=100000)
    code, out, err = campaign_sim("validate", path, "--max-memory", "1000", cwd=tmp_path)
    assert code == 0 and out.strip() == f"ok {path}", err
    code, _, err = campaign_sim("validate", path, "--max-memory", "-1", cwd=tmp_path)
    assert code == 2 and "--max-memory" in err


def test_the_memory_estimate_grows_with_demand() -> None:
    import sim
    from sim.scenario.edit import apply
    from sim.world.sizing import expected_requests, run_bytes

    s = sim.load_scenario(BASELINE)
    big = apply(s, {"demand.base_rate": 400})
    assert 100e6 < run_bytes(s) < 1e9  # a baseline run: a few hundred MB with the libraries
    per_request = (run_bytes(big) - run_bytes(s)) / (expected_requests(big) - expected_requests(s))
    assert 1_000 < per_request < 10_000  # bytes; measured: about 2.9 kB per request


@pytest.mark.parametrize(("text", "needle"), [
    ("name: x\n# " + "x" * 50_000_000 + "\n", "file is 50.0 MB, larger than a scenario can be"),
    ("a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n"
        for i in range(8)), "expands to more than 100,000 values through aliases"),
    ("a: &x [1, *x]\n", "recursive alias"),
], ids=["50MB", "billion-laughs", "recursive"])
def test_hostile_files_are_refused_at_once(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "hostile.yaml"
    path.write_text(text, encoding="utf-8")
    # Expanded, these would take minutes and gigabytes: the timeout can only pass a refusal.
    code, _, err = campaign_sim("validate", path, cwd=tmp_path, timeout=120)
    assert code == 2, err
    assert err.strip().splitlines() == [f"{path}: (file): " + err.split(": (file): ")[1].strip()]
    assert needle in err


def test_a_closed_stdout_ends_quietly_and_keeps_the_results(tmp_path: Path) -> None:
    data = yaml.safe_load(BASELINE.read_text(encoding="utf-8"))
    data["horizon_days"] = 60
    path = tmp_path / "short.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "sim", "compare", str(path), "--replications",
                             "1", "--jobs", "1", "--out", "res", "--quiet"], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()  # as `| head -1` does: one line, then the pipe closes
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(timeout=120) == 0, err
    assert first.strip() and "Traceback" not in err and "BrokenPipe" not in err, err
    assert (tmp_path / "res" / "summary.csv").is_file()
