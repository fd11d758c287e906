"""Many replications: compare, sweep and decompose on processes or Dask, with a run store."""
