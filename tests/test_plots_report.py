"""Tests of the report layer (tables, labels, prose, Markdown, figures) on synthetic tables."""

from __future__ import annotations

import io
import math
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy import stats

import sim
from sim.report.figure_data import (
    backlog_curve,
    cumulative_net,
    mean_daily_by_channel,
    revenue_by_channel,
)
from sim.report.figures import PLOT_NAMES, build_figures, figure_builders, make_plots
from sim.report.headline import headline_text
from sim.report.labels import number_format
from sim.report.markdown import write_report
from sim.report.prose import plot_reading
from sim.report.terminal import terminal_table
from sim.tables.comparison import (
    COMPARISON_COLUMNS,
    MAIN_METRICS,
    comparison_table,
    default_metrics,
    infer_reference,
    regret_table,
)
from sim.tables.metrics import DAYS_PER_MONTH

SETUPS = ("pilot", "conductor", "oracle")
REPS = 3
DAYS = 20
CHANNELS = ("search", "social", "video")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# Net contribution per replication: conductor beats pilot by 300-320 in every world (a paired CI
# far from zero), while the spread between worlds (1,000 to 9,000) swamps an unpaired comparison.
# oracle has the highest mean but a noisy paired difference whose CI includes zero.
PILOT_NET = np.array([1_000.0, 5_000.0, 9_000.0])
CONDUCTOR_GAIN = np.array([300.0, 310.0, 320.0])
ORACLE_GAIN = np.array([-3_000.0, 0.0, 9_000.0])


# -- fixtures ------------------------------------------------------------------------------------
def make_summary(rng: np.random.Generator, setups: tuple[str, ...] = SETUPS) -> pd.DataFrame:
    nets = {
        "pilot": PILOT_NET,
        "conductor": PILOT_NET + CONDUCTOR_GAIN,
        "oracle": PILOT_NET + ORACLE_GAIN,
        "scaled_silos": PILOT_NET - 500.0,
    }
    rows = []
    for setup in setups:
        for rep in range(REPS):
            revenue = float(rng.uniform(50_000, 60_000))
            rows.append({
                "scenario": "toy",
                "setup": setup,
                "replication": rep,
                "seed": 100 + rep,
                "revenue": revenue,
                "media_spend": 30_000.0 + rep,
                "conversions": float(rng.integers(100, 200)),
                "roas": revenue / 30_000.0,
                "cpa": float(rng.uniform(20, 30)),
                "wasted_spend": float(rng.uniform(0, 1_000)),
                "production_cost": float(rng.uniform(5_000, 6_000)),
                "wip_cost": float(rng.uniform(0, 500)),
                "platform_cost": 1_000.0 if setup == "conductor" else 0.0,
                "net_contribution": float(nets[setup][rep]),
                "requests_arrived": 40,
                "requests_finished": int(rng.integers(30, 40)),
                "requests_late": int(rng.integers(0, 10)),
                "requests_open": int(rng.integers(0, 10)),
                "reuse_rate": float(rng.uniform(0.1, 0.5)),
                "lead_time_mean": float(rng.uniform(3, 8)),
                "lead_time_p50": float(rng.uniform(3, 8)),
                "lead_time_p95": float(rng.uniform(8, 15)),
                "agency_utilization": float(rng.uniform(0.4, 0.9)),
                "reviewer_utilization": float(rng.uniform(0.2, 0.6)),
            })
    summary = pd.DataFrame(rows)
    # Rows of the non-reference setups in reverse replication order: pairing must use the
    # replication column, not the row position.
    order = summary["setup"].map({s: i for i, s in enumerate(setups)})
    rank = np.where(summary["setup"] == "pilot", summary["replication"], -summary["replication"])
    return summary.iloc[np.lexsort((rank, order))].reset_index(drop=True)


def make_daily(rng: np.random.Generator, setups: tuple[str, ...] = SETUPS) -> pd.DataFrame:
    grid = pd.MultiIndex.from_product(
        [setups, range(REPS), range(DAYS), CHANNELS],
        names=["setup", "replication", "day", "channel"],
    ).to_frame(index=False)
    n = len(grid)
    spend = rng.uniform(100, 200, n)
    return grid.assign(
        spend=spend,
        impressions=spend * 1_000,
        conversions=spend / 20,
        revenue=spend * rng.uniform(1.0, 2.0, n),
        creative_quality=rng.uniform(0.5, 1.0, n),
        live_assets=rng.integers(1, 10, n),
        wasted_spend=spend * 0.1,
    )


