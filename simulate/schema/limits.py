"""Size limits on what the program accepts, each with its reason, in one place.

Every limit is checked before any work starts, and its message names the limit and the field.
Real inputs stay far below each one; they exist so that a typo (an extra three zeros) or a
hostile file is refused in a second instead of running for hours or exhausting memory.
"""

from __future__ import annotations

# ---- files --------------------------------------------------------------------------------
# Read into memory whole. The largest real scenario (a district written out school by school)
# is under 100 KB; the cap is high enough that an over-long list meets MAX_YAML_VALUES below,
# whose message says what is wrong, rather than a bare size.
MAX_FILE_BYTES = 10_000_000
# Values (scalars, lists, mappings) written in one YAML file, counted while the file is parsed
# so that parsing stops at the limit. A district of 500 schools written out is ~25,000.
MAX_YAML_VALUES = 50_000
# Characters in one YAML value: descriptions are paragraphs, not books.
MAX_TEXT_CHARS = 100_000
# Values after anchors and aliases are expanded: stops "billion laughs" documents, whose few
# hundred bytes expand to billions of values.
MAX_EXPANDED_VALUES = 200_000
# Nesting levels of a YAML document; real scenarios nest fewer than 10.
MAX_DEPTH = 50
# Files in one chain of `extends`.
MAX_EXTENDS = 10

# ---- key-inputs workbooks (checked before the workbook is parsed: simulate.keyinputs.bounds) --
# A workbook of the bundled school is about 30 KB; one of the largest district the limits allow
# (500 schools written out, carried whole in the hidden base sheet) about 250 KB.
MAX_WORKBOOK_BYTES = 5_000_000
# Bytes all its parts inflate to, counted as they inflate (a zip entry can claim any size):
# about 110 KB for the bundled school, about 4 MB for that largest district.
MAX_WORKBOOK_UNPACKED = 20_000_000
# Parts (zip entries): a workbook of `simulate template` has about 30.
MAX_WORKBOOK_PARTS = 1_000
# XML elements over all parts (each cell is two or three): about 2,500 for the bundled school,
# about 115,000 for that largest district. Parsing takes about 10 us of CPU an element, so a
# workbook at the limit opens in a few seconds; 600,000 rows of notes took half a minute.
MAX_WORKBOOK_ELEMENTS = 250_000

# ---- one run --------------------------------------------------------------------------------
# Simulation time grows with the adults (each is a process with its own day) and memory with
# the students (arrays): at about 10 ms per adult and year, 10,000 adults take a few minutes
# per replication, which is the most a laptop run should ask for.
MAX_SCHOOLS = 500  # entries in `schools`
MAX_COPIES = 500  # copies of one school
MAX_POSITIONS_PER_SCHOOL = 1_000  # team members x team count + staff, in one copy of a school
MAX_ADULTS = 10_000  # positions over all schools and copies of a run
MAX_STUDENTS = 250_000  # enrollment over all schools and copies of a run
# Substitutes on a district's list: each is a row of the market's day-by-day arrays (the
# largest US districts list a few thousand).
MAX_SUBSTITUTES = 20_000

# ---- studies --------------------------------------------------------------------------------
MAX_REPLICATIONS = 10_000  # simulated years per scenario
MAX_PROJECTION_YEARS = 30  # years of a budget's projection: a plan, not a pension fund
MAX_SWEEP_POINTS = 1_000_000  # design points: each is validated before the sweep starts
# Runs of a sweep (points x replications): the list of runs and the results table are held in
# memory, and 250,000 runs are already days of computing on a laptop.
MAX_SWEEP_RUNS = 250_000


def at_most(limit: int, what: str) -> str:
    """The 'allowed' part of a message: 'at most 10,000 positions over all schools'."""
    return f"at most {limit:,} {what}"
