"""Studies of scenarios: run one, compare several on common random numbers, sweep parameters;
the executor they share; what they write."""
