"""Covering absent adults: the district substitute pool shared by all schools of a run, then each
school's coverage cascade (e.g. tutor, resident, MCL, coach, split the class). Covering a class
takes the coverer's minutes (see core: what covering cancels) and credits the absent adult's
students with the instruction they still received."""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulate.engine.instruction import Instruction
from simulate.engine.ledger import Loss
from simulate.engine.roster import NO_TEAM, Adult
from simulate.engine.school import SchoolState, Status

if TYPE_CHECKING:
    from simulate.engine.school import Run

SUBSTITUTE = "substitute"
LONG_TERM_SUBSTITUTE = "long_term_substitute"
SPLIT = "split"


class Coverage:
    def __init__(self, run: Run) -> None:
        self.run = run
        self.scenario = run.scenario

    def needs_cover(self, adult: Adult) -> bool:
        roles = self.scenario.coverage.needs_cover
        return adult.role_name in roles if roles else adult.role.homeroom

    @staticmethod
    def class_minutes(adult: Adult) -> int:
        """Minutes a covering adult spends with the absent adult's class."""
        return adult.role.schedule.get("instruction", 0) + adult.role.schedule.get("small_group", 0)

    def place_substitutes(self, schools: list[SchoolState]) -> None:
        """Fill absences from the district pool, by role priority, then rotating school order."""
        run = self.run
        subs = self.scenario.substitutes
        cover = self.scenario.coverage
        priority = {role: i for i, role in enumerate(subs.fill_priority)}
        n = len(schools)
        wanted: list[tuple[int, int, int, SchoolState, Adult]] = []
        for school in schools:
            for adult in school.adults:
                status = school.status[adult.index]
                if status == Status.PRESENT or not self.needs_cover(adult):
                    continue
                if status == Status.VACANCY:
                    school.vacancy_days += 1
                    if cover.vacancy_cover == LONG_TERM_SUBSTITUTE:
                        school.long_term_substitute_days += 1
                        self.covered(school, adult, LONG_TERM_SUBSTITUTE)
                        continue
                else:
                    school.absences += 1
                rank = priority.get(adult.role_name)
                if rank is not None:
                    school.substitute_requests += 1
                    order = (school.number - run.school_day) % n
                    wanted.append((rank, order, adult.index, school, adult))
                else:
                    school.awaiting_cover.append(adult)
        wanted.sort(key=lambda w: w[:3])
        for i, (_, _, _, school, adult) in enumerate(wanted):
            if i < subs.per_day:
                school.substitute_days += 1
                self.covered(school, adult, SUBSTITUTE)
            else:
                school.awaiting_cover.append(adult)

    def cascade(self, school: SchoolState) -> None:
        """Cover what the pool could not, with the scenario's cascade of adults, in order."""
        week = self.run.week
        for absent in sorted(school.awaiting_cover, key=lambda a: a.index):
            by: Adult | str | None = None
            for step in self.scenario.coverage.cascade:
                if step == SPLIT:
                    peers = [
                        a
                        for a in school.adults
                        if a.team == absent.team
                        and a.homeroom >= 0
                        and a is not absent
                        and school.status[a.index] == Status.PRESENT
                    ]
                    if absent.team != NO_TEAM and peers:
                        by = SPLIT
                        break
                    continue
                coverer = self._free_adult(school, step, absent.team, week)
                if coverer is not None:
                    school.cover_minutes[coverer.index] += self.class_minutes(absent)
                    by = coverer
                    break
            if by is None:
                self.uncovered(school, absent)
            else:
                self.covered(school, absent, by)

    def _free_adult(self, school: SchoolState, role: str, team: int, week: int) -> Adult | None:
        for wanted_team in (team, NO_TEAM):
            for adult in school.adults:
                if (
                    adult.role_name == role
                    and adult.team == wanted_team
                    and school.status[adult.index] == Status.PRESENT
                    and school.cover_minutes[adult.index] == 0
                    and "coverage" in adult.role.duties_in_week(week)
                ):
                    return adult
        return None

    def planned_instruction(self, adult: Adult) -> int:
        """Instruction the adult planned today: none in weeks its ramp does not allow it."""
        if "instruction" not in adult.role.duties_in_week(self.run.week):
            return 0
        return adult.role.schedule.get("instruction", 0)

    def covered(self, school: SchoolState, absent: Adult, by: Adult | str) -> None:
        """The absent adult's class is taught by `by` (an adult of the school, a substitute or
        the split class): its students present get the instruction, and a covering adult of
        the school the contact of exactly those minutes."""
        minutes = self.planned_instruction(absent)
        name = by if isinstance(by, str) else by.role_name
        school.coverage_minutes[name] = school.coverage_minutes.get(name, 0) + self.class_minutes(
            absent
        )
        if absent.homeroom >= 0:
            school.ledger.delivered("instruction", absent.role_name, minutes, by=name)
            taught, share = school.taught_by(absent)
            coverer = by.index if isinstance(by, Adult) else None
            Instruction.credit_class(school, taught, minutes * share, coverer)

    def uncovered(self, school: SchoolState, absent: Adult) -> None:
        if absent.homeroom >= 0:
            minutes = self.planned_instruction(absent)
            school.ledger.lost("instruction", absent.role_name, minutes, Loss.UNCOVERED)


# When an adult covers a class, its own plans are cancelled in this order.
CANCEL_ORDER = (
    "small_group",
    "coaching",
    "collaboration",
    "planning",
    "supervision",
    "instruction",
)


def cancelled_by_cover(plan: list[tuple[str, int]], cover: float) -> dict[str, float]:
    """Minutes of each planned activity that covering a class cancels, in CANCEL_ORDER."""
    if cover <= 0:
        return {}
    planned = dict(plan)
    out: dict[str, float] = {}
    for activity in CANCEL_ORDER:
        take = min(cover, planned.get(activity, 0))
        if take:
            out[activity] = take
            cover -= take
    return out
