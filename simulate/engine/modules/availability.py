"""Absences and availability: who is in school each day.

Each holder of a position starts an absence on a day with the role's `absence_rate` times a
gamma draw of its own (`absence_cv`: a few people carry much of the total, as in NCTQ's
figures); an episode lasts 1 + Poisson(`absences.mean_extra_days`) days, at most
`absences.max_days`. An episode is known in advance with chance `absences.known_ahead_share`
(training, planned leave), with a geometric notice of `absences.mean_notice_days` school days;
otherwise (illness) it is reported the morning it starts, all its days at once. Whoever holds
classroom c draws the same absences in every arrangement. An absent adult's plans are lost,
but its class, where it needs cover, goes on (engine.modules.coverage). Offers each school's
status matrix (calendar days x adults: PRESENT, ABSENT or VACANT, a vacancy first), and for
each day away the school days of notice it gave, to the modules after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from simulate.engine.attendance import staff_multiplier
from simulate.engine.module import Module, kept
from simulate.engine.roster import Adult

if TYPE_CHECKING:
    from simulate.engine.core import Engine

ABSENCE = "absence"
PRESENT, ABSENT, VACANT = 0, 1, 2


@dataclass(frozen=True)
class Presence:
    """What availability offers: per role, the days its holders were in school while it was
    open (what hourly staff are paid for); per school, each adult's days absent."""

    days_worked: dict[str, float]
    absence_days: list[np.ndarray]


class Availability(Module[Presence]):
    name = "availability"
    order = 30
    reads = ("roles.*.absence_rate", "roles.*.absence_cv", "absences")
    streams = ("absence_propensity", "absence", "episode")
    losses = (ABSENCE,)

    def __init__(self, run: Engine) -> None:
        super().__init__(run)
        self.status: list[np.ndarray] = []  # per school: calendar days x adults
        self.rows: list[list[list[int]]] = []  # the same as lists per day (fast to read)
        # per school: calendar days x adults, the school days of notice each day away gave
        # (0: reported that morning); a vacancy is known from its first day
        self.notice: list[np.ndarray] = []
        for school, sheet in zip(run.schools, run.timesheets, strict=True):
            notice = np.zeros((run.days.count, len(school.adults)), dtype=np.int32)
            for adult in school.adults:
                adult.absent, notice[:, adult.index] = self._absences(adult)
            status = np.where(_columns([a.absent for a in school.adults], notice), ABSENT, PRESENT)
            status = status.astype(np.int8)
            vacant = _columns([a.vacant for a in school.adults], notice)
            status[vacant] = VACANT
            for k in np.flatnonzero(vacant.any(axis=0)).tolist():
                days = np.flatnonzero(vacant[:, k])
                notice[days, k] = days - days[0]
            self.notice.append(notice)
            self.status.append(status)
            alike: dict[bytes, list[int]] = {}  # most days look alike: share their lists
            rows = []
            for row in status:
                rows.append(alike.setdefault(row.tobytes(), row.tolist()))
            self.rows.append(rows)
            sheet.take_away(ABSENCE, status == ABSENT)

    def _absences(self, adult: Adult) -> tuple[np.ndarray, np.ndarray]:
        """The days the adult is away, and the notice each gave."""
        n_days = self.run.days.count
        absent = np.zeros(n_days, dtype=bool)
        notice = np.zeros(n_days, dtype=np.int32)
        role = adult.role
        if role.absence_rate <= 0:
            return absent, notice
        rate = role.absence_rate  # 1 means always absent, whatever the spread
        if rate < 1:
            spread = staff_multiplier(role.absence_cv, self.rng("absence_propensity", *adult.key))
            rate = min(1.0, rate * spread)
        starts = self.rng("absence", *adult.key).random(n_days) < rate
        episodes = self.run.scenario.absences
        # an episode's length, then (drawn after, so lengths stay as they were) its notice
        told = self.rng("episode", *adult.key)
        lengths = np.minimum(1 + told.poisson(episodes.mean_extra_days, n_days), episodes.max_days)
        ahead = told.random(n_days) < episodes.known_ahead_share
        days_ahead = np.where(ahead, told.geometric(1.0 / episodes.mean_notice_days, n_days), 0)
        _episodes(starts, lengths, days_ahead, absent, notice)
        return absent, notice

    @kept
    def results(self) -> Presence:
        days = self.run.days
        open_ = days.instructional & ~days.closed
        worked: dict[str, float] = {}
        away = []
        for school, status in zip(self.run.schools, self.status, strict=True):
            present = (status[open_] == PRESENT).sum(axis=0)
            for adult in school.adults:
                worked[adult.role_name] = worked.get(adult.role_name, 0.0) + float(
                    present[adult.index]
                )
            away.append((status[open_] == ABSENT).sum(axis=0))
        return Presence(worked, away)


def _columns(per_adult: list[np.ndarray], shaped: np.ndarray) -> np.ndarray:
    """Each adult's days (a bool per calendar day) as a column of a days x adults matrix, of
    the shape of `shaped`."""
    return np.stack(per_adult, axis=1) if per_adult else np.zeros(shaped.shape, dtype=bool)


@njit(cache=True)
def _episodes(starts, lengths, days_ahead, absent, notice):
    """Mark the days of each episode absent (`absent`) and the notice each day gave (`notice`):
    an episode begins on each day drawn as a start, unless one is under way, and lasts its
    length; it was posted its days ahead before its start, but not before the year's first
    day."""
    end = 0
    for start in range(starts.size):
        if not starts[start] or start < end:
            continue
        end = start + lengths[start]
        posted = max(0, start - days_ahead[start])
        for day in range(start, min(end, starts.size)):
            absent[day] = True
            notice[day] = day - posted


def load_compiled() -> None:
    """Load the compiled episodes, called with the types a year calls them with
    (simulate.engine.load_compiled)."""
    days, flags = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
    _episodes(flags, days, days, flags.copy(), np.zeros(0, dtype=np.int32))
