"""What the delivered year is likely worth for learning: an estimate from published studies.

evidence.yaml and evidence.py hold the effect sizes with their sources; estimate.py turns one
year's delivered inputs (plain arrays) into exposures and an estimate; adapter.py builds those
inputs from a finished engine; uncertainty.py keeps the year's randomness and the evidence's
apart; figures.py gives the `learning.*` metrics. docs/outcomes.md has every assumption.
"""
