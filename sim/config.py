"""The scenario schema: frozen pydantic models, validated once at load, with no behaviour.

Every key is checked (unknown keys are errors), every number is range-checked and every
cross-reference (formats, channels, agencies, setups) is resolved here, so the model can trust
what it is given. ``load_scenario`` turns any problem into a :class:`ScenarioError` that lists one
line per problem: file, field path, rule and the value given.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from sim.distributions import Deterministic, Distribution, LogNormal
from sim.setups import BUILTIN_SETUPS, Levers, SetupSpec

Probability = Annotated[float, Field(ge=0, le=1)]
NonNegative = Annotated[float, Field(ge=0)]
Positive = Annotated[float, Field(gt=0)]


class CrossReferenceError(ValueError):
    """Rules that relate several fields, each as (path, rule, value given or None)."""

    def __init__(self, problems: list[tuple[str, str, Any]]):
        self.problems = problems
        super().__init__("; ".join(f"{path}: {rule}" for path, rule, _ in problems))


def _repeated(names: list[str]) -> list[str]:
    """Names given more than once, each once, in order."""
    return list(dict.fromkeys(n for i, n in enumerate(names) if n in names[:i]))


def _shape(matrix: list[list[float]]) -> str:
    """``"rows x columns"``, or the length of each row when they differ."""
    lengths = [len(row) for row in matrix]
    if len(set(lengths)) > 1:
        return f"{len(matrix)} rows of lengths {lengths}"
    return f"{len(matrix)} x {lengths[0] if lengths else 0}"


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
    hill_shape: Positive = Field(le=10, description="Hill shape s")
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
    external: bool = Field(True, description="an external agency (false: the in-house team)")
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


class Scenario(Model):
    """A complete, validated scenario."""

    name: str = Field("scenario", min_length=1, pattern=r"^[A-Za-z0-9_.-]+$",
                      description="names the results folder: letters, digits, _ . - "
                      "(not only dots)")
    currency: str = Field("EUR", description="label for every amount of money")
    horizon_days: int = Field(364, ge=1, le=3650, description="simulated days")
    budget: Budget = Field(description="the media budget")
    formats: Formats = Field(description="creative formats and their compatibility")
    channels: list[Channel] = Field(min_length=1, description="the marketing channels")
    synergy: list[list[NonNegative]] | None = Field(
        None, description="entry [d][c]: lift of channel c's conversions per unit of d's response"
    )
    demand: Demand = Field(description="the stream of content requests")
    library: Library = Field(description="the asset library and live assets")
    agencies: list[Agency] = Field(min_length=1, description="in-house team and agencies")
    approvals: Approvals = Field(Approvals(), description="approval stages")
    platform: Platform = Field(Platform(), description="the conductor's platform")
    allocator: Allocator = Field(Allocator(), description="budget allocators and data feeds")
    setups: list[str | SetupSpec] = Field(
        default_factory=lambda: list[str | SetupSpec](BUILTIN_SETUPS), min_length=1,
        description="setups to compare: built-in names or {name, base, levers} overrides",
    )

    @field_validator("name")
    @classmethod
    def _not_only_dots(cls, name: str) -> str:
        if not name.strip("."):
            raise ValueError("must not be only dots ('.' and '..' are not folder names)")
        return name

    @model_validator(mode="after")
    def _cross_references(self) -> Scenario:
        problems: list[tuple[str, str, Any]] = []

        def add(path: str, rule: str, value: Any = None) -> None:
            problems.append((path, rule, value))

        fmt = set(self.formats.names)
        n = len(self.formats.names)
        m = self.formats.compatibility
        if _repeated(self.formats.names):
            add("formats.names", "format names must be unique", _repeated(self.formats.names))
        if len(m) != n or any(len(row) != n for row in m):
            add("formats.compatibility", f"must be {n} x {n}, one row and column per format",
                _shape(m))
        chan = [c.name for c in self.channels]
        if _repeated(chan):
            add("channels", "channel names must be unique", _repeated(chan))
        for i, c in enumerate(self.channels):
            for f in c.formats:
                if f not in fmt:
                    add(f"channels.{i}.formats", f"unknown format {f!r}")
            if c.format_weights is not None and len(c.format_weights) != len(c.formats):
                add(f"channels.{i}.format_weights",
                    f"needs one weight per format ({len(c.formats)})", len(c.format_weights))
        total = sum(c.plan_share for c in self.channels)
        if abs(total - 1.0) > 1e-6:
            add("channels", "plan_share values must add up to 1", round(total, 9))
        if self.synergy is not None:
            k = len(chan)
            if len(self.synergy) != k or any(len(r) != k for r in self.synergy):
                add("synergy", f"must be {k} x {k}, one row and column per channel",
                    _shape(self.synergy))
            elif any(self.synergy[i][i] != 0 for i in range(k)):
                add("synergy", "the diagonal must be 0 (a channel does not lift itself)",
                    [self.synergy[i][i] for i in range(k)])
        for key in self.demand.channel_mix:
            if key not in chan:
                add(f"demand.channel_mix.{key}", "unknown channel")
        if self.demand.shape == "step" and self.demand.step_day is None:
            add("demand.step_day", "required when demand.shape is 'step'")
        if self.demand.step_day is not None and self.demand.step_day > self.horizon_days:
            add("demand.step_day", f"must lie within the horizon ({self.horizon_days} days)",
                self.demand.step_day)
        names = [a.name for a in self.agencies]
        if _repeated(names):
            add("agencies", "agency names must be unique", _repeated(names))
        bound: dict[str, str] = {}
        for i, a in enumerate(self.agencies):
            for f in a.formats:
                if f not in fmt:
                    add(f"agencies.{i}.formats", f"unknown format {f!r}")
            for cname in a.channels:
                if cname not in chan:
                    add(f"agencies.{i}.channels", f"unknown channel {cname!r}")
                elif cname in bound:
                    add(f"agencies.{i}.channels",
                        f"{cname!r} is already bound to {bound[cname]!r}")
                else:
                    bound[cname] = a.name
        for i, c in enumerate(self.channels):
            if c.name not in bound:
                add(f"channels.{i}", f"channel {c.name!r} is bound to no agency")
                continue
            agency = self.agencies[names.index(bound[c.name])]
            missing = [f for f in c.formats if f not in agency.formats]
            if missing:
                add(f"channels.{i}.formats", f"agency {agency.name!r} cannot produce {missing}")
        for cname in self.allocator.ai_pilot_channels:
            if cname not in chan:
                add("allocator.ai_pilot_channels", f"unknown channel {cname!r}")
        if self.allocator.min_share * len(chan) > 1 + 1e-9:
            add("allocator.min_share",
                f"channels ({len(chan)}) x min_share must not exceed 1", self.allocator.min_share)
        if self.allocator.max_share * len(chan) < 1 - 1e-9:
            add("allocator.max_share",
                f"channels ({len(chan)}) x max_share must reach 1", self.allocator.max_share)
        setup_names: list[str] = []
        for i, s in enumerate(self.setups):
            sname = s if isinstance(s, str) else s.name
            if isinstance(s, str) and s not in BUILTIN_SETUPS:
                add(f"setups.{i}", _unknown_setup(s, list(BUILTIN_SETUPS), "built in"))
            if isinstance(s, SetupSpec) and s.name in BUILTIN_SETUPS:
                add(f"setups.{i}.name",
                    "a custom setup must not reuse a built-in setup name", s.name)
            if isinstance(s, SetupSpec) and s.base not in BUILTIN_SETUPS:
                add(f"setups.{i}.base", _unknown_setup(s.base, list(BUILTIN_SETUPS), "built in"))
            if sname in setup_names:
                add(f"setups.{i}", f"setup {sname!r} is listed twice")
            setup_names.append(sname)
        if problems:
            raise CrossReferenceError(problems)
        return self

    # -- derived views (pure functions of the configuration) -------------------------------
    @property
    def channel_names(self) -> list[str]:
        """Channel names, in order."""
        return [c.name for c in self.channels]

    @property
    def setup_names(self) -> list[str]:
        """Names of the setups this scenario compares, in order."""
        return [s if isinstance(s, str) else s.name for s in self.setups]

    def levers(self, setup: str) -> Levers:
        """The levers of a setup named in this scenario or built in."""
        for s in self.setups:
            if isinstance(s, SetupSpec) and s.name == setup:
                return s.resolve()
        if setup in BUILTIN_SETUPS:
            return BUILTIN_SETUPS[setup]
        known = sorted(set(self.setup_names) | set(BUILTIN_SETUPS))
        raise ScenarioError([Problem("setup", _unknown_setup(setup, known, "known"))])

    def to_dict(self) -> dict[str, Any]:
        """Every field, defaults filled in, as plain data (YAML-ready)."""
        return self.model_dump(mode="json", by_alias=True)


def _unknown_setup(name: str, known: list[str], label: str) -> str:
    """The rule broken by a setup name that is not known (or empty)."""
    what = "setup name is empty" if not name.strip() else f"unknown setup {name!r}"
    return f"{what} ({label}: {', '.join(known)})"


class Problem:
    """One thing wrong with a scenario: where, which rule, what was given."""

    def __init__(self, path: str, rule: str, value: Any = None, file: str | None = None):
        self.path, self.rule, self.value, self.file = path, rule, value, file

    def __str__(self) -> str:
        where = f"{self.file}: " if self.file else ""
        given = "" if self.value is None else f" (got {self.value!r})"
        return f"{where}{self.path}: {self.rule}{given}"


class ScenarioError(ValueError):
    """A scenario that cannot be used, with one :class:`Problem` per rule broken."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


