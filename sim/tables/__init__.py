"""Records to tidy tables, and estimates with confidence intervals."""