def make_requests(rng: np.random.Generator, setups: tuple[str, ...] = SETUPS) -> pd.DataFrame:
    frames = []
    for setup in setups:
        for rep in range(REPS):
            m = 12
            arrival = np.sort(rng.uniform(0, DAYS - 2, m))
            finish = arrival + rng.uniform(0.5, 8, m)
            finish[finish > DAYS] = np.nan  # still open at the horizon
            finish[0] = np.nan  # at least one open request per (setup, replication)
            frames.append(pd.DataFrame({
                "setup": setup,
                "replication": rep,
                "request_id": np.arange(m),
                "channel": rng.choice(CHANNELS, m),
                "format": "banner",
                "campaign": "spring",
                "arrival": arrival,
                "due": arrival + 5,
                "finish": finish,
                "reused": rng.random(m) < 0.3,
                "agency": "in_house",
                "revisions": rng.integers(0, 3, m),
                "late": rng.random(m) < 0.2,
            }))
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def tables() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(7)
    return make_summary(rng), make_daily(rng), make_requests(rng)


@pytest.fixture(scope="module")
def operations(short: sim.Scenario) -> dict[str, pd.DataFrame]:
    """The steps and resources tables of a real 60-day comparison (pilot and conductor)."""
    comparison = sim.compare(short, setups=["pilot", "conductor"], replications=1, seed=2)
    return {"steps": comparison.steps, "resources": comparison.resources}


@pytest.fixture(scope="module")
def rendered(
    tables: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame],
    operations: dict[str, pd.DataFrame],
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, dict[str, Path], list[int]]:
    """Render the plots once for the module (PNG rendering is the slow part)."""
    out = tmp_path_factory.mktemp("plots")
    open_before = plt.get_fignums()
    paths = make_plots(*tables, out, currency="EUR", **operations)
    return out, paths, open_before


@pytest.fixture
def summary(tables: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]) -> pd.DataFrame:
    return tables[0]


def row(table: pd.DataFrame, metric: str, setup: str) -> pd.Series:
    match = table[(table["metric"] == metric) & (table["setup"] == setup)]
    assert len(match) == 1
    return match.iloc[0]


# -- comparison_table ----------------------------------------------------------------------------
def test_comparison_columns_and_order(summary: pd.DataFrame) -> None:
    table = comparison_table(summary)
    assert list(table.columns) == list(COMPARISON_COLUMNS)
    metrics = list(dict.fromkeys(table["metric"]))
    assert metrics[: len(MAIN_METRICS)] == list(MAIN_METRICS)
    assert {"replication", "seed", "scenario", "setup"}.isdisjoint(metrics)
    assert {"cpa", "conversions", "lead_time_p50"} <= set(metrics)
    assert list(table["setup"][:3]) == ["pilot", "conductor", "oracle"]
    assert len(table) == len(metrics) * len(SETUPS)
    assert (table["n"] == REPS).all()


def test_setup_mean_and_ci_match_scipy(summary: pd.DataFrame) -> None:
    table = comparison_table(summary, metrics=["net_contribution", "revenue"])
    for setup in SETUPS:
        values = summary.loc[summary["setup"] == setup, "revenue"].to_numpy()
        low, high = stats.t.interval(0.95, len(values) - 1, loc=values.mean(),
                                     scale=stats.sem(values))
        r = row(table, "revenue", setup)
        assert r["mean"] == pytest.approx(values.mean())
        assert r["std"] == pytest.approx(values.std(ddof=1))
        assert (r["ci_low"], r["ci_high"]) == pytest.approx((low, high))


def test_paired_difference_matches_hand_computation(summary: pd.DataFrame) -> None:
    table = comparison_table(summary, metrics=["net_contribution"])
    r = row(table, "net_contribution", "conductor")
    # independent computation: diff 300, 310, 320 -> mean 310, sd 10, t(0.975, 2) * 10 / sqrt(3)
    half = stats.t.ppf(0.975, 2) * 10.0 / math.sqrt(3)
    assert r["diff_mean"] == pytest.approx(310.0)
    assert r["diff_std"] == pytest.approx(10.0)
    assert (r["diff_ci_low"], r["diff_ci_high"]) == pytest.approx((310 - half, 310 + half))
    paired = stats.ttest_rel(PILOT_NET + CONDUCTOR_GAIN, PILOT_NET).confidence_interval()
    assert (r["diff_ci_low"], r["diff_ci_high"]) == pytest.approx((paired.low, paired.high))
    # The paired CI excludes zero although an unpaired comparison could not tell them apart.
    assert r["diff_ci_low"] > 0
    unpaired = stats.ttest_ind(PILOT_NET + CONDUCTOR_GAIN, PILOT_NET,
                               equal_var=False).confidence_interval()
    assert unpaired.low < 0 < unpaired.high


