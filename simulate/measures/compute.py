"""Metrics of one run, named as in the measures catalogue, read from the engine's ledger and
from the results its modules declare (engine.module: `results()`, and `figures()` for a
module's own figures).

Every figure is a float keyed by (metric, group, statistic); weekly figures are per
instructional week. Empty denominators give 0, never NaN, except for the shares the catalogue
marks `empty` (a fill rate with no absence to fill): those are left out, so a year without
anything to measure has no figure rather than 0. What each metric means, and how it is shown,
is in catalogue.py; every command (run, compare, sweep) takes its figures from here.
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np

from simulate.engine.core import Engine
from simulate.engine.ledger import UNUSED, Ledger
from simulate.engine.modules.attendance import StudentAttendance
from simulate.engine.modules.availability import PRESENT, Availability
from simulate.engine.modules.coaching import Coaching
from simulate.engine.modules.coverage import (
    BY_PERIODS,
    COVERERS,
    NOT_ASKED,
    SPLIT,
    UNCOVERED,
    Coverage,
)
from simulate.engine.modules.instruction import Instruction
from simulate.engine.modules.period_coverage import PeriodCoverage
from simulate.engine.modules.small_groups import SmallGroups
from simulate.engine.roster import Roster
from simulate.engine.sections import BY_PERIOD, UNCOVERED_MINUTES
from simulate.engine.timesheet import ACTIVITY
from simulate.engine.timetable import NONE
from simulate.learning import adapter as learning_adapter
from simulate.learning.figures import SmallGroupCost
from simulate.learning.figures import figures as learning_figures
from simulate.measures.catalogue import ATTENDANCE_BANDS, NOTICE_BANDS

Key = tuple[str, str, str]
ALL = "all"


def compute(
    engine: Engine,
    ledger: Ledger | None = None,
    learned: learning_adapter.Year | None = None,
    role_costs: dict[str, float] | None = None,
) -> dict[Key, float]:
    """Every figure of one run but the budget's (pass the run's merged ledger, and its learning
    inputs, if you already have them); `role_costs` (each role's recurring cost this year, from
    the study, which prices the year) gives small-group time its cost."""
    out: dict[Key, float] = {}
    ledger = ledger if ledger is not None else engine.ledger()
    weeks = engine.days.weeks or 1.0
    roles = engine.scenario.roles
    teacher_roles = {name for name, role in roles.items() if role.is_teacher}
    adults = [(school, a) for school in engine.schools for a in school.adults]
    count_by_role: defaultdict[str, int] = defaultdict(int)
    for _, a in adults:
        count_by_role[a.role_name] += 1
    teachers = sum(count_by_role[r] for r in teacher_roles)

    _coaching(out, engine, ledger, weeks, count_by_role, teacher_roles, teachers)
    bands = _attendance(out, engine)
    _small_group(out, engine, weeks, bands)
    _relationships(out, engine)
    _class_size(out, engine, teachers)
    _coverage(out, engine)
    _secondary(out, engine, weeks)
    _per_adult(out, engine)
    _workload(out, ledger, weeks, teacher_roles, teachers)
    _ledger_totals(out, ledger)
    _lost_shares(out)
    taught = engine.module(Instruction).results()
    out[("reach.students_on_led_teams_share", ALL, "value")] = _ratio(
        taught.led_student_days, taught.student_days
    )
    for module in engine.modules:
        out.update(module.figures())
    _learning(out, engine, ledger, role_costs or {}, learned or learning_adapter.year(engine))
    return out


def _learning(
    out: dict[Key, float],
    engine: Engine,
    ledger: Ledger,
    role_costs: dict[str, float],
    learned: learning_adapter.Year,
) -> None:
    """The learning estimate at the effect sizes' centres and what small-group time cost."""
    weeks = engine.days.weeks or 1.0
    reached = 0
    grouped = engine.module(SmallGroups).results()
    for tiers, tier, minutes in zip(grouped.tiers, grouped.tier, grouped.minutes, strict=True):
        target = tiers.dosage[tier]
        got = minutes / weeks
        reached += int(((target > 0) & (got >= REACHED * target)).sum())
    scheduled, delivered = learning_adapter.small_group_hours(ledger)
    cost = learning_adapter.small_group_cost(engine.scenario, role_costs)
    spent = SmallGroupCost(cost, scheduled, delivered, reached)
    out.update(learning_figures(learned, engine.scenario.learning, spent))


