"""The sections of a scenario: frozen pydantic models, each range-checked on its own.

Rules that relate sections to each other are in :mod:`sim.scenario.checks`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.scenario.distributions import Deterministic, Distribution, LogNormal

Probability = Annotated[float, Field(ge=0, le=1)]

NonNegative = Annotated[float, Field(ge=0)]

Positive = Annotated[float, Field(gt=0)]


class Model(BaseModel):
    """Base for every scenario model: unknown keys rejected, instances frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, strict=True,
                              allow_inf_nan=False)


class Budget(Model):
    """Media budget: give exactly one of ``daily`` or ``annual``."""

    daily: Positive | None = Field(None, description="media budget per day, in currency")
    annual: Positive | None = Field(None, description="media budget per 364 days, in currency")
    profile: list[Positive] | None = Field(
        None,
        description="optional multipliers over equal segments of the horizon (e.g. 12 months); "
        "normalised to mean 1, so the total budget is unchanged",
        min_length=1,
    )

    @model_validator(mode="after")
    def _one_amount(self) -> Budget:
        if (self.daily is None) == (self.annual is None):
            raise ValueError("give exactly one of 'daily' or 'annual'")
        return self

    @property
    def daily_amount(self) -> float:
        """Mean budget per day."""
        return self.daily if self.daily is not None else self.annual / 364.0  # type: ignore[operator]


class Noise(Model):
    """Noise on realised conversions around their expected value."""

    kind: Literal["poisson", "negative_binomial", "none"] = Field(
        "poisson", description="none: conversions equal their expected value")
    dispersion: Positive = Field(
        20.0, description="negative binomial size k: variance = mean + mean^2 / k"
    )


class Channel(Model):
    """A marketing channel: media response, costs, formats and creative fatigue."""

    name: str = Field(min_length=1, description="unique channel name")
    adstock_alpha: float = Field(ge=0, lt=1, description="geometric adstock carry-over per day")
    hill_k: Positive = Field(description="half-saturation adstocked daily spend, in currency")
    hill_shape: Positive = Field(le=10, description="Hill shape s (a logistic channel ignores it)")
    saturation: Literal["hill", "logistic"] = Field(
        "hill", description="response family on adstocked spend a: hill a^s / (a^s + K^s); "
        "logistic (PyMC-Marketing's) (1 - exp(-lam a)) / (1 + exp(-lam a)) with "
        "lam = ln(3) / hill_k, so both are half-saturated at hill_k")
    max_daily_conversions: Positive = Field(description="conversions per day at full saturation")
    cpm: Positive = Field(description="cost per thousand impressions, in currency")
    value_per_conversion: NonNegative = Field(description="revenue per conversion, in currency")
    formats: list[str] = Field(min_length=1, description="creative formats the channel runs")
    format_weights: list[Positive] | None = Field(
        None, description="relative frequency of each format in requests (default: equal)"
    )
    fatigue_impressions: Positive = Field(
        description="impressions after which an asset's excess quality falls to 1/e"
    )
    quality_min: Probability = Field(0.2, description="quality of a fully fatigued asset")
    plan_share: Probability = Field(description="share of the budget in the annual plan")
    initial_assets: int = Field(3, ge=0, description="fresh live assets at day 0")
    noise: Noise = Field(Noise(), description="noise on realised conversions")


class Formats(Model):
    """Creative formats and how one can be adapted into another."""

    names: list[str] = Field(min_length=1, description="format names, referred to elsewhere")
    compatibility: list[list[Probability]] = Field(
        description="square matrix: entry [i][j] is the probability that an asset of format i "
        "can be adapted into format j"
    )


class Demand(Model):
    """The stream of content requests: a non-homogeneous Poisson process."""

    base_rate: Positive = Field(le=100_000, description="requests per day at day 0")
    growth: Positive = Field(
        le=1000, description="rate at the horizon / rate at day 0 (3.0 = tripled)")
    shape: Literal["linear", "exponential", "step"] = Field(
        "linear", description="how the rate moves from base_rate to growth x base_rate")
    step_day: NonNegative | None = Field(None, description="day of the step, for shape 'step'")
    channel_mix: dict[str, Positive] = Field(
        min_length=1, description="relative share of requests per channel")
    campaign_days: Positive = Field(28.0, description="length of a campaign wave, in days")
    campaigns_per_wave: int = Field(4, ge=1, description="concurrent campaigns in a wave")
    due_days: Distribution = Field(
        default_factory=lambda: LogNormal(mean=21.0, cv=0.4),
        description="time from arrival to due date, in days",
    )


class Findability(Model):
    """Probability that a visible compatible asset is found, per kind of library."""

    siloed: Probability = Field(description="folders and e-mail: each team its own assets")
    shared: Probability = Field(description="a shared, tagged library")


