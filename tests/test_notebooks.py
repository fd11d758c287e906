"""Every notebook executes top to bottom from a clean checkout, and is stored without outputs.

Code cells meant to show a figure carry the cell tag ``figure``; after execution each of them must
have an image output (a bare :class:`matplotlib.figure.Figure` left as a cell's last expression
only prints ``<Figure size ...>`` unless the inline backend is enabled).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

nbformat = pytest.importorskip("nbformat", reason="install the [notebooks] extra")
nbclient = pytest.importorskip("nbclient", reason="install the [notebooks] extra")

NOTEBOOKS = sorted(Path("notebooks").glob("*.ipynb"))
FIGURE_TAG = "figure"
IMAGE_TYPES = ("image/png", "image/svg+xml")


def figure_cells(nb: Any) -> list[int]:
    """Indices (in ``nb.cells``) of the code cells tagged ``figure``."""
    return [i for i, cell in enumerate(nb.cells)
            if cell.cell_type == "code" and FIGURE_TAG in cell.metadata.get("tags", [])]


def missing_figures(nb: Any, name: str) -> list[str]:
    """One message per problem with an executed notebook's figures; empty if all is well.

    A problem is a code cell tagged ``figure`` without an output carrying an image, or a notebook
    with no cell tagged ``figure`` at all (so the check cannot pass vacuously).
    """
    tagged = figure_cells(nb)
    if not tagged:
        return [f"{name}: no code cell is tagged {FIGURE_TAG!r}"]
    return [f"{name}, cell {i}: tagged {FIGURE_TAG!r} but has no {' or '.join(IMAGE_TYPES)} output"
            for i in tagged
            if not any(kind in output.get("data", {})
                       for output in nb.cells[i].outputs for kind in IMAGE_TYPES)]


def execute(nb: Any, path: Path) -> None:
    """Run every cell of ``nb`` in a fresh kernel started in ``path``."""
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(path)}})
    client.execute()  # raises CellExecutionError if any cell raises


def test_there_are_notebooks() -> None:
    assert [p.name for p in NOTEBOOKS] == [
        "01_quickstart.ipynb", "02_explore_results.ipynb", "03_what_if.ipynb",
        "04_calibrate.ipynb", "05_mmm_ground_truth.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_stored_without_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, path


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_has_figure_cells(path: Path) -> None:
    assert figure_cells(nbformat.read(path, as_version=4)), \
        f"{path.name}: no code cell is tagged {FIGURE_TAG!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_executes(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAMPAIGN_SIM_RESULTS", str(tmp_path / "results"))
    # a non-inline backend: the notebooks must enable inline figures themselves
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(path, as_version=4)
    execute(nb, path.parent)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert not errors
    problems = missing_figures(nb, path.name)
    assert not problems, "\n".join(problems)
    assert os.environ["CAMPAIGN_SIM_RESULTS"] == str(tmp_path / "results")


def test_missing_figures_flags_an_undisplayed_figure(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MPLBACKEND", "Agg")
    new_cell = nbformat.v4.new_code_cell
    nb = nbformat.v4.new_notebook(cells=[
        # the bug: a bare Figure as the last expression only prints its repr
        new_cell("from matplotlib.figure import Figure\n\n"
                 "fig = Figure(figsize=(2, 2))\nfig.add_subplot().plot([0, 1])\nfig",
                 metadata={"tags": [FIGURE_TAG]}),
        # the fix: the inline backend's formatters, then an explicit display
        new_cell("%matplotlib inline\nfrom IPython.display import display\n\ndisplay(fig)",
                 metadata={"tags": [FIGURE_TAG]}),
    ])
    execute(nb, tmp_path)
    [result] = nb.cells[0].outputs
    assert result.output_type == "execute_result"
    assert result.data["text/plain"].startswith("<Figure size")
    assert missing_figures(nb, "tiny.ipynb") == [
        "tiny.ipynb, cell 0: tagged 'figure' but has no image/png or image/svg+xml output"]
    nb.cells[0].metadata = {}
    nb.cells[1].metadata = {}
    assert missing_figures(nb, "tiny.ipynb") == ["tiny.ipynb: no code cell is tagged 'figure'"]
