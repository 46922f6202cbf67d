"""Key inputs: the few parts of a scenario a planner edits (school, tiers, roles and pay, teams,
funding, projection), read from the schema, shown as an Excel workbook (`simulate template`,
read back by `simulate import`) and as the web app's short form."""
