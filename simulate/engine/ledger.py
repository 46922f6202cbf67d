"""The one ledger every output reads from: planned = delivered + lost, to the minute.

Each entry is (activity, role, outcome, detail) -> amount, where outcome is 'delivered'
(detail: who delivered it) or 'lost' (detail: the reason, a `Loss`). Planned is their sum, so
the identity holds by construction and the tests check it against the schedules independently.
"""

from __future__ import annotations

from collections import defaultdict
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


class Loss(StrEnum):
    """Why planned time was lost; the value is what the ledger and every output show."""

    ABSENCE = "absence"  # the adult was absent
    VACANCY = "vacancy"  # the position was vacant
    COVERAGE = "coverage"  # the adult was covering a class
    CLOSURE = "closure"  # the school was closed
    TESTING = "testing"  # a testing window cancelled the activity
    DEVICE_SHORTAGE = "device_shortage"  # no device for an online station
    COACH_ABSENT = "coach_absent"
    COACHEE_ABSENT = "coachee_absent"
    CAPACITY = "capacity"  # the coach had no coaching time left
    UNCOVERED = "uncovered"  # nobody could cover the absent teacher's class
    UNUSED = "unused"  # time set aside that nothing used (no one due, no student free)
    STUDENT_ABSENT = "student_absent"  # the student was absent (student-minute ledgers)


LOSS_REASONS = tuple(reason.value for reason in Loss)


class Ledger:
    def __init__(self) -> None:
        self.amounts: defaultdict[tuple[str, str, str, str], float] = defaultdict(float)

    def delivered(self, activity: str, role: str, amount: float, by: str | None = None) -> None:
        if amount:
            self.amounts[(activity, role, "delivered", by or role)] += amount

    def lost(self, activity: str, role: str, amount: float, reason: Loss) -> None:
        if amount:
            self.amounts[(activity, role, "lost", reason.value)] += amount

    def merge(self, other: Ledger) -> None:
        for key, amount in other.amounts.items():
            self.amounts[key] += amount

    def frame(self) -> pd.DataFrame:
        import pandas as pd

        rows = [(*key, amount) for key, amount in sorted(self.amounts.items())]
        return pd.DataFrame(rows, columns=["activity", "role", "outcome", "detail", "amount"])

    def total(
        self,
        activity: str,
        outcome: str | None = None,
        roles: set[str] | None = None,
        detail: str | None = None,
    ) -> float:
        return sum(
            amount
            for (act, role, out, det), amount in self.amounts.items()
            if act == activity
            and (outcome is None or out == outcome)
            and (roles is None or role in roles)
            and (detail is None or det == detail)
        )
