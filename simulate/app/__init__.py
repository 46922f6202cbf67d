"""The planner's workbench: `simulate serve`, a local web app over the Python API.

server: the app and `serve`; pages/: one module per page or small group of pages, each with
its routes; site: what the pages share (the workspace, the job slot, the templates, form
numbers); workspace: the folder that keeps scenarios and runs; jobs: one run at a time, with
progress; guard: local-only requests and size limits; checks: validation messages for the
forms; editor: the schema for the full form; charts: the budget page's chart.
"""
