"""Attrition: a holder of a position may leave once during the year (the role's
`attrition_rate`), and the position stands vacant while the district hires
(`coverage.hiring_delay_days`). A vacant position's plans are lost; its class, where it needs
cover, goes on with a long-term substitute or the cascade (engine.modules.coverage)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from simulate.engine.module import Module

if TYPE_CHECKING:
    from simulate.engine.core import Engine

VACANCY = "vacancy"


@dataclass(frozen=True)
class Vacancies:
    """What attrition offers: per role, the position-days vacant (no salary is paid) and the
    holders who left (each is replaced). A leaver is seen by the vacancy it leaves, so one
    replaced the same day is not counted."""

    vacancy_days: dict[str, float]
    leavers: dict[str, float]


class Attrition(Module[Vacancies]):
    name = "attrition"
    order = 20
    reads = ("roles.*.attrition_rate", "coverage.hiring_delay_days")
    streams = ("attrition",)
    losses = (VACANCY,)

    def __init__(self, run: Engine) -> None:
        super().__init__(run)
        n_days = run.days.count
        delay = run.scenario.coverage.hiring_delay_days
        for school, sheet in zip(run.schools, run.timesheets, strict=True):
            for adult in school.adults:
                rate = adult.role.attrition_rate
                if rate <= 0:
                    continue
                leaves, when = self.rng("attrition", *adult.key).random(2)
                if leaves < rate:
                    vacant = np.zeros(n_days, dtype=bool)
                    start = int(when * n_days)
                    vacant[start : start + delay] = True
                    adult.vacant = vacant
            away = np.stack([a.vacant for a in school.adults], axis=1)
            sheet.take_away(VACANCY, away)

    def results(self) -> Vacancies:
        vacant: dict[str, float] = {}
        leavers: dict[str, float] = {}
        for school in self.run.schools:
            for adult in school.adults:
                empty = int(adult.vacant.sum())
                if empty:
                    vacant[adult.role_name] = vacant.get(adult.role_name, 0.0) + float(empty)
                    leavers[adult.role_name] = leavers.get(adult.role_name, 0.0) + 1.0
        return Vacancies(vacant, leavers)