def _coaching(
    out: dict[Key, float],
    engine: Engine,
    ledger: Ledger,
    weeks: float,
    count_by_role: dict[str, int],
    teacher_roles: set[str],
    teachers: int,
) -> None:
    name = "coaching.observations_per_teacher_week"
    planned_t = ledger.total("observation", roles=teacher_roles)
    realized_t = ledger.total("observation", "delivered", roles=teacher_roles)
    out[(name, ALL, "planned")] = _ratio(planned_t, teachers * weeks)
    out[(name, ALL, "realized")] = _ratio(realized_t, teachers * weeks)
    coached = {role for (act, role, _, _) in ledger.amounts if act == "observation"}
    staffed = {role for role, n in count_by_role.items() if n}  # not roles defined but unused
    for role in sorted((coached | teacher_roles) & staffed):
        n = count_by_role.get(role, 0) * weeks
        out[(name, f"role={role}", "planned")] = _ratio(
            ledger.total("observation", roles={role}), n
        )
        out[(name, f"role={role}", "realized")] = _ratio(
            ledger.total("observation", "delivered", roles={role}), n
        )
    coaching = engine.module(Coaching).results()
    latency = np.array(coaching.latencies, dtype=np.float64)
    given = latency.size
    out[("coaching.feedback_latency_days", ALL, "mean")] = float(latency.mean()) if given else 0.0
    out[("coaching.feedback_latency_days", ALL, "p90")] = (
        percentiles(latency, 90)[0] if given else 0.0
    )
    on_time = coaching.on_time
    observed = ledger.total("observation", "delivered")
    out[("coaching.feedback_on_time_share", ALL, "value")] = _ratio(on_time, observed)
    out[("coaching.feedback_lost", ALL, "count")] = float(observed - given)
    weeks_seen = np.unique(engine.days.week[engine.days.instructional])
    observed_weeks = 0
    teacher_weeks = teachers * len(weeks_seen)
    for school, observations in zip(engine.schools, coaching.observed, strict=True):
        for adult in school.adults:
            if adult.role_name in teacher_roles and adult.index in observations:
                observed_weeks += int((observations[adult.index][weeks_seen] > 0).sum())
    out[("coaching.teacher_weeks_observed_share", ALL, "value")] = _ratio(
        observed_weeks, teacher_weeks
    )


REACHED = 0.9  # a student reaches the target with at least 90% of its weekly minutes


def _attendance(out: dict[Key, float], engine: Engine) -> np.ndarray:
    """Days absent per student, and students by the share of open days they missed (the
    attendance bands); returns each student's band (every school's students in turn)."""
    days = engine.days
    open_days = int((days.instructional & ~days.closed).sum())
    missed = _joined(engine.module(StudentAttendance).results().days_absent)
    share = missed / open_days if open_days else np.zeros(missed.size)
    band = np.zeros(missed.size, dtype=np.int64)
    for k, (_, low, _, _) in enumerate(ATTENDANCE_BANDS):
        band[share >= low - 1e-12] = k
    if missed.size:
        out[("attendance.days_absent_per_student", ALL, "mean")] = float(missed.mean())
        counts = np.bincount(band, minlength=len(ATTENDANCE_BANDS)) / missed.size
        for (name, *_), value in zip(ATTENDANCE_BANDS, counts, strict=True):
            out[("attendance.students_share", f"band={name}", "value")] = float(value)
    return band


def _small_group(out: dict[Key, float], engine: Engine, weeks: float, bands: np.ndarray) -> None:
    """Minutes per student per week and how they compare with each tier's target, overall, by
    tier and by attendance band; tiers are matched by name across schools (each school lists
    its own). A group with no student with a target has no share (not 0)."""
    name = "small_group.minutes_per_student_week"
    grouped = engine.module(SmallGroups).results()
    per_student = _joined([minutes / weeks for minutes in grouped.minutes])
    target = _joined([t.dosage[i] for t, i in zip(grouped.tiers, grouped.tier, strict=True)])
    tier = _joined(
        [
            np.array(t.names, dtype=object)[i]
            for t, i in zip(grouped.tiers, grouped.tier, strict=True)
        ]
    )
    names = list(dict.fromkeys(n for t in grouped.tiers for n in t.names))
    groups = [(ALL, np.ones(per_student.size, dtype=bool))]
    groups += [(f"tier={n}", tier == n) for n in names]
    for group, mask in groups:
        values = per_student[mask]
        out[(name, group, "mean")] = float(values.mean()) if values.size else 0.0
        spread = percentiles(values, 10, 50, 90) if values.size else [0.0] * 3
        for q, value in zip((10, 50, 90), spread, strict=True):
            out[(name, group, f"p{q}")] = value
    groups += [(f"band={b}", bands == k) for k, (b, *_) in enumerate(ATTENDANCE_BANDS)]
    for group, mask in groups:
        targeted = mask & (target > 0)
        got, wanted = per_student[targeted], target[targeted]
        if not got.size:
            continue
        out[("small_group.reaching_target_share", group, "value")] = float(
            (got >= REACHED * wanted).mean()
        )
        out[("small_group.reaching_target_share", group, "students")] = float(got.size)
        out[("small_group.target_delivered_share", group, "value")] = _ratio(
            np.minimum(got, wanted).sum(), wanted.sum()
        )
        out[("small_group.shortfall_minutes_week", group, "mean")] = float(
            np.maximum(wanted - got, 0.0).mean()
        )
    by_role = grouped.by_role
    total = sum(by_role.values())
    for role, value in sorted(by_role.items()):
        out[("small_group.delivered_by_share", f"role={role}", "value")] = _ratio(value, total)


