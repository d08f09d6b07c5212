"""Causal links between a cube's measures over time: discovered by Granger tests, asserted or rejected by users,
used as the outcome model of scenarios."""
