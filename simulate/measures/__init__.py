"""What a figure is and how it is computed and written, for every command alike.

Modules: catalogue (one entry per metric: statistics, groups, unit, format, better-direction,
label, explanation; look-ups), compute (a run's figures from the engine), formats (how figures
are written, and which table columns hold money), listing (`simulate metrics`).

Nothing here is imported at package level, so the budget can use formats without a cycle.
"""