def _joined(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0)


def known(engine: Engine) -> list[np.ndarray]:
    """Per school, whether each adult knows each student (students x adults): at least the
    scenario's contact threshold of minutes delivered together over the year."""
    threshold = engine.scenario.relationships.contact_threshold_minutes
    return [contact >= threshold for contact in contact_minutes(engine)]


def _relationships(out: dict[Key, float], engine: Engine) -> None:
    pairs = known(engine)
    per_student = np.concatenate([k.sum(axis=1) for k in pairs]) if pairs else np.zeros(0)
    per_adult = np.concatenate([k.sum(axis=0) for k in pairs]) if pairs else np.zeros(0)
    per_adult = per_adult[per_adult > 0]
    name = "relationships.adults_per_student"
    out[(name, ALL, "mean")] = float(per_student.mean()) if per_student.size else 0.0
    out[(name, ALL, "min")] = float(per_student.min()) if per_student.size else 0.0
    out[("relationships.students_per_adult", ALL, "mean")] = (
        float(per_adult.mean()) if per_adult.size else 0.0
    )


def _class_size(out: dict[Key, float], engine: Engine, teachers: int) -> None:
    """Students per homeroom (mean and largest, over every elementary school) and per teacher
    position (every school)."""
    homerooms = [s for s in engine.schools if s.timetable is None]
    sizes = np.concatenate(
        [np.bincount(s.students.classroom, minlength=s.spec.classrooms) for s in homerooms]
        or [np.zeros(0, dtype=np.int64)]
    )
    if homerooms:
        name = "class_size.students_per_homeroom"
        out[(name, ALL, "mean")] = _ratio(float(sizes.sum()), sizes.size)
        out[(name, ALL, "max")] = float(sizes.max()) if sizes.size else 0.0
    students = float(sum(s.students.count for s in engine.schools))
    out[("class_size.students_per_teacher", ALL, "value")] = _ratio(students, teachers)


def _coverage(out: dict[Key, float], engine: Engine) -> None:
    """What coverage needed and who answered: the fill rate over all requests, by notice and by
    school (none where nothing was asked), and the substitutes' months."""
    cover = engine.module(Coverage).results()
    out[("coverage.absences", ALL, "count")] = float(cover.absences)
    out[("coverage.vacancy_days", ALL, "count")] = float(cover.vacancy_days)
    out[("coverage.substitute_days", ALL, "count")] = float(cover.substitute_days)
    out[("coverage.long_term_substitute_days", ALL, "count")] = float(
        cover.long_term_substitute_days
    )
    # vacancies held by long-term substitutes never ask the pool
    totals: dict[str, list[int]] = {ALL: [0, 0]}
    for (notice, school), (asked, filled) in cover.requests.items():
        band = next(name for name, low, high, _ in NOTICE_BANDS if low <= notice <= high)
        for group in (f"notice={band}", f"school={school}", ALL):
            pair = totals.setdefault(group, [0, 0])
            pair[0] += asked
            pair[1] += filled
    for group, (asked, filled) in totals.items():
        out[("coverage.substitute_requests", group, "count")] = float(asked)
        if asked:
            out[("coverage.substitute_fill_rate", group, "value")] = filled / asked
    for role, minutes in sorted(cover.minutes.items()):
        out[("coverage.minutes", f"by={role}", "value")] = float(minutes)
    worked = cover.pool_days  # substitutes x school months: days worked
    if worked.size:
        out[("substitutes.pool_working_share", ALL, "value")] = float((worked > 0).mean())
        if (worked > 0).any():
            out[("substitutes.days_worked_per_month", ALL, "mean")] = float(
                worked[worked > 0].mean()
            )


