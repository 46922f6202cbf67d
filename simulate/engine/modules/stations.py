"""Station rotation: classrooms split into groups that rotate through stations; online stations
draw on the school's shared device pool (no device, no online minutes), booked once for the
year.

Every block of a day is alike and devices come back after each station slot, so a slot's groups
share the whole pool: classrooms of a wave ask in turn, the first asker rotating from day to day,
and each group's students in school take a device while any are left. Nobody waits for a
device: the groups of a slot all start together and a device comes back only when the slot
ends, when the next slot's groups (other students) start. So the shortage of every slot of
every open day is worked out at the end of the year, exactly, in one compiled loop over the
days of each slot (`_slot`; tests/oracle.py plays it another way, day by day and slot by
slot).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from simulate.engine.ledger import Ledger
from simulate.engine.module import Module
from simulate.engine.modules.closures import CLOSURE
from simulate.engine.roster import Roster
from simulate.schema.model import School

if TYPE_CHECKING:
    from simulate.engine.core import Engine

DEVICE_SHORTAGE = "device_shortage"
STUDENT_ABSENT = "student_absent"


@dataclass(frozen=True)
class Online:
    """What stations offer: per school, each student's online minutes."""

    minutes: list[np.ndarray]


class Stations(Module[Online]):
    name = "stations"
    order = 120
    reads = ("schools.*.rotation", "schools.*.devices")
    books = ("online",)
    losses = (DEVICE_SHORTAGE, STUDENT_ABSENT, CLOSURE)

    def __init__(self, run: Engine) -> None:
        super().__init__(run)
        self.minutes = [np.zeros(s.students.count) for s in run.schools]

    def year(self) -> None:
        days = self.run.days
        instructional = np.flatnonzero(days.instructional)
        closed = instructional[days.closed[instructional]]
        open_ = instructional[~days.closed[instructional]]
        school_day = self.run.school_days[open_]
        for school, online in zip(self.run.schools, self.minutes, strict=True):
            ledger = self.run.ledgers[school.number]
            planned = online_minutes_per_day(school.spec) * school.students.count
            ledger.lost("online", "student", planned * len(closed), CLOSURE)
            _year(school, ledger, online, open_, school_day)

    def results(self) -> Online:
        return Online(self.minutes)


def _year(
    school: Roster,
    ledger: Ledger,
    received: np.ndarray,
    open_days: np.ndarray,
    school_day: np.ndarray,
) -> None:
    """Online minutes of every open day (calendar days `open_days`, with their school-day
    numbers): for each student, and in the ledger."""
    rotation = school.spec.rotation
    if rotation is None or not open_days.size:
        return
    stations = rotation.stations
    n = len(stations)
    students = school.students
    devices = school.spec.devices
    pool = students.count if devices is None else devices
    present = ~students.absent[open_days]  # open days x students
    everyone = np.arange(students.count)
    groups = []  # each classroom's students in n groups, as np.array_split makes them
    for room in school.room_students:
        size, extra = divmod(room.stop - room.start, n)  # the first `extra` one larger
        cuts = [room.start + k * size + min(k, extra) for k in range(n + 1)]
        groups.append([everyone[lo:hi] for lo, hi in zip(cuts[:-1], cuts[1:], strict=True)])
    delivered = short = away = 0.0
    for wave in range(rotation.waves):
        rooms = [r for r in range(school.spec.classrooms) if r % rotation.waves == wave]
        if not rooms:
            continue
        shift = school_day % len(rooms)  # the room that asks first, each day
        for slot in range(n):
            online = [g for g in range(n) if stations[(g + slot) % n].kind == "online"]
            if not online:
                continue
            asking = [groups[room][g] for room in rooms for g in online]  # in base order
            sizes = np.array([m.size for m in asking])
            weight = np.array(
                [stations[(g + slot) % n].minutes for _ in rooms for g in online], dtype=np.int64
            )
            weight *= rotation.blocks_per_day
            members = np.concatenate(asking)  # the asking groups side by side
            gets = np.zeros(members.size, dtype=np.int64)
            minutes = _slot(present, members, sizes, weight, shift * len(online), pool, gets)
            received[members] += np.repeat(weight, sizes) * gets
            delivered += float(minutes[0])
            short += float(minutes[1])
            away += float(minutes[2])
    ledger.delivered("online", "student", delivered)
    ledger.lost("online", "student", short, DEVICE_SHORTAGE)
    ledger.lost("online", "student", away, STUDENT_ABSENT)


@njit(cache=True)
def _slot(present, members, sizes, weight, first, pool, gets):
    """One slot of one wave on every open day (`present`: open days x students, who is in
    school): the groups (their `members` side by side, group g's `sizes[g]` of them) ask in
    turn, group first[d] first on day d (modulo the groups), each group's students in school
    taking a device while any of the `pool` are left. Adds each member's days with a device to
    `gets`; returns the minutes (`weight`: each group's a day) delivered, short of a device,
    and of students away, as whole numbers."""
    groups = sizes.size
    start = np.zeros(groups + 1, dtype=np.int64)
    for g in range(groups):
        start[g + 1] = start[g] + sizes[g]
    count = np.zeros(groups, dtype=np.int64)
    minutes = np.zeros(3, dtype=np.int64)
    for d in range(present.shape[0]):
        for g in range(groups):
            count[g] = 0
            for i in range(start[g], start[g + 1]):
                if present[d, members[i]]:
                    count[g] += 1
        left = pool  # devices left for the groups still to ask, less those gone (may be < 0)
        for j in range(groups):
            g = (j + first[d]) % groups
            got = min(max(left, 0), count[g])
            left -= count[g]
            taken = 0
            for i in range(start[g], start[g + 1]):
                if taken < got and present[d, members[i]]:
                    gets[i] += 1
                    taken += 1
            minutes[0] += got * weight[g]
            minutes[1] += (count[g] - got) * weight[g]
            minutes[2] += (sizes[g] - count[g]) * weight[g]
    return minutes


def load_compiled() -> None:
    """Load the compiled slot, called with the types a year calls it with
    (simulate.engine.load_compiled)."""
    no = np.zeros(0, dtype=np.int64)
    _slot(np.zeros((0, 0), dtype=bool), no, no, no, no, 0, no.copy())


def online_minutes_per_day(school: School) -> int:
    rotation = school.rotation
    if rotation is None:
        return 0
    online = sum(s.minutes for s in rotation.stations if s.kind == "online")
    return rotation.blocks_per_day * online
