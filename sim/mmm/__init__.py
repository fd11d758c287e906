"""Marketing-mix-model ground truth: MMM-ready data with the true ROAS, curves and lift tests.

Sits beside :mod:`sim.report` above :mod:`sim.runs`: it reads a results folder and re-runs the
world's media days (:mod:`sim.world.replay`) to compute the truth by counterfactual re-simulation.
"""