def test_reference_row_differences_are_zero(summary: pd.DataFrame) -> None:
    r = row(comparison_table(summary), "net_contribution", "pilot")
    assert (r["diff_mean"], r["diff_std"], r["diff_ci_low"], r["diff_ci_high"]) == (0, 0, 0, 0)


def test_pairing_skips_replications_missing_on_one_side(summary: pd.DataFrame) -> None:
    partial = summary[~((summary["setup"] == "conductor") & (summary["replication"] == 2))]
    r = row(comparison_table(partial, metrics=["net_contribution"]), "net_contribution",
            "conductor")
    assert r["n"] == 2
    assert r["diff_mean"] == pytest.approx(305.0)


def test_other_reference_and_no_reference(summary: pd.DataFrame) -> None:
    by_oracle = comparison_table(summary, reference="oracle", metrics=["net_contribution"])
    assert list(by_oracle["setup"]) == ["oracle", "pilot", "conductor"]
    assert row(by_oracle, "net_contribution", "pilot")["diff_mean"] == pytest.approx(
        -ORACLE_GAIN.mean())
    no_pilot = comparison_table(summary[summary["setup"] != "pilot"])
    assert no_pilot[["diff_mean", "diff_std", "diff_ci_low", "diff_ci_high"]].isna().all().all()
    assert no_pilot.attrs["reference"] is None
    assert infer_reference(no_pilot) is None


def test_single_replication_has_nan_spread(summary: pd.DataFrame) -> None:
    table = comparison_table(summary[summary["replication"] == 0], metrics=["revenue"])
    assert (table["n"] == 1).all()
    assert table["ci_low"].isna().all()
    assert "revenue" in terminal_table(table)


def test_bad_input_is_rejected(summary: pd.DataFrame) -> None:
    with pytest.raises(KeyError, match="no_such_metric"):
        comparison_table(summary, metrics=["no_such_metric"])
    with pytest.raises(ValueError, match="several rows"):
        comparison_table(pd.concat([summary, summary.iloc[:1]]))


def test_default_metrics_skip_ids_and_text(summary: pd.DataFrame) -> None:
    metrics = default_metrics(summary.assign(note="x"))
    assert metrics[0] == "net_contribution"
    assert "seed" not in metrics and "replication" not in metrics and "note" not in metrics


def test_reference_survives_csv_round_trip(summary: pd.DataFrame) -> None:
    buffer = io.StringIO()
    comparison_table(summary).to_csv(buffer, index=False)
    buffer.seek(0)
    assert infer_reference(pd.read_csv(buffer)) == "pilot"


# -- terminal_table ------------------------------------------------------------------------------
def test_terminal_table_content(summary: pd.DataFrame) -> None:
    text = terminal_table(comparison_table(summary))
    for setup in SETUPS:
        assert setup in text
    for label in ("net contrib.", "revenue", "ROAS", "reuse rate", "lead time", "agency util."):
        assert label in text
    assert "paired difference vs pilot" in text
    net_lines = [line for line in text.splitlines() if line.startswith("net contrib.")]
    assert len(net_lines) == 2
    # conductor - pilot: +310 [+285, +335], marked as excluding zero; oracle's includes zero
    assert re.search(r"\+310 \[\+285, \+335\] \*", net_lines[1])
    assert "+2,000 [-13," in net_lines[1] and net_lines[1].count("*") == 1


def test_terminal_table_formats_units() -> None:
    assert number_format("revenue", [1_234_567.0], compact=True).suffix == "k"
    assert number_format("revenue", [1_234_567.0], compact=True).number(1_234_567.0) == "1,235"
    assert number_format("revenue", [1_234_567.0], compact=False).number(1_234_567.0) == (
        "1,234,567")
    assert number_format("reuse_rate", [0.5], compact=True).number(0.41234) == "0.412"
    assert number_format("lead_time_p95", [9.0], compact=True).number(9.04, signed=True) == "+9.0"


