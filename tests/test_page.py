"""``report.html``: the Markdown report as one self-contained page with the same figures.

The page is checked without a browser here (blocks, escaping, embedded figures, the same numbers
as ``report.md`` in every kind of results folder); ``test_browser.py`` opens it in Chromium.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
import yaml
from conftest import BASELINE_PATH, report_numbers

from sim import cli
from sim.report.page import blocks, inline, render_html, write_pages

PNG_1x1 = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = yaml.safe_load(BASELINE_PATH.read_text(encoding="utf-8"))
    data.update(name="tiny", horizon_days=60)
    path = tmp_path_factory.mktemp("page") / "tiny.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_blocks_of_every_kind_the_reports_write(tmp_path: Path) -> None:
    (tmp_path / "a.png").write_bytes(PNG_1x1)
    text = ("# Title\n\n**Answer** first.\n\n## Table\n\n| a | b |\n|---|---:|\n| x \\| y | 1 |\n\n"
            "- one\n- two\n\n![A figure](a.png)\n\n*Reading:* it rises.\n\n![Gone](b.png)\n")
    kinds = [(b.kind, b.level) for b in blocks(text, tmp_path)]
    assert kinds == [("heading", 1), ("paragraph", 0), ("heading", 2), ("table", 0),
                     ("bullets", 0), ("figure", 0), ("paragraph", 0), ("figure", 0)]
    page = blocks(text, tmp_path)
    assert page[1].answer and not page[6].answer
    assert page[3].header == ["a", "b"] and page[3].rows == [["x | y", "1"]]
    assert page[3].numeric == [False, True]
    assert page[5].src.startswith("data:image/png;base64,") and (page[5].width, page[5].height) == (
        1, 1)
    assert page[7].src == ""  # a missing figure is named on the page, not linked


def test_inline_text_is_escaped_before_it_is_formatted() -> None:
    assert inline("**bold** and *it* <script>alert(1)</script> & `x<y`") == (
        "<strong>bold</strong> and <em>it</em> &lt;script&gt;alert(1)&lt;/script&gt; &amp; "
        "<code>x&lt;y</code>")
    assert inline("5 * 3 = 15, a*b") == "5 * 3 = 15, a*b"


def test_page_is_self_contained(tmp_path: Path) -> None:
    (tmp_path / "a.png").write_bytes(PNG_1x1)
    page = render_html("# T\n\nAnswer.\n\n![A](a.png)\n", tmp_path)
    assert "<title>T</title>" in page and 'class="answer"' in page
    links = re.findall(r"""(?:src|href)=["']([^"']+)""", page)
    assert links and all(link.startswith("data:") for link in links)
    assert "<script" not in page and "@import" not in page and "url(" not in page


def test_write_pages_writes_both_files(tmp_path: Path) -> None:
    made = write_pages(tmp_path, "# T\n\n1,234 and 5.6\n")
    assert set(made) == {"report", "report_html"}
    assert report_numbers(tmp_path) == (["1,234", "5.6"], ["1,234", "5.6"])


@pytest.mark.parametrize("command", [
    ["compare", "--setups", "pilot,conductor"],
    ["breakeven"],
    ["sweep", "--grid", "platform.monthly_cost=0,1000000"],
])
def test_every_results_folder_has_a_page_with_the_reports_numbers(
        command: list[str], tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    argv = [command[0], str(tiny), *command[1:], "--replications", "2", "--out", str(out),
            "--quiet"]
    assert cli.main(argv) == 0
    markdown, page = report_numbers(out)
    assert len(markdown) > 20 and page == markdown
    html_text = (out / "report.html").read_text(encoding="utf-8")
    assert "## Provenance" in (out / "report.md").read_text(encoding="utf-8")
    assert "<h2>Provenance</h2>" in html_text
    (out / "report.html").unlink()
    assert cli.main(["plot", str(out)]) == 0  # redraws the page
    assert (out / "report.html").read_text(encoding="utf-8").count("<img") == html_text.count(
        "<img") > 0