# Parts of a pydantic error location that name a union branch, not a key the user wrote.
_BRANCH_NAMES = {"str", "SetupSpec", "lognormal", "exponential", "gamma", "deterministic"}
_DIST_KINDS = "lognormal, exponential, gamma, deterministic"
_RULES = {
    "extra_forbidden": "unknown key (not part of the scenario schema)",
    "missing": "required key is missing",
    "union_tag_not_found": f"needs 'dist', one of: {_DIST_KINDS}",
    "union_tag_invalid": f"'dist' must be one of: {_DIST_KINDS}",
}


def _problems(err: ValidationError, file: str | None) -> list[Problem]:
    out: list[Problem] = []
    for e in err.errors():
        if e["type"] == "string_type" and e["loc"][-1:] == ("str",) and isinstance(
                e.get("input"), dict):
            continue  # a {name, base, levers} setup: the plain-name branch does not apply
        path = ".".join(str(p) for p in e["loc"] if str(p) not in _BRANCH_NAMES)
        msg = str(e["msg"]).removeprefix("Value error, ")
        cause = e.get("ctx", {}).get("error")
        if isinstance(cause, CrossReferenceError):
            out += [Problem(p, rule, value, file=file) for p, rule, value in cause.problems]
            continue
        rule = _RULES.get(e["type"], msg)
        value = None if e["type"] == "missing" else e.get("input")
        if isinstance(value, dict | list):
            value = None
        out.append(Problem(path or "(top level)", rule, value, file=file))
    return out