def test_terminal_table_fits_four_setups() -> None:
    rng = np.random.default_rng(3)
    setups = (*SETUPS, "scaled_silos")
    summary = make_summary(rng, setups)
    for column in ("revenue", "media_spend", "production_cost", "net_contribution"):
        summary[column] *= 1_000  # money in the millions
    text = terminal_table(comparison_table(summary))
    assert max(len(line) for line in text.splitlines()) <= 110
    assert "scaled_silos" in text


def test_terminal_table_without_reference(summary: pd.DataFrame) -> None:
    text = terminal_table(comparison_table(summary[summary["setup"] != "pilot"]))
    assert "conductor" in text and "paired difference vs" not in text


# -- plots ---------------------------------------------------------------------------------------
def test_make_plots_writes_every_png(rendered: tuple[Path, dict[str, Path], list[int]]) -> None:
    out, paths, open_before = rendered
    assert list(paths) == list(PLOT_NAMES)
    for name, path in paths.items():
        assert path == out / f"{name}.png"
        data = path.read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 5_000
    assert plt.get_fignums() == open_before  # no figure left in pyplot's registry


def test_every_figure_has_title_labels_and_legend(
    tables: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame],
    operations: dict[str, pd.DataFrame],
) -> None:
    figures = build_figures(*tables, currency="EUR", **operations)
    assert set(figures) == set(PLOT_NAMES)
    for name, fig in figures.items():
        axes = fig.get_axes()
        assert fig.get_suptitle() or all(ax.get_title() for ax in axes), name
        assert all(ax.get_xlabel() for ax in axes), name
        assert axes[0].get_ylabel(), name
        assert any(ax.get_legend() is not None for ax in axes), name
    money = [figures[n].get_axes()[0].get_ylabel() for n in
             ("cumulative_net_contribution", "spend_allocation", "revenue_by_channel")]
    assert all("EUR" in label for label in money)
    assert "days" in figures["lead_time"].get_axes()[0].get_ylabel()
    spend_titles = [ax.get_title() for ax in figures["spend_allocation"].get_axes()]
    assert spend_titles == ["pilot", "conductor"]


def test_plots_without_pilot_and_with_missing_tables(
    tables: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame],
) -> None:
    summary, daily, requests = (t[t["setup"] != "pilot"] for t in tables)
    figures = build_figures(summary, daily, requests)
    assert [ax.get_title() for ax in figures["spend_allocation"].get_axes()] == [
        "conductor", "oracle"]
    builders = figure_builders(summary, daily.iloc[0:0], requests.drop(columns="finish"))
    assert set(builders) == {"reuse_utilization"}  # and no operations figure without its tables


def test_cumulative_media_net_ends_at_total(
    tables: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame],
) -> None:
    daily = tables[1]
    cum = cumulative_net(daily)
    total = (daily["revenue"] - daily["spend"]).groupby(
        [daily["setup"], daily["replication"]]).sum()
    assert cum.shape == (len(SETUPS) * REPS, DAYS)
    np.testing.assert_allclose(cum.iloc[:, -1].to_numpy(), total.loc[cum.index].to_numpy())


def test_cumulative_net_ends_at_the_summary_net_contribution() -> None:
    import sim

    scenario = sim.load_scenario("scenarios/baseline.yaml").model_copy(
        update={"horizon_days": 40})
    c = sim.compare(scenario, setups=["pilot", "conductor"], replications=2, seed=0)
    cum = cumulative_net(c.daily, c.requests, c.summary)
    expected = c.summary.set_index(["setup", "replication"])["net_contribution"]
    np.testing.assert_allclose(cum.iloc[:, -1].to_numpy(), expected.loc[cum.index].to_numpy(),
                               rtol=1e-9)
    # the figure's reading is about where the curves end, not about media alone
    ends = cum.iloc[:, -1].groupby(level="setup").mean()
    leader = str(ends.idxmax())
    reading = plot_reading("cumulative_net_contribution", comparison_table(c.summary),
                           reference="pilot", currency="EUR")
    assert reading.startswith(f"{leader} has the highest net contribution at the horizon")
    assert f"{ends[leader]:,.0f} EUR" in reading


