"""Metrics of one run, named as in DESIGN.md, read from the engine's ledger and arrays.

Every figure is a float keyed by (metric, group, statistic); weekly figures are per
instructional week. Empty denominators give 0, never NaN. What each metric means, and how it
is shown, is in catalogue.py; every command (run, compare, sweep) takes its figures from here.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from simulate.budget import items as budget
from simulate.budget.items import Usage
from simulate.engine.core import Engine
from simulate.engine.ledger import Ledger, Loss
from simulate.learning import adapter as learning_adapter
from simulate.learning.figures import SmallGroupCost
from simulate.learning.figures import figures as learning_figures

Key = tuple[str, str, str]
ALL = "all"


def usage(engine: Engine) -> Usage:
    """What the year used that the budget prices: days on site, substitute days, and per role
    the position-days vacant (no salary is paid) and the holders who left (each is replaced).
    A leaver is seen by the vacancy it leaves, so one replaced the same day is not counted."""
    days: defaultdict[str, float] = defaultdict(float)
    vacant: defaultdict[str, float] = defaultdict(float)
    leavers: defaultdict[str, float] = defaultdict(float)
    for school in engine.schools:
        for adult in school.adults:
            days[adult.role_name] += float(school.days_worked[adult.index])
            empty = int(adult.vacant.sum())
            if empty:
                vacant[adult.role_name] += float(empty)
                leavers[adult.role_name] += 1.0
    return Usage(
        days_worked=dict(days),
        substitute_days=float(sum(s.substitute_days for s in engine.schools)),
        long_term_substitute_days=float(sum(s.long_term_substitute_days for s in engine.schools)),
        vacancy_days=dict(vacant),
        leavers=dict(leavers),
    )


def compute(
    engine: Engine, ledger: Ledger | None = None, learned: learning_adapter.Year | None = None
) -> dict[Key, float]:
    """Every figure of one run (pass the run's merged ledger, and its learning inputs, if you
    already have them)."""
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
    _small_group(out, engine, weeks)
    _relationships(out, engine)
    _class_size(out, engine, teachers)
    _coverage(out, engine)
    _workload(out, ledger, weeks, teacher_roles, teachers)
    _ledger_totals(out, ledger)
    _lost_shares(out)
    student_days = sum(s.student_days for s in engine.schools)
    led = sum(s.led_student_days for s in engine.schools)
    out[("reach.students_on_led_teams_share", ALL, "value")] = _ratio(led, student_days)
    items = budget.line_items(engine.scenario, usage(engine))
    _budget(out, engine, items)
    _learning(out, engine, ledger, items, learned or learning_adapter.year(engine))
    return out


def _budget(out: dict[Key, float], engine: Engine, items: list[budget.LineItem]) -> None:
    """This year's recurring cost (one-off start-up costs are the budget's, not a year's): it
    varies between years with vacancies, leavers, substitute days and hours worked."""
    scenario = engine.scenario
    total = budget.recurring_total(items)
    out[("budget.total", ALL, "value")] = float(total)
    out[("budget.per_pupil", ALL, "value")] = float(budget.per_pupil(total, scenario.enrollment))


def _learning(
    out: dict[Key, float],
    engine: Engine,
    ledger: Ledger,
    items: list[budget.LineItem],
    learned: learning_adapter.Year,
) -> None:
    """The learning estimate at the effect sizes' centres and what small-group time cost."""
    weeks = engine.days.weeks or 1.0
    reached = 0
    for school in engine.schools:
        target = school.tiers.dosage[school.students.tier]
        got = school.received.small_group / weeks
        reached += int(((target > 0) & (got >= REACHED * target)).sum())
    scheduled, delivered = learning_adapter.small_group_hours(ledger)
    by_role: defaultdict[str, float] = defaultdict(float)
    for item in items:
        if item.recurring and item.role:
            by_role[item.role] += float(item.amount)
    cost = learning_adapter.small_group_cost(engine.scenario, dict(by_role))
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
    latency = np.array([x for s in engine.schools for x in s.feedback_latency], dtype=float)
    given = latency.size
    out[("coaching.feedback_latency_days", ALL, "mean")] = float(latency.mean()) if given else 0.0
    out[("coaching.feedback_latency_days", ALL, "p90")] = (
        float(np.percentile(latency, 90)) if given else 0.0
    )
    on_time = sum(s.feedback_on_time for s in engine.schools)
    observed = ledger.total("observation", "delivered")
    out[("coaching.feedback_on_time_share", ALL, "value")] = _ratio(on_time, observed)
    out[("coaching.feedback_lost", ALL, "count")] = float(observed - given)
    weeks_seen = [w for w in np.unique(engine.days.week[engine.days.instructional])]
    observed_weeks = 0
    teacher_weeks = teachers * len(weeks_seen)
    for school in engine.schools:
        for adult in school.adults:
            if adult.role_name in teacher_roles and adult.index in school.observed:
                observed_weeks += int((school.observed[adult.index][weeks_seen] > 0).sum())
    out[("coaching.teacher_weeks_observed_share", ALL, "value")] = _ratio(
        observed_weeks, teacher_weeks
    )


