"""What-if scenarios: levers, an objective and constraints over an outcome model, solved by SLSQP in a worker."""