def scenario_from_dict(data: Any, file: str | None = None) -> Scenario:
    """Validate plain data as a scenario, raising :class:`ScenarioError` on any problem."""
    if not isinstance(data, dict):
        kind = "empty" if data is None else type(data).__name__
        raise ScenarioError([Problem("(top level)", f"must be a mapping of keys, file is {kind}",
                                     file=file)])
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(_problems(err, file)) from None


class _Loader(yaml.SafeLoader):
    """The safe YAML loader, noting keys given twice in a mapping (instead of keeping the last)."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self.paths: dict[int, str] = {}  # id(node) -> dotted path of its first occurrence
        self.duplicates: list[Problem] = []

    def _note_paths(self, node: yaml.Node, path: str) -> None:
        if id(node) in self.paths:
            return  # an alias (possibly recursive): keep its first path
        self.paths[id(node)] = path
        prefix = f"{path}." if path else ""
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                self._note_paths(value, prefix + str(key.value))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self._note_paths(item, f"{prefix}{i}")

    def construct_document(self, node: yaml.Node) -> Any:
        self._note_paths(node, "")
        return super().construct_document(node)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        parent = self.paths.get(id(node), "")
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag.endswith(":merge"):
                continue  # '<<' merges may override; complex keys are rejected later
            key, line = self.construct_object(key_node), key_node.start_mark.line + 1
            if key in seen:
                rule = f"duplicate key (lines {seen[key]} and {line})"
                self.duplicates.append(Problem(f"{parent}.{key}" if parent else str(key), rule))
            else:
                seen[key] = line
        return super().construct_mapping(node, deep)


def _read_text(p: Path) -> str:
    """The text of a scenario file, or a :class:`ScenarioError` saying why it cannot be read."""
    try:
        if p.exists() and not (p.is_file() or p.is_dir()):
            rule = "not a regular file"
        else:
            return p.read_text(encoding="utf-8")
    except FileNotFoundError:
        rule = "file not found"
    except IsADirectoryError:
        rule = "is a directory"
    except OSError as err:
        rule = f"cannot read: {(err.strerror or str(err)).lower()}"
    except UnicodeDecodeError:
        rule = "not UTF-8 text"
    raise ScenarioError([Problem("(file)", rule, file=str(p))])


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a YAML scenario file."""
    p = Path(path)
    loader = _Loader(_read_text(p))
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        rule = getattr(err, "problem", None) or str(err)
        raise ScenarioError([Problem(where, f"YAML syntax error: {rule}", file=str(p))]) from None
    finally:
        loader.dispose()
    if loader.duplicates:
        for problem in loader.duplicates:
            problem.file = str(p)
        raise ScenarioError(loader.duplicates)
    return scenario_from_dict(data, file=str(p))