def test_daily_means_and_revenue_by_channel(
    tables: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame],
) -> None:
    daily = tables[1]
    spend = mean_daily_by_channel(daily, "spend", {s: REPS for s in SETUPS})
    pick = daily[(daily["setup"] == "oracle") & (daily["day"] == 4)
                 & (daily["channel"] == "video")]
    assert spend.loc[("oracle", 4), "video"] == pytest.approx(pick["spend"].mean())
    table = revenue_by_channel(daily)
    per_rep = daily[(daily["setup"] == "pilot") & (daily["channel"] == "search")].groupby(
        "replication")["revenue"].sum().to_numpy()
    low, high = stats.t.interval(0.95, REPS - 1, loc=per_rep.mean(), scale=stats.sem(per_rep))
    got = table.loc[("pilot", "search"), ["mean", "ci_low", "ci_high"]].to_numpy(dtype=float)
    assert tuple(got) == pytest.approx((per_rep.mean(), low, high))


def test_backlog_curve_by_hand() -> None:
    requests = pd.DataFrame({
        "setup": ["pilot"] * 4,
        "replication": [0, 0, 0, 1],
        "arrival": [0.5, 1.2, 3.0, 0.1],
        "finish": [2.5, np.nan, 3.7, 0.9],
    })
    curve = backlog_curve(requests, {"pilot": 2}, last_day=5)
    # end of day 0: rep 0 has 1 open, rep 1 none; day 1: 2 and 0; days 2-5: 1 and 0
    assert curve["pilot"].tolist() == [0.5, 1.0, 0.5, 0.5, 0.5, 0.5]
    assert list(curve.index) == [0, 1, 2, 3, 4, 5]


def test_backlog_ends_at_open_requests(
    tables: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame],
) -> None:
    requests = tables[2]
    curve = backlog_curve(requests, last_day=DAYS - 1)
    still_open = requests["finish"].isna().groupby(requests["setup"]).sum() / REPS
    for setup in SETUPS:
        assert curve[setup].iloc[-1] == pytest.approx(still_open[setup])


# -- write_report --------------------------------------------------------------------------------
def test_write_report_links_plots_and_reads_data(
    summary: pd.DataFrame, rendered: tuple[Path, dict[str, Path], list[int]]
) -> None:
    out, plots, _ = rendered
    report = write_report(out, "toy", comparison_table(summary), plots, replications=REPS,
                          seed=1)
    assert report == out / "report.md"
    text = report.read_text(encoding="utf-8")
    for name in PLOT_NAMES:
        assert f"]({name}.png)" in text
    assert "| metric | setup | mean [95% CI] | paired difference vs pilot [95% CI] |" in text
    assert "| net contribution | pilot | 5,000 [" in text
    assert "| conductor | 5,310 [" in text and "**+310 [+285, +335]**" in text
    readings = [line for line in text.splitlines() if line.startswith("*Reading:*")]
    assert len(readings) == len(PLOT_NAMES) + 1
    # oracle leads on net contribution but its paired CI includes zero
    assert "oracle has the highest net contribution" in readings[0]
    assert "includes zero" in readings[0]


def test_report_reading_follows_the_data(summary: pd.DataFrame, tmp_path: Path) -> None:
    boosted = summary.copy()
    boosted.loc[boosted["setup"] == "conductor", "net_contribution"] += 10_000
    text = write_report(tmp_path, "toy", comparison_table(boosted), {}, REPS, 1).read_text()
    reading = next(line for line in text.splitlines() if line.startswith("*Reading:*"))
    assert "conductor has the highest net contribution" in reading
    assert "excludes zero" in reading


def test_regret_is_the_paired_shortfall_against_the_oracle(summary: pd.DataFrame) -> None:
    regret = regret_table(summary)
    assert regret is not None
    assert list(dict.fromkeys(regret["metric"])) == ["revenue", "net_contribution"]
    wide = summary.pivot(index="replication", columns="setup", values="net_contribution")
    gap = wide["conductor"] - wide["oracle"]
    r = row(regret, "net_contribution", "conductor")
    assert r["diff_mean"] == pytest.approx(gap.mean())
    assert r["diff_mean"] == pytest.approx((CONDUCTOR_GAIN - ORACLE_GAIN).mean())
    assert regret_table(summary[summary["setup"] != "oracle"]) is None


