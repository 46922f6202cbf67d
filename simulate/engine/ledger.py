"""The one ledger every output reads from: planned = delivered + lost, to the minute.

Each entry is (activity, role, outcome, detail) -> amount, where outcome is 'delivered'
(detail: who delivered it) or 'lost' (detail: the reason). Planned is their sum, so the
identity holds by construction and the tests check it against the schedules independently.
Loss reasons are declared by the modules that book them (see engine.modules.LOSS_REASONS);
`unused` is the ledger's own: time set aside that nothing used, which measures keep apart from
friction.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

UNUSED = "unused"  # time set aside that nothing used (no one due, no student free)


Key = tuple[str, str, str, str]


class Ledger:
    def __init__(self) -> None:
        self.amounts: defaultdict[Key, float] = defaultdict(float)
        # each activity's entries, in the order they came (measures ask a hundred totals a
        # year): built when asked, again once entries have come since
        self._by_activity: dict[str, list[Key]] = {}
        self._indexed = 0

    def delivered(self, activity: str, role: str, amount: float, by: str | None = None) -> None:
        if amount:
            self.amounts[(activity, role, "delivered", by or role)] += amount

    def lost(self, activity: str, role: str, amount: float, reason: str) -> None:
        if amount:
            self.amounts[(activity, role, "lost", reason)] += amount

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
        amounts = self.amounts
        return sum(
            amounts[key]
            for key in self._entries(activity)
            if (outcome is None or key[2] == outcome)
            and (roles is None or key[1] in roles)
            and (detail is None or key[3] == detail)
        )

    def _entries(self, activity: str) -> list[Key]:
        """The activity's entries, in the order they came (as `amounts` lists them)."""
        if self._indexed != len(self.amounts):  # entries are never removed
            self._by_activity = {}
            for key in self.amounts:
                self._by_activity.setdefault(key[0], []).append(key)
            self._indexed = len(self.amounts)
        return self._by_activity.get(activity, [])
