"""Coaching: each coach keeps a book of coachees with observations due at the plan's rate.

An observation happens only if coach and coachee are both present and the coach has coaching
time left that day (else it is lost, with the reason); feedback follows the same day if time
allows, else at the next chance."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulate.engine.ledger import Loss
from simulate.engine.roster import Adult
from simulate.engine.school import Appointment, SchoolState, Status
from simulate.schema.model import CoachingPlan

if TYPE_CHECKING:
    from simulate.engine.school import Run


class Coaching:
    def __init__(self, run: Run) -> None:
        self.run = run

    def plan(self, school: SchoolState) -> None:
        """Write each coach's book: its coachees under every plan, staggered through the week."""
        weeks = int(self.run.days.week.max()) + 1
        for plan in self.run.scenario.coaching:
            for coach in school.adults:
                if coach.role_name != plan.coach:
                    continue
                coachees = [
                    a
                    for a in school.adults
                    if a.role_name in plan.coachees
                    and a is not coach
                    and (plan.scope == "school" or a.team == coach.team)
                ]
                book = school.appointments.setdefault(coach.index, [])
                for j, coachee in enumerate(coachees):
                    phase = j / max(len(coachees), 1)
                    due = self._rhythm(plan, phase)
                    book.append(Appointment(plan, coachee.index, phase, due))
                    school.observed.setdefault(coachee.index, np.zeros(weeks))
        days = int(self.run.days.instructional.sum())
        for coach, book in school.appointments.items():
            school.agenda[coach] = _agenda(book, days)

    def _rhythm(self, plan: CoachingPlan, phase: float) -> np.ndarray:
        """Observations due on each school day: an even rhythm at the plan's rate, staggered by
        the coachee's phase."""
        rate = plan.observations_per_week / self.run.days.days_per_week
        k = np.arange(int(self.run.days.instructional.sum()), dtype=float)
        return (np.floor((k + 1) * rate + phase) - np.floor(k * rate + phase)).astype(np.int64)

    def due(self, appointment: Appointment) -> int:
        """Observations due today for this appointment."""
        return int(appointment.due[self.run.school_day])

    def _due_today(self, school: SchoolState, coach: Adult) -> list[tuple[Appointment, int]]:
        """Today's appointments with observations due, in the order the coach takes them."""
        return school.agenda[coach.index][self.run.school_day]

    def miss(self, school: SchoolState, coach: Adult, reason: Loss) -> None:
        """The coach cannot coach today: every observation due is lost for `reason`."""
        for appt, due in self._due_today(school, coach):
            coachee = school.adults[appt.coachee]
            school.ledger.lost("observation", coachee.role_name, due, reason)

    def coach(self, school: SchoolState, coach: Adult, minutes: float, short: Loss) -> float:
        """Give the feedback owed, then observe today's appointments while time allows.

        Feedback waits for a day the coach has time and the coachee is present; past the
        plan's feedback window it is lost. An observation that does not fit today is lost for
        `short` (no time left, or time taken by coverage). Returns the minutes used."""
        day = self.run.school_day
        capacity = minutes
        still: list[tuple[int, int, CoachingPlan]] = []
        for coachee, observed_on, plan in school.pending_feedback.get(coach.index, []):
            if day - observed_on > plan.feedback_window_days:
                continue  # too late to be useful: lost
            if school.status[coachee] == Status.PRESENT and capacity >= plan.feedback_minutes:
                capacity -= plan.feedback_minutes
                self._feedback(school, day - observed_on, plan)
            else:
                still.append((coachee, observed_on, plan))
        school.pending_feedback[coach.index] = still
        week = int(self.run.days.week[self.run.day])
        for appt, due in self._due_today(school, coach):
            coachee = school.adults[appt.coachee]
            status = school.status[coachee.index]
            for _ in range(due):
                if status != Status.PRESENT:
                    reason = Loss.VACANCY if status == Status.VACANCY else Loss.COACHEE_ABSENT
                    school.ledger.lost("observation", coachee.role_name, 1, reason)
                elif capacity >= appt.plan.observation_minutes:
                    capacity -= appt.plan.observation_minutes
                    school.ledger.delivered("observation", coachee.role_name, 1, coach.role_name)
                    school.observed[coachee.index][week] += 1
                    if capacity >= appt.plan.feedback_minutes:
                        capacity -= appt.plan.feedback_minutes
                        self._feedback(school, 0, appt.plan)
                    else:
                        still.append((coachee.index, day, appt.plan))
                else:
                    school.ledger.lost("observation", coachee.role_name, 1, short)
        return minutes - capacity

    @staticmethod
    def _feedback(school: SchoolState, latency: int, plan: CoachingPlan) -> None:
        school.feedback_latency.append(latency)
        if latency <= plan.feedback_window_days:
            school.feedback_on_time += 1


def _agenda(book: list[Appointment], days: int) -> list[list[tuple[Appointment, int]]]:
    """For each school day, the appointments with observations due and how many, starting from
    a book position that moves each day, so a short day does not always fall on the same
    coachees."""
    agenda: list[list[tuple[Appointment, int]]] = [[] for _ in range(days)]
    if not book:
        return agenda
    due = np.array([appt.due for appt in book])  # appointments x days
    position, day = np.nonzero(due)
    turn = (position - day % len(book)) % len(book)
    for i in np.lexsort((turn, day)).tolist():
        agenda[day[i]].append((book[position[i]], int(due[position[i], day[i]])))
    return agenda
