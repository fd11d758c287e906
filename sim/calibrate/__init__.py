"""Calibration: scenario blocks estimated from an organisation's own data.

``media`` reads a fitted marketing-mix model (Robyn, Meridian, PyMC-Marketing) into ``channels:``;
``requests`` reads a log of content requests into ``demand:``, team and approval blocks. Both
return :class:`~sim.calibrate.output.Calibrated` blocks, which :mod:`sim.calibrate.output` writes
as commented YAML, alone or merged into a template scenario.
"""
