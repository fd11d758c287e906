"""The layout: layers imported one way only, no import cycle, small modules, a light start."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
MAX_MODULE_LINES = 400
HEAVY = ("pandas", "matplotlib", "scipy.stats")


def lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run import-linter on the package found at ``cwd`` with the project's contract."""
    return subprocess.run(
        [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command;"
         " sys.exit(lint_imports_command())", "--config", str(ROOT / "pyproject.toml"),
         "--no-cache"],
        cwd=cwd, env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"}, capture_output=True,
        text=True, timeout=120, check=False)


def test_the_layer_contract_is_kept() -> None:
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 kept, 0 broken" in done.stdout


def test_the_layer_contract_fails_on_an_upward_import(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "sim", tmp_path / "sim", ignore=shutil.ignore_patterns("__pycache__"))
    schema = tmp_path / "sim" / "scenario" / "schema.py"
    text = schema.read_text(encoding="utf-8")
    schema.write_text(text.replace("from __future__ import annotations\n",
                                   "from __future__ import annotations\n\n"
                                   "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n"
                                   "    from sim.runs.experiment import RunResult\n", 1),
                      encoding="utf-8")
    done = lint_imports(tmp_path)
    assert done.returncode != 0
    assert "sim.scenario.schema -> sim.runs.experiment" in done.stdout


def cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Every group of modules that import each other in a circle (Tarjan's components)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.find_modules_directly_imported_by(node)):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_no_module_imports_another_in_a_cycle() -> None:
    # TYPE_CHECKING imports count: grimp reads them unless told to leave them out
    graph = grimp.build_graph("sim", exclude_type_checking_imports=False)
    assert len(graph.modules) > 40
    assert cycles(graph) == []


def test_the_cycle_check_finds_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for a, b in (("p.a", "p.b"), ("p.b", "p.c"), ("p.c", "p.a"), ("p.c", "p.d")):
        graph.add_import(importer=a, imported=b)
    assert cycles(graph) == [["p.a", "p.b", "p.c"]]


def test_modules_stay_small_and_layers_are_packages() -> None:
    sizes = {p.relative_to(ROOT).as_posix(): len(p.read_text(encoding="utf-8").splitlines())
             for p in (ROOT / "sim").rglob("*.py")}
    assert {k: v for k, v in sizes.items() if v > MAX_MODULE_LINES} == {}
    layers = {p.name for p in (ROOT / "sim").iterdir() if (p / "__init__.py").is_file()}
    assert layers == {"scenario", "world", "tables", "runs", "report", "mmm", "cli"}


@pytest.mark.parametrize("argv", [["--help"], ["validate", "scenarios/baseline.yaml"],
                                  ["schema"]], ids=["help", "validate", "schema"])
def test_fast_commands_import_no_heavy_library(argv: list[str]) -> None:
    code = ("import sys\nfrom sim.cli import main\n"
            "try:\n    code = main(sys.argv[1:])\nexcept SystemExit as e:\n    code = e.code\n"
            f"print(sorted(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)\n"
            "sys.exit(code)\n")
    done = subprocess.run([sys.executable, "-c", code, *argv], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().splitlines()[-1] == "[]"
