"""How the sections of a school with a period day meet: one rule for classes (booked by
engine.modules.instruction) and tutoring sections (booked by engine.modules.small_groups).

A section meets in its slot on every open day of its term. Its adult's minutes of the
activity left that day (engine.timesheet: after closures, drills and what else friction took)
are spread evenly over the adult's sections of that kind in the term, so a drill that takes 15
minutes from a teacher's day takes 3 from each of its five classes. When the adult is in, the
adult teaches; when away, whoever covered it: a substitute for the day (engine.modules.coverage)
or, period by period, a colleague (engine.modules.period_coverage), else nobody and the minutes
are lost as uncovered. A student receives the minutes of each section it sits in, on days it is
in school and does not miss that period (part-day absence, engine.modules.attendance). A
non-teacher supporting the section (reach extension) is with its students for its own minutes
of support; that adds contact, not minutes (they already have their teacher). A tutoring session
no student attends is time nobody used.

Everything is booked per period too (`Met.by_period`), so the ledger's identity planned =
delivered + lost holds period by period.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from simulate.engine.ledger import UNUSED, Ledger
from simulate.engine.modules.availability import PRESENT
from simulate.engine.modules.coverage import BY_PERIODS, COVERERS, NOT_ASKED, UNCOVERED
from simulate.engine.roster import NO_TEAM, Roster
from simulate.engine.timesheet import ACTIVITY
from simulate.engine.timetable import NONE

if TYPE_CHECKING:
    from simulate.engine.core import Engine

UNCOVERED_CLASS = "uncovered"
# columns of Met.by_period: minutes per period
PLANNED, DELIVERED, COVERED, UNCOVERED_MINUTES, IDLE, FRICTION = range(6)
BY_PERIOD = ("planned", "delivered", "covered", "uncovered", "unused", "friction")


@dataclass
class Met:
    """What a school's sections of one kind gave over the year."""

    minutes: np.ndarray  # per student: minutes received
    contact: np.ndarray  # students x adults: minutes together
    by_period: np.ndarray  # periods x BY_PERIOD: adults' minutes, as the ledger books them
    sessions: np.ndarray  # per student: sessions attended
    # tutoring: (role, on a team, students present) of a session -> each student's minutes
    by_leader: dict[tuple[str, bool, int], np.ndarray] = field(default_factory=dict)


def meet(
    run: Engine,
    school: Roster,
    tutoring: bool,
    status: np.ndarray,
    cover: np.ndarray,
    by: np.ndarray,
) -> Met:
    """Book one school's sections of one kind (tutoring or classes) in its ledger, and return
    what they gave (see the module). `status`: calendar days x adults, who was in
    (engine.modules.availability); `cover`: calendar days x adults, who took each adult's day
    (engine.modules.coverage); `by`: calendar days x sections, who covered each section period
    by period (engine.modules.period_coverage)."""
    table = school.timetable
    assert table is not None
    activity = "small_group" if tutoring else "instruction"
    k = ACTIVITY[activity]
    days = run.days
    sheet = run.timesheets[school.number]
    ledger: Ledger = run.ledgers[school.number]
    weeks = int(days.week.max()) + 1
    term_of_day = table.terms_of(days.week, weeks)
    instructional = days.instructional
    students = school.students
    n = students.count
    per = table.day.periods_per_day
    met = Met(
        np.zeros(n),
        np.zeros((n, len(school.adults)), order="F"),
        np.zeros((per, len(BY_PERIOD))),
        np.zeros(n),
    )
    kind = table.tutoring() == tutoring
    teach = np.where(kind, table.adult, NONE)
    helpers = np.where(kind, table.support, NONE)
    term = table.slot // per
    # each adult's sections of this kind (taught or supported) in each term
    load: dict[tuple[int, int], int] = {}
    for s in np.flatnonzero((teach != NONE) | (helpers != NONE)).tolist():
        for a in (int(teach[s]), int(helpers[s])):
            if a != NONE:
                load[(a, int(term[s]))] = load.get((a, int(term[s])), 0) + 1
    skips = students.skips
    for s in np.flatnonzero(teach != NONE).tolist():
        a, t, period = int(teach[s]), int(term[s]), int(table.slot[s]) % per
        adult = school.adults[a]
        mine = instructional & (term_of_day == t)
        on = np.flatnonzero(mine)
        share = 1.0 / load[(a, t)]
        planned = sheet.plan[days.week[on], a, k] * share
        given = sheet.left[on, a, k] * share
        here = status[on, a] == PRESENT
        who = np.where(here, a, cover[on, a])
        periods = who == BY_PERIODS
        who[periods] = by[on[periods], s]
        assert not (who[given > 0] == NOT_ASKED).any(), "a section went on unasked"
        pupils = table.students[s]
        attending = ~students.absent[np.ix_(on, pupils)]
        if skips is not None:
            attending &= ~skips[on, period][:, pupils]
        present = attending.sum(axis=1)
        row = met.by_period[period]
        row[PLANNED] += planned.sum()
        row[FRICTION] += (planned - given).sum()
        uncovered = given * (who == UNCOVERED)
        if uncovered.any():
            ledger.lost(activity, adult.role_name, float(uncovered.sum()), UNCOVERED_CLASS)
            row[UNCOVERED_MINUTES] += uncovered.sum()
        held = given * (who != UNCOVERED)
        if tutoring:  # a session no student attends is time nobody used
            idle = held * (present == 0)
            ledger.lost(activity, adult.role_name, float(idle.sum()), UNUSED)
            row[IDLE] += idle.sum()
            held = held - idle
        for coverer in np.unique(who[held > 0]).tolist():
            got = held * (who == coverer)
            name = COVERERS[coverer] if coverer < 0 else school.adults[coverer].role_name
            ledger.delivered(activity, adult.role_name, float(got.sum()), by=name)
            row[DELIVERED if coverer == a else COVERED] += got.sum()
            credit = got @ attending
            met.minutes[pupils] += credit
            if coverer >= 0:
                met.contact[pupils, coverer] += credit
            if tutoring:
                on_team = coverer >= 0 and school.adults[coverer].team != NO_TEAM
                for size in np.unique(present[got > 0]).tolist():
                    key = (name, on_team, int(size))
                    on_size = got * (present == size)
                    met.by_leader.setdefault(key, np.zeros(n))[pupils] += on_size @ attending
        met.sessions[pupils] += (held > 0).astype(float) @ attending
        helper = int(helpers[s])
        if helper != NONE:  # the supporter's own minutes with the section's students
            name = school.adults[helper].role_name
            share = 1.0 / load[(helper, t)]
            planned = sheet.plan[days.week[on], helper, k] * share
            given = sheet.left[on, helper, k] * share
            support = given * (held > 0)
            idle = given * (held <= 0)  # the class did not meet: no one to support
            ledger.delivered(activity, name, float(support.sum()))
            ledger.lost(activity, name, float(idle.sum()), UNUSED)
            met.contact[pupils, helper] += support @ attending
            row[PLANNED] += planned.sum()
            row[FRICTION] += (planned - given).sum()
            row[DELIVERED] += support.sum()
            row[IDLE] += idle.sum()
    return met
