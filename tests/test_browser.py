"""``report.html`` in a real browser: headless Chromium opens it from disk with the network off.

The test fails on a console error, a page error, a request that is not to the file itself or a
data URI, a failed resource, a broken or invisible image, an empty page, a horizontal scroll
at 1280 px, or content wider than an A4 page when printed. It saves a screenshot, the printed
PDF and the page's figures (size, load time) under ``test-artifacts/``. Without Chromium
(Debian's ``chromium`` package, which ``.ci/run`` installs) or Playwright (the ``[browser]``
extra) it skips and says which is missing.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from sim import cli

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"
ARTIFACTS = Path(os.environ.get("CAMPAIGN_SIM_ARTIFACTS", "test-artifacts"))
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which(
    "chromium-browser")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
A4_PRINTABLE_PX = 688  # (210 - 2 x 14) mm at 96 px per inch
PAGE_CHECKS = """() => {
  const images = Array.from(document.images);
  return {
    text: document.body.innerText.trim().length,
    images: images.length,
    broken: images.filter(i => !i.complete || i.naturalWidth === 0).map(i => i.alt),
    hidden: images.filter(i => i.getBoundingClientRect().width < 50).map(i => i.alt),
    scroll_width: document.documentElement.scrollWidth,
    client_width: document.documentElement.clientWidth,
    tables: document.querySelectorAll("table").length,
  };
}"""


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report.html of a short baseline comparison of the four setups."""
    out = tmp_path_factory.mktemp("browser") / "results"
    code = cli.main(["compare", str(BASELINE), "--replications", "2", "--out", str(out),
                     "--quiet", "--jobs", "2"])
    assert code == 0
    return out / "report.html"


def open_offline(page_path: Path) -> dict[str, Any]:
    """Open ``page_path`` in headless Chromium offline; return what the page and browser saw."""
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="install the [browser] extra (Playwright)")
    if CHROMIUM is None:
        pytest.skip("no Chromium: install Debian's chromium package (or set CHROMIUM=/path)")
    seen: dict[str, list[str]] = {"console": [], "errors": [], "requests": [], "failed": []}
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        context = browser.new_context(offline=True, viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.on("console", lambda m: seen["console"].append(m.text) if m.type == "error"
                else None)
        page.on("pageerror", lambda e: seen["errors"].append(str(e)))
        page.on("request", lambda r: seen["requests"].append(r.url))
        page.on("requestfailed", lambda r: seen["failed"].append(r.url))
        started = time.perf_counter()
        page.goto(page_path.resolve().as_uri(), wait_until="load")
        load_seconds = time.perf_counter() - started
        checks = page.evaluate(PAGE_CHECKS)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
        page.emulate_media(media="print")  # A4 less the page's 14 mm margins: 688 px wide
        page.set_viewport_size({"width": A4_PRINTABLE_PX, "height": 1000})
        printed = page.evaluate(PAGE_CHECKS)
        pdf = page.pdf(format="A4", print_background=True)
        (ARTIFACTS / "report.pdf").write_bytes(pdf)
        browser.close()
    return {**seen, **checks, "load_seconds": load_seconds, "print": printed, "pdf": pdf}


def test_report_opens_offline_with_every_figure_visible(report: Path) -> None:
    seen = open_offline(report)
    page_uri = report.resolve().as_uri()
    assert seen["console"] == [] and seen["errors"] == []
    assert [u for u in seen["requests"] if u != page_uri and not u.startswith("data:")] == []
    assert seen["failed"] == []
    assert seen["text"] > 2_000 and seen["tables"] >= 3
    assert seen["images"] >= 8 and seen["broken"] == [] and seen["hidden"] == []
    assert seen["scroll_width"] <= seen["client_width"], "horizontal scroll at 1280 px"
    printed = seen["print"]
    assert printed["scroll_width"] <= printed["client_width"], "wider than an A4 page in print"
    assert seen["pdf"].startswith(b"%PDF") and len(seen["pdf"]) > 100_000
    size = report.stat().st_size
    assert size < 3 * 1024 * 1024
    figures = {"bytes": size, "load_seconds": round(seen["load_seconds"], 3),
               "images": seen["images"], "screenshot": str(ARTIFACTS / "report.png")}
    (ARTIFACTS / "report.json").write_text(json.dumps(figures, indent=2) + "\n",
                                           encoding="utf-8")
    print(f"report.html: {figures}")
