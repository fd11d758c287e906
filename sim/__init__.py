"""campaign-sim: a discrete-event simulator of cross-channel marketing operations.

Public API::

    scenario = sim.load_scenario("scenarios/baseline.yaml")
    result = sim.run(scenario, setup="conductor", replication=0, seed=0)
    comparison = sim.compare(scenario, replications=10, seed=0)
    comparison.paired("net_contribution", "conductor", reference="pilot")

The names are imported on first use (PEP 562), so ``import sim`` stays cheap and the command
line can handle Ctrl-C before the heavy libraries (pandas, scipy) load.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.runs.experiment import Comparison, RunResult, compare, run
    from sim.scenario.load import load_scenario, scenario_from_dict
    from sim.scenario.problems import Problem, ScenarioError
    from sim.scenario.schema import Scenario
    from sim.scenario.setups import BUILTIN_SETUPS, Levers

from sim.version import __version__

_MODULE_OF = {
    "Problem": "sim.scenario.problems",
    "ScenarioError": "sim.scenario.problems",
    "Scenario": "sim.scenario.schema",
    "load_scenario": "sim.scenario.load",
    "scenario_from_dict": "sim.scenario.load",
    "BUILTIN_SETUPS": "sim.scenario.setups",
    "Levers": "sim.scenario.setups",
    "Comparison": "sim.runs.experiment",
    "RunResult": "sim.runs.experiment",
    "compare": "sim.runs.experiment",
    "run": "sim.runs.experiment",
}

__all__ = [
    "BUILTIN_SETUPS",
    "Comparison",
    "Levers",
    "Problem",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "__version__",
    "compare",
    "load_scenario",
    "run",
    "scenario_from_dict",
]


def __getattr__(name: str) -> Any:
    """Import a public name on first use and keep it in the package namespace."""
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The module's names, the not yet imported public ones included."""
    return sorted({*globals(), *__all__})