def _per_adult(out: dict[Key, float], engine: Engine) -> None:
    """Absence days per adult, and coverage duties per adult with how evenly they fall, over
    everyone and by role."""
    scenario = engine.scenario
    away = engine.module(Availability).results().absence_days
    duties = engine.module(Coverage).results().duties
    adults = [a for school in engine.schools for a in school.adults]
    role = np.array([a.role_name for a in adults], dtype=object)
    absent = _joined([a.astype(float) for a in away])
    _spread(out, "absence.days_per_adult", ALL, absent, ("mean", "p90", "max"))
    covering = set(scenario.coverage.cascade)
    splits = SPLIT in covering
    who = np.array([a.role_name in covering or (splits and a.class_goes_on) for a in adults])
    covered = _joined(duties)
    stats = ("mean", "p90", "max", "gini", "top10")
    if who.any():
        _spread(out, "coverage.duties_per_adult", ALL, covered[who], stats)
    for name in sorted(set(role)):
        mine = role == name
        _spread(out, "absence.days_per_adult", f"role={name}", absent[mine], ("mean", "p90", "max"))
        if who[mine].any():
            _spread(out, "coverage.duties_per_adult", f"role={name}", covered[mine], stats)


def _spread(
    out: dict[Key, float], metric: str, group: str, values: np.ndarray, stats: tuple[str, ...]
) -> None:
    """A distribution's figures: mean, p90, max, and how unevenly it falls (Gini, the share of
    the most-loaded tenth), these two only when anyone has any."""
    figures = {
        "mean": float(values.mean()),
        "p90": percentiles(values, 90)[0],
        "max": float(values.max()),
    }
    total = float(values.sum())
    if total > 0:
        ordered = np.sort(values)[::-1]
        n = ordered.size
        ranks = np.arange(1, n + 1)
        figures["gini"] = float((n + 1 - 2 * (ranks * ordered).sum() / total) / n)
        figures["top10"] = float(ordered[: max(1, -(-n // 10))].sum() / total)
    for stat in stats:
        if stat in figures:
            out[(metric, group, stat)] = figures[stat]


def _secondary(out: dict[Key, float], engine: Engine, weeks: float) -> None:
    """The period day's figures, over the schools that have one (none: no figures): class
    size by course and level, students and sections per teacher, requests no section took,
    who took the periods of absent teachers and what that cost, tutoring sessions, students'
    absence by period, and the classes' ledger by period."""
    schools = [s for s in engine.schools if s.timetable is not None]
    if not schools:
        return
    sizes: defaultdict[str, list[float]] = defaultdict(list)
    daily: defaultdict[str, list[float]] = defaultdict(list)
    sections_taught: list[float] = []
    requests = unscheduled = 0
    for school in schools:
        table = school.timetable
        assert table is not None
        level = f"level={table.day.level}"
        classes = ~table.tutoring() & (table.adult != NONE)
        size = table.size()
        for s in np.flatnonzero(classes).tolist():
            course = table.day.courses[table.course[s]].name
            for group in (ALL, level, f"course={course}"):
                sizes[group].append(float(size[s]))
        per = table.day.periods_per_day
        for adult in school.adults:
            mine = np.flatnonzero(classes & (table.adult == adult.index))
            if not adult.role.is_teacher or not mine.size:
                continue
            for t in range(table.day.terms):
                here = mine[table.slot[mine] // per == t]
                if here.size:
                    seen = np.unique(np.concatenate([table.students[s] for s in here.tolist()]))
                    for group in (ALL, level):
                        daily[group].append(float(seen.size))
                    sections_taught.append(float(here.size))
        requests += table.requests
        unscheduled += table.unscheduled
    for group, values in sizes.items():
        out[("secondary.class_size", group, "mean")] = float(np.mean(values))
        out[("secondary.class_size", group, "max")] = float(np.max(values))
    for group, values in daily.items():
        out[("secondary.students_per_teacher_day", group, "mean")] = float(np.mean(values))
        out[("secondary.students_per_teacher_day", group, "max")] = float(np.max(values))
    out[("secondary.sections_per_teacher", ALL, "mean")] = (
        float(np.mean(sections_taught)) if sections_taught else 0.0
    )
    out[("secondary.unscheduled_share", ALL, "value")] = _ratio(unscheduled, requests)
    _secondary_cover(out, engine, schools)
    _secondary_tutoring(out, engine, schools, weeks)
    _secondary_periods(out, engine, schools)


def _secondary_cover(out: dict[Key, float], engine: Engine, schools: list[Roster]) -> None:
    """Who took the class periods of absent teachers, the periods teachers covered, and what
    an absent teacher's period cost in colleagues' planning and in instruction."""
    cover = engine.module(Coverage).cover
    status = engine.module(Availability).status
    periods = engine.module(PeriodCoverage).results()
    days = engine.days
    open_ = np.flatnonzero(days.instructional & ~days.closed)
    weeks_total = int(days.week.max()) + 1
    away = 0
    taken: defaultdict[str, float] = defaultdict(float)
    covered: list[float] = []
    for school in schools:
        table = school.timetable
        by = periods.by[school.number]
        assert table is not None and by is not None
        term = table.terms_of(days.week[open_], weeks_total)
        per = table.day.periods_per_day
        for s in np.flatnonzero(table.adult != NONE).tolist():
            a = int(table.adult[s])
            on = open_[term == table.slot[s] // per]
            gone = on[status[school.number][on, a] != PRESENT]
            who = cover[school.number][gone, a]
            if not school.adults[a].needs_cover:
                continue
            who = np.where(who == BY_PERIODS, by[gone, s], who)
            away += gone.size
            for code, count in zip(*np.unique(who, return_counts=True), strict=True):
                if code == NOT_ASKED:
                    continue
                name = (
                    "uncovered"
                    if code == UNCOVERED
                    else COVERERS[int(code)]
                    if code < 0
                    else school.adults[int(code)].role_name
                )
                taken[name] += float(count)
        for adult in school.adults:
            if adult.role.is_teacher and adult.role.periods:
                covered.append(float(periods.covered[school.number][adult.index]))
    out[("secondary.teacher_away_periods", ALL, "count")] = float(away)
    for name, count in sorted(taken.items()):
        out[("secondary.away_periods_by", f"by={name}", "value")] = _ratio(count, away)
    name = "secondary.covered_periods_per_teacher"
    out[(name, ALL, "mean")] = float(np.mean(covered)) if covered else 0.0
    out[(name, ALL, "max")] = float(np.max(covered)) if covered else 0.0
    planning = 0.0
    for school in schools:
        taken_by_cover = engine.timesheets[school.number].taken.get("coverage")
        if taken_by_cover is not None:
            planning += float(taken_by_cover[:, ACTIVITY["planning"]].sum())
    lost = 0.0
    for met in engine.module(Instruction).results().sections:
        if met is not None:
            lost += float(met.by_period[:, UNCOVERED_MINUTES].sum())
    out[("secondary.away_period_cost", ALL, "planning")] = _ratio(planning, away)
    out[("secondary.away_period_cost", ALL, "instruction")] = _ratio(lost, away)


def _secondary_tutoring(
    out: dict[Key, float], engine: Engine, schools: list[Roster], weeks: float
) -> None:
    """Tutoring sessions a week per student who takes a tutoring course, in all and by tier."""
    grouped = engine.module(SmallGroups).results()
    sessions, tiers = [], []
    for school in schools:
        table = school.timetable
        met = grouped.tutoring[school.number]
        assert table is not None
        tutoring = np.flatnonzero(table.tutoring())
        if met is None or not tutoring.size:
            continue
        tutored = np.unique(np.concatenate([table.students[s] for s in tutoring.tolist()]))
        sessions.append(met.sessions[tutored] / weeks)
        names = np.array([t.name for t in school.spec.need_tiers], dtype=object)
        tiers.append(names[school.students.tier[tutored]])
    if not sessions:
        return
    per_student, tier = np.concatenate(sessions), np.concatenate(tiers)
    name = "secondary.tutoring_sessions_per_student_week"
    for group, mask in [(ALL, np.ones(per_student.size, dtype=bool))] + [
        (f"tier={t}", tier == t) for t in dict.fromkeys(tier.tolist())
    ]:
        out[(name, group, "mean")] = float(per_student[mask].mean())
        out[(name, group, "p10")] = percentiles(per_student[mask], 10)[0]


def _secondary_periods(out: dict[Key, float], engine: Engine, schools: list[Roster]) -> None:
    """Period by period: the share of students' classes they missed (a day away, or a part-day
    absence) and the share of the classes' planned minutes lost (to friction, or uncovered)."""
    days = engine.days
    open_ = np.flatnonzero(days.instructional & ~days.closed)
    weeks_total = int(days.week.max()) + 1
    missed: defaultdict[str, float] = defaultdict(float)
    seats: defaultdict[str, float] = defaultdict(float)
    ledger: defaultdict[str, np.ndarray] = defaultdict(lambda: np.zeros(len(BY_PERIOD)))
    taught = engine.module(Instruction).results().sections
    for school in schools:
        table = school.timetable
        assert table is not None
        per = table.day.periods_per_day
        term = table.terms_of(days.week[open_], weeks_total)
        students = school.students
        for at in range(table.slots):
            who = np.flatnonzero(table.seat[:, at] != NONE)
            on = open_[term == at // per]
            if not who.size or not on.size:
                continue
            away = students.absent[np.ix_(on, who)]
            if students.skips is not None:
                away = away | students.skips[on, at % per][:, who]
            for group in (ALL, f"period={at % per + 1}"):
                missed[group] += float(away.sum())
                seats[group] += float(away.size)
        met = taught[school.number]
        if met is not None:
            for p in range(per):
                for group in (ALL, f"period={p + 1}"):
                    ledger[group] += met.by_period[p]
    for group in seats:
        out[("secondary.class_absence_share", group, "value")] = _ratio(missed[group], seats[group])
    for group, row in ledger.items():
        lost = row[BY_PERIOD.index("friction")] + row[UNCOVERED_MINUTES]
        out[("secondary.class_minutes_lost_share", group, "value")] = _ratio(lost, row[0])


def _workload(
    out: dict[Key, float], ledger: Ledger, weeks: float, teacher_roles: set[str], teachers: int
) -> None:
    for activity in ("planning", "collaboration"):
        name = f"workload.{activity}_minutes_per_teacher_week"
        planned = ledger.total(activity, roles=teacher_roles)
        realized = ledger.total(activity, "delivered", roles=teacher_roles)
        out[(name, ALL, "planned")] = _ratio(planned, teachers * weeks)
        out[(name, ALL, "realized")] = _ratio(realized, teachers * weeks)


def _ledger_totals(out: dict[Key, float], ledger: Ledger) -> None:
    """Planned, delivered, lost (to friction, by reason) and unused minutes per activity: the
    ledger in the metrics table. The ledger books time nobody needed as lost for the reason
    `unused`; here it is its own statistic, so `lost` counts friction only and planned =
    delivered + lost + unused."""
    for (activity, _role, outcome, detail), amount in ledger.amounts.items():
        group = f"activity={activity}"
        if outcome == "delivered":
            stats = ["delivered"]
        elif detail == UNUSED:
            stats = ["unused"]
        else:
            stats = [f"lost:{detail}", "lost"]
        for stat in ["planned", *stats]:
            out[("ledger", group, stat)] = out.get(("ledger", group, stat), 0.0) + amount


def _lost_shares(out: dict[Key, float]) -> None:
    """`ledger.lost_share`: lost (and unused) / planned per activity, in all and by reason."""
    for (metric, group, stat), amount in list(out.items()):
        if metric == "ledger" and (stat.startswith("lost") or stat == "unused"):
            planned = out[("ledger", group, "planned")]
            out[("ledger.lost_share", group, stat)] = _ratio(amount, planned)


def contact_minutes(engine: Engine) -> list[np.ndarray]:
    """Per school, the minutes each student spent with each adult (students x adults): taught
    as a class or in small groups, only minutes delivered."""
    taught = engine.module(Instruction).results().contact
    grouped = engine.module(SmallGroups).results().contact
    return [a + b for a, b in zip(taught, grouped, strict=True)]


def percentiles(values: np.ndarray, *qs: int) -> list[float]:
    """`np.percentile(values, q)` for each q, to the bit (its default linear method, the same
    arithmetic), of a non-empty 1-D array: numpy's costs as much as sorting the array a dozen
    times over, and a year's figures ask for a score of percentiles."""
    ordered = np.sort(values)
    last = ordered.size - 1
    out = []
    for q in qs:
        at = last * (q / 100)  # where q falls between the sorted values
        if at >= last or np.isnan(ordered[-1]):  # the top, or NaN as numpy gives
            out.append(float(ordered[-1]))
            continue
        low = math.floor(at)
        a, b, t = float(ordered[low]), float(ordered[low + 1]), at - low
        out.append(b - (b - a) * (1 - t) if t >= 0.5 else a + (b - a) * t)
    return out


def _ratio(num: float, den: float) -> float:
    return float(num) / float(den) if den else 0.0
