"""The planner's workbench: `simulate serve`, a local web app over the Python API.

workspace: the folder that keeps scenarios and runs; jobs: one run at a time, with progress;
guard: local-only requests and size limits; checks: validation messages for the forms;
editor: the schema for the full form; charts: the budget page's chart; server: the routes.
"""