def test_report_shows_the_regret_against_the_oracle(summary: pd.DataFrame, tmp_path: Path
                                                    ) -> None:
    regret = regret_table(summary)
    text = write_report(tmp_path, "toy", comparison_table(summary), {}, REPS, 1,
                        regret=regret).read_text()
    assert "## Regret against the oracle" in text
    assert "paired difference vs oracle [95% CI]" in text
    revenue = summary.groupby("setup")["revenue"].mean()
    reading = next(line for line in text.split("## Regret")[1].splitlines()
                   if line.startswith("*Reading:*"))
    assert f"pilot {revenue['pilot'] / revenue['oracle']:.1%}" in reading
    assert f"conductor {revenue['conductor'] / revenue['oracle']:.1%}" in reading
    # with the oracle as the reference, the main table already is the regret
    as_reference = write_report(tmp_path, "toy", comparison_table(summary, reference="oracle"),
                                {}, REPS, 1, reference="oracle", regret=regret).read_text()
    assert "## Regret against the oracle" not in as_reference


def test_report_without_reference(summary: pd.DataFrame, tmp_path: Path) -> None:
    comparison = comparison_table(summary[summary["setup"] != "pilot"])
    text = write_report(tmp_path, "toy", comparison, {}, REPS, 1).read_text()
    assert "no reference setup" in text.lower()
    assert "| oracle |" in text


def test_report_links_plots_in_subfolders(summary: pd.DataFrame, tmp_path: Path) -> None:
    (tmp_path / "img").mkdir()
    png = tmp_path / "img" / "backlog.png"
    png.write_bytes(PNG_MAGIC)
    text = write_report(tmp_path, "toy", comparison_table(summary), {"backlog": png}, REPS,
                        1).read_text()
    assert "](img/backlog.png)" in text


def test_readings_name_ties_and_unknown_plots(summary: pd.DataFrame) -> None:
    tied = summary.copy()
    fast = tied["setup"].isin(["conductor", "oracle"])
    tied.loc[fast, "lead_time_mean"] = 1.5
    tied.loc[~fast, "lead_time_mean"] = 6.0
    comparison = comparison_table(tied)
    reading = plot_reading("lead_time", comparison, currency="EUR")
    assert reading.startswith("conductor and oracle share the shortest mean content lead time")
    assert "-4.5 [-4.5, -4.5] days, 95% CI" in reading
    assert plot_reading("something_else", comparison) == (
        "No summary metric to read this figure against.")


# -- headline ------------------------------------------------------------------------------------
def test_report_headline_is_the_conductor_against_the_pilot(summary: pd.DataFrame,
                                                            tmp_path: Path) -> None:
    text = write_report(tmp_path, "toy", comparison_table(summary), {}, REPS, 1,
                        currency="EUR", horizon_days=364).read_text()
    first = text.split("\n\n")[1]
    assert first.startswith("**The conductor adds 310 EUR a year of net contribution over the "
                            "pilot [285, 335]")
    platform = summary.loc[summary["setup"] == "conductor", "platform_cost"].mean()
    months = 364 / DAYS_PER_MONTH
    breakeven = (CONDUCTOR_GAIN.mean() + platform) / months
    assert f"breaks even at a platform cost of {breakeven:,.0f} EUR a month" in first
    assert first.index("conductor") < first.index("oracle")  # the yardstick comes after
    assert "Yardsticks" in first and "oracle has the highest" not in first


def test_headline_gives_the_break_even_only_when_the_horizon_is_known(summary: pd.DataFrame,
                                                                     tmp_path: Path) -> None:
    text = write_report(tmp_path, "toy", comparison_table(summary), {}, REPS, 1,
                        horizon_days=364).read_text()
    assert "breaks even at a platform cost of" in text.split("\n\n")[1]
    text = write_report(tmp_path / "other", "toy", comparison_table(summary), {}, REPS,
                        1).read_text()
    assert "over the horizon" in text and "breaks even" not in text  # no horizon known


def test_headline_falls_back_without_conductor_or_pilot(summary: pd.DataFrame) -> None:
    no_conductor = comparison_table(summary[summary["setup"] != "conductor"])
    text = headline_text(no_conductor, 364, "EUR")
    assert text.startswith("The oracle adds")
    assert "includes zero" in text and "breaks even" not in text  # the oracle pays no platform
    no_pilot = comparison_table(summary[summary["setup"] != "pilot"])
    assert headline_text(no_pilot, 364).startswith("The conductor has the highest net")
    losing = summary.copy()
    losing.loc[losing["setup"] == "conductor", "net_contribution"] -= 5_000
    text = headline_text(comparison_table(losing), 364, "EUR")
    assert text.startswith("The conductor loses 4.69 k EUR a year")
    assert "pays for no platform at all" in text