REACHED = 0.9  # a student reaches the target with at least 90% of its weekly minutes


def _small_group(out: dict[Key, float], engine: Engine, weeks: float) -> None:
    """Minutes per student per week and how they compare with each tier's target, overall and
    by tier; tiers are matched by name across schools (each school lists its own)."""
    name = "small_group.minutes_per_student_week"
    schools = engine.schools
    per_student = _joined([s.received.small_group / weeks for s in schools])
    target = _joined([s.tiers.dosage[s.students.tier] for s in schools])
    tier = _joined([np.array(s.tiers.names, dtype=object)[s.students.tier] for s in schools])
    names = list(dict.fromkeys(n for s in schools for n in s.tiers.names))
    groups = [(ALL, np.ones(per_student.size, dtype=bool))]
    groups += [(f"tier={n}", tier == n) for n in names]
    for group, mask in groups:
        values = per_student[mask]
        out[(name, group, "mean")] = float(values.mean()) if values.size else 0.0
        for q in (10, 50, 90):
            out[(name, group, f"p{q}")] = float(np.percentile(values, q)) if values.size else 0.0
        targeted = mask & (target > 0)
        got, wanted = per_student[targeted], target[targeted]
        out[("small_group.reaching_target_share", group, "value")] = _ratio(
            (got >= REACHED * wanted).sum(), got.size
        )
        out[("small_group.target_delivered_share", group, "value")] = _ratio(
            np.minimum(got, wanted).sum(), wanted.sum()
        )
        short = np.maximum(wanted - got, 0.0)
        out[("small_group.shortfall_minutes_week", group, "mean")] = (
            float(short.mean()) if short.size else 0.0
        )
    by_role: defaultdict[str, float] = defaultdict(float)
    for school in schools:
        for role, minutes in school.small_group_by_role.items():
            by_role[role] += minutes
    total = sum(by_role.values())
    for role, value in sorted(by_role.items()):
        out[("small_group.delivered_by_share", f"role={role}", "value")] = _ratio(value, total)


def _joined(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0)


def _relationships(out: dict[Key, float], engine: Engine) -> None:
    threshold = engine.scenario.relationships.contact_threshold_minutes
    known = [school.contact >= threshold for school in engine.schools]
    per_student = np.concatenate([k.sum(axis=1) for k in known]) if known else np.zeros(0)
    per_adult = np.concatenate([k.sum(axis=0) for k in known]) if known else np.zeros(0)
    per_adult = per_adult[per_adult > 0]
    name = "relationships.adults_per_student"
    out[(name, ALL, "mean")] = float(per_student.mean()) if per_student.size else 0.0
    out[(name, ALL, "min")] = float(per_student.min()) if per_student.size else 0.0
    out[("relationships.students_per_adult", ALL, "mean")] = (
        float(per_adult.mean()) if per_adult.size else 0.0
    )


def _class_size(out: dict[Key, float], engine: Engine, teachers: int) -> None:
    """Students per homeroom (mean and largest, over every school) and per teacher position."""
    sizes = np.concatenate(
        [np.bincount(s.students.classroom, minlength=s.spec.classrooms) for s in engine.schools]
    )
    students = float(sizes.sum())
    name = "class_size.students_per_homeroom"
    out[(name, ALL, "mean")] = _ratio(students, sizes.size)
    out[(name, ALL, "max")] = float(sizes.max()) if sizes.size else 0.0
    out[("class_size.students_per_teacher", ALL, "value")] = _ratio(students, teachers)


def _coverage(out: dict[Key, float], engine: Engine) -> None:
    def total(field: str) -> float:
        return float(sum(getattr(s, field) for s in engine.schools))

    out[("coverage.absences", ALL, "count")] = total("absences")
    out[("coverage.vacancy_days", ALL, "count")] = total("vacancy_days")
    # the daily pool's fill rate; vacancies held by long-term substitutes never ask the pool
    out[("coverage.substitute_fill_rate", ALL, "value")] = _ratio(
        total("substitute_days"), total("substitute_requests")
    )
    out[("coverage.substitute_days", ALL, "count")] = total("substitute_days")
    out[("coverage.long_term_substitute_days", ALL, "count")] = total("long_term_substitute_days")
    by: defaultdict[str, float] = defaultdict(float)
    for school in engine.schools:
        for role, minutes in school.coverage_minutes.items():
            by[role] += minutes
    for role, minutes in sorted(by.items()):
        out[("coverage.minutes", f"by={role}", "value")] = minutes


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
        elif detail == Loss.UNUSED:
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


def _ratio(num: float, den: float) -> float:
    return float(num) / float(den) if den else 0.0