class Library(Model):
    """The asset library: how findable a visible asset is, per kind of library."""

    findability: Findability = Field(description="chance a visible asset is found")
    max_live_assets: int = Field(6, ge=1, description="assets running at once on a channel")
    asset_lifetime_days: Positive | None = Field(
        None, description="days an asset stays live before it is retired (none: until replaced)"
    )
    wasted_quality_threshold: Probability = Field(
        0.4, description="spend on assets below this quality counts as wasted"
    )


class Agency(Model):
    """A team that produces creatives: the in-house team or an external agency."""

    name: str = Field(min_length=1, description="unique team name")
    capacity: int = Field(ge=1, description="people working in parallel")
    formats: list[str] = Field(min_length=1, description="formats it can produce")
    channels: list[str] = Field(
        default_factory=list, description="channels bound to it in a siloed setup"
    )
    production_time: Distribution = Field(description="days to produce a new asset")
    adaptation_time: Distribution = Field(description="days to adapt an existing asset")
    cost_new: NonNegative = Field(description="cost of a new asset, in currency")
    cost_adaptation: NonNegative = Field(description="cost of an adaptation, in currency")
    handoff: Distribution = Field(
        default_factory=lambda: Deterministic(value=0.0),
        description="days to brief the team on one piece of work",
    )

    @model_validator(mode="after")
    def _adaptation_cheaper(self) -> Agency:
        if self.cost_adaptation > self.cost_new:
            raise ValueError("cost_adaptation must not exceed cost_new")
        return self


class Stage(Model):
    """One approval stage: a shared pool of reviewers."""

    name: str = Field(min_length=1, description="stage name")
    reviewers: int = Field(ge=1, description="reviewers working in parallel")
    review_time: Distribution = Field(description="days per review")
    revision_probability: Probability = Field(description="chance a review sends work back")


class Approvals(Model):
    """Approval stages every asset goes through, with revision loops."""

    stages: list[Stage] = Field(default_factory=list, description="in order; none: no approval")
    revision_work_fraction: Annotated[float, Field(gt=0, le=2)] = Field(
        0.5, description="work of a revision as a fraction of the original work"
    )
    revision_cost_fraction: Annotated[float, Field(ge=0, le=2)] = Field(
        0.3, description="cost of a revision as a fraction of the original cost"
    )
    max_revisions_per_stage: int = Field(
        3, ge=0, le=10, description="revisions after which a stage approves anyway")


class Platform(Model):
    """The coordination platform the conductor runs on."""

    monthly_cost: NonNegative = Field(
        0.0, description="in currency per month (365.25 / 12 = 30.4375 days)")
    ramp_up_days: NonNegative = Field(
        0.0, description="days over which content work migrates onto the platform"
    )
    handoff_factor: Probability = Field(
        0.3, description="share of hand-off delay left with shared briefs"
    )
    delay_value_factor: NonNegative = Field(
        1.0, description="weight of time in pooled routing: scales each channel's value of a day "
        "(what a fresh asset one day earlier adds to its plan revenue, from its fatigue and asset "
        "turnover); 0 routes by price alone"
    )


class DataFeed(Model):
    """How results reach the allocator."""

    interval_days: int = Field(ge=1, description="days between reports")
    delay_days: int = Field(ge=0, description="days from the end of a report period to arrival")


class DataFeeds(Model):
    """The data feed of each kind of data lever."""

    siloed: DataFeed = Field(DataFeed(interval_days=7, delay_days=5),
                             description="each channel reports through its agency")
    unified: DataFeed = Field(DataFeed(interval_days=1, delay_days=1),
                              description="one data platform for all channels")


class Allocator(Model):
    """Settings of the budget allocators (shared by the learner and the oracle)."""

    min_share: Probability = Field(0.02, description="minimum share of the day's budget")
    max_share: Probability = Field(0.5, description="maximum share of the day's budget")
    max_daily_change: Probability = Field(
        0.03, description="largest change of a channel's share from one day to the next"
    )
    increments: int = Field(200, ge=10, le=5000, description="budget steps in water-filling")
    likelihood_temperature: Annotated[float, Field(gt=0, le=1)] = Field(
        0.3, description="power on the likelihood: <1 guards against a misspecified model"
    )
    ai_efficiency: Annotated[float, Field(ge=0.5, le=2)] = Field(
        1.08, description="conversion multiplier on channels whose bids an AI optimises"
    )
    ai_pilot_channels: list[str] = Field(
        default_factory=list, description="channels with an AI pilot in the pilot setup"
    )
    data: DataFeeds = Field(DataFeeds(), description="report cadence per data lever")
