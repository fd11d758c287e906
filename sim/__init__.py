"""campaign-sim: a discrete-event simulator of cross-channel marketing operations.

Public API::

    scenario = sim.load_scenario("scenarios/baseline.yaml")
    result = sim.run(scenario, setup="conductor", replication=0, seed=0)
    comparison = sim.compare(scenario, replications=10, seed=0)
    comparison.paired("net_contribution", "conductor", reference="pilot")
"""

from sim.config import Problem, Scenario, ScenarioError, load_scenario, scenario_from_dict
from sim.experiment import Comparison, RunResult, compare, run
from sim.setups import BUILTIN_SETUPS, Levers

__version__ = "0.1.0"

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
