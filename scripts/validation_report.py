"""Write the figures section of docs/VALIDATION.md from a fresh run of the validation checks.

Usage::

    .venv/bin/python scripts/validation_report.py           # the default-suite settings
    .venv/bin/python scripts/validation_report.py --slow    # the longer M/M/c runs as well

The script loads the test modules by file path and calls the same ``measure_*`` functions the
tests assert on (same scenarios, seeds and replications), so the document shows exactly what the
suite checks. It rewrites only the text between the ``figures:start`` and ``figures:end``
markers of the document and leaves the rest as written.
"""

from __future__ import annotations

import argparse
import importlib.util
import platform
import sys
import time
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

import sim

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"
DOC = ROOT / "docs" / "VALIDATION.md"
START, END = "<!-- figures:start -->", "<!-- figures:end -->"


def load(name: str) -> ModuleType:
    """Import ``tests/<name>.py`` by path (the tests directory is not a package)."""
    spec = importlib.util.spec_from_file_location(f"_validation_{name}", TESTS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being created
    spec.loader.exec_module(module)
    return module


def ok(flag: bool) -> str:
    """A pass/fail word for the tables."""
    return "pass" if flag else "**FAIL**"


def fmt_ci(ci: Any) -> str:
    """``mean [low, high]`` with four significant figures."""
    return f"{ci.mean:.4g} [{ci.low:.4g}, {ci.high:.4g}]"


def queue_section(analytic: ModuleType, builder: Any, slow: bool) -> list[str]:
    """Erlang C, Little's law and utilisation, at both loads."""
    out = [
        "### One team as an M/M/c queue",
        "",
        f"{analytic.MMC_SERVERS} servers, exponential production (mean {analytic.MMC_MEAN} "
        f"day), constant demand, {analytic.MMC_HORIZON} days, first {analytic.MMC_WARMUP:g} "
        f"days discarded; Student-t intervals over replications: {analytic.ERLANG_LEVEL:.0%} for "
        f"P(wait) and Wq in the default suite (the Erlang C checks), {analytic.LEVEL:.1%} for "
        f"the others and for every value of the slow suite. Rows "
        f"with {analytic.MMC_SLOW_REPLICATIONS} replications are the slow suite's.",
        "",
        "| load | replications | P(wait) Erlang C | P(wait) simulated | Wq Erlang C | "
        "Wq simulated | L analytic | L time-average | L - lambda W | busy share | verdict |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    runs = [(rho, n, analytic.MMC_SEED) for rho, n in sorted(analytic.MMC_CASES.items())]
    if slow:
        runs += [(rho, analytic.MMC_SLOW_REPLICATIONS, analytic.MMC_SEED + 100)
                 for rho in sorted(analytic.MMC_CASES)]
    for rho, reps, seed in runs:
        scenario = sim.scenario_from_dict(analytic.mmc_dict(builder, rho))
        level = analytic.ERLANG_LEVEL if reps == analytic.MMC_CASES[rho] else analytic.LEVEL
        f = analytic.measure_mmc(scenario, reps, seed=seed, erlang_level=level)
        good = (f.p_wait.contains(f.p_wait_analytic) and f.wq.contains(f.wq_analytic)
                and f.l_time_average.contains(f.l_analytic) and f.little_gap.contains(0.0)
                and f.utilization.contains(f.rho))
        out.append(
            f"| {f.rho:.2f} | {reps} (seed {seed}) | {f.p_wait_analytic:.4f} | "
            f"{fmt_ci(f.p_wait)} | {f.wq_analytic:.4f} | {fmt_ci(f.wq)} | "
            f"{f.l_analytic:.4f} | {fmt_ci(f.l_time_average)} | {fmt_ci(f.little_gap)} | "
            f"{fmt_ci(f.utilization)} | {ok(good)} |")
    return [*out, ""]


def arrival_section(analytic: ModuleType, builder: Any) -> list[str]:
    """Chi-square of arrivals per window, per growth shape."""
    out = [
        "### Arrivals against the integrated rate",
        "",
        f"Base rate 4/day, {analytic.ARRIVAL_HORIZON} days, {analytic.ARRIVAL_WINDOW}-day "
        f"windows, counts pooled over {analytic.ARRIVAL_REPLICATIONS} replications (seed "
        f"{analytic.ARRIVAL_SEED} + case number); Pearson chi-square with one degree of freedom "
        "per window, and an exact Poisson test of the total; each fails below p = "
        f"{analytic.ALPHA_GOF}.",
        "",
        "| growth shape | windows | arrivals | expected | chi-square | p-value | total p-value "
        "| verdict |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for case in analytic.ARRIVAL_CASES:
        scenario = sim.scenario_from_dict(analytic.arrival_dict(builder, case))
        f = analytic.measure_arrivals(scenario, seed=analytic.arrival_seed(case))
        out.append(f"| {case} | {len(f.observed)} | {int(f.observed.sum())} | "
                   f"{f.expected.sum():.1f} | {f.statistic:.2f} | {f.p_value:.3f} | "
                   f"{f.total_p_value:.3f} | "
                   f"{ok(min(f.p_value, f.total_p_value) > analytic.ALPHA_GOF)} |")
    return [*out, ""]


def reuse_section(analytic: ModuleType, builder: Any) -> list[str]:
    """Reuse rate against findability."""
    out = [
        "### Reuse in isolation",
        "",
        "One campaign, every format adaptable (compatibility 1): once an asset exists, a "
        "request reuses with probability equal to the findability of its library. Exact "
        f"(Clopper-Pearson) {analytic.LEVEL:.1%} intervals over the requests arriving after the "
        "first asset.",
        "",
        "| setup (library) | findability | requests | reuse rate [CI] | verdict |",
        "| --- | --- | --- | --- | --- |",
    ]
    for pair in analytic.REUSE_CASES:
        for setup in ("pilot", "conductor"):
            scenario = sim.scenario_from_dict(analytic.reuse_dict(builder, pair))
            f = analytic.measure_reuse(scenario, setup)
            kind = "siloed" if setup == "pilot" else "shared"
            out.append(f"| {setup} ({kind}) | {f.findability} | {f.eligible} | "
                       f"{f.rate:.4f} [{f.low:.4f}, {f.high:.4f}] | "
                       f"{ok(f.low <= f.findability <= f.high)} |")
    return [*out, ""]


def moments_section(analytic: ModuleType) -> list[str]:
    """Sample against analytic moments of each distribution."""
    z = analytic.Z_MOMENTS
    out = [
        "### Time distributions",
        "",
        f"{analytic.N_SAMPLES:,} draws each; z scores of the sample mean and variance against "
        f"the analytic ones (fails when |z| > {z:.2f}, a two-sided test at level "
        f"{analytic.ALPHA}).",
        "",
        "| distribution | mean | sample mean | z | variance | sample variance | z | verdict |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, dist in analytic.DISTRIBUTIONS.items():
        f = analytic.measure_moments(dist)
        good = abs(f.z_mean) < z and abs(f.z_variance) < z
        out.append(f"| {name} | {f.mean:.4g} | {f.sample_mean:.4g} | {f.z_mean:+.2f} | "
                   f"{f.variance:.4g} | {f.sample_variance:.4g} | {f.z_variance:+.2f} | "
                   f"{ok(good)} |")
    return [*out, ""]


def calibration_section(calibration: ModuleType, analytic: ModuleType, baseline: Path
                        ) -> list[str]:
    """Calibration figures of the baseline scenario."""
    scenario = sim.load_scenario(baseline)
    f = calibration.measure_calibration(scenario)
    reuse, ratio = analytic.t_ci(f.reuse, 0.95), analytic.t_ci(f.growth_ratio, 0.95)
    admin = analytic.t_ci(f.admin_share, 0.95)
    a_target, a_tol = calibration.ADMIN_TARGET, calibration.ADMIN_TOLERANCE
    low, high = calibration.GROWTH_RANGE
    target, tol = calibration.REUSE_TARGET, calibration.REUSE_TOLERANCE
    external = sum(a.handoff.mean > 0 for a in scenario.agencies)
    return [
        "### Calibration of the baseline scenario",
        "",
        f"Pilot setup, {len(f.reuse)} replications, seed {calibration.SEED}. The checks are on "
        "the mean; the 95% interval is for information.",
        "",
        "| figure | target | measured mean [95% CI] | per replication | verdict |",
        "| --- | --- | --- | --- | --- |",
        f"| channels | 7 | {len(scenario.channels)} | | {ok(len(scenario.channels) == 7)} |",
        f"| external agencies (briefed with a hand-off) | 2 | {external} | | {ok(external == 2)} |",
        f"| approval stages | 3 | {len(scenario.approvals.stages)} | | "
        f"{ok(len(scenario.approvals.stages) == 3)} |",
        f"| pilot reuse rate | {target} +/- {tol} | {fmt_ci(reuse)} | "
        f"{', '.join(f'{x:.3f}' for x in f.reuse)} | "
        f"{ok(abs(reuse.mean - target) <= tol)} |",
        f"| requests last 28 d / first 28 d | {low} to {high} | {fmt_ci(ratio)} | "
        f"{', '.join(f'{x:.2f}' for x in f.growth_ratio)} | "
        f"{ok(low <= ratio.mean <= high)} |",
        f"| pilot admin share of lead time | {a_target} +/- {a_tol} | {fmt_ci(admin)} | "
        f"{', '.join(f'{x:.3f}' for x in f.admin_share)} | "
        f"{ok(abs(admin.mean - a_target) <= a_tol)} |",
        "",
    ]


def figures(slow: bool) -> str:
    """The whole generated section, as Markdown."""
    t0 = time.perf_counter()
    conftest = load("conftest")
    analytic = load("test_validation_analytic")
    calibration = load("test_calibration")
    builder = conftest.single_team_dict
    lines = [
        START,
        "",
        "## Latest figures",
        "",
        f"Generated by `python scripts/validation_report.py{' --slow' if slow else ''}` on "
        f"{date.today().isoformat()} (campaign-sim {sim.__version__}, Python "
        f"{platform.python_version()}, numpy {np.__version__}). Do not edit by hand.",
        "",
        *queue_section(analytic, builder, slow),
        *arrival_section(analytic, builder),
        *reuse_section(analytic, builder),
        *moments_section(analytic),
        *calibration_section(calibration, analytic, conftest.BASELINE_PATH),
        f"_Computed in {time.perf_counter() - t0:.0f} s._",
        "",
        END,
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Compute the figures and splice them into docs/VALIDATION.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slow", action="store_true",
                        help="add the long M/M/c runs of the slow test suite")
    parser.add_argument("--output", type=Path, default=DOC, help="document to update")
    args = parser.parse_args(argv)
    section = figures(args.slow)
    text = args.output.read_text(encoding="utf-8") if args.output.is_file() else ""
    if START in text and END in text:
        head, rest = text.split(START, 1)
        text = head + section + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + ("\n\n" if text else "") + section + "\n"
    args.output.write_text(text, encoding="utf-8")
    print(f"updated {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
