"""Station rotation: classrooms split into groups that rotate through stations; online stations
draw on the school's shared device pool (no device, no online minutes), booked once for the
year.

Every block of a day is alike and devices come back after each station slot, so a slot's groups
share the whole pool: classrooms of a wave ask in turn, the first asker rotating from day to day,
and each group's students in school take a device while any are left. Nobody waits for a
device: the groups of a slot all start together and a device comes back only when the slot
ends, when the next slot's groups (other students) start. So the shortage of every slot of
every open day is worked out at once, exactly (tests/oracle.py plays it day by day).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

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
    groups = [
        np.array_split(np.flatnonzero(students.classroom == room), n)
        for room in range(school.spec.classrooms)
    ]
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
            weight = np.array([stations[(g + slot) % n].minutes for _ in rooms for g in online])
            weight *= rotation.blocks_per_day
            # the asking groups side by side, so one pass counts, for every group at once, who
            # is in school and how many of its students in school come before each
            members = np.concatenate(asking)
            here = present[:, members]
            seen = np.zeros((len(open_days), members.size + 1), dtype=np.int64)
            np.cumsum(here, axis=1, out=seen[:, 1:])
            start = np.cumsum(sizes) - sizes
            count = seen[:, start + sizes] - seen[:, start]  # days x groups
            order = (np.arange(len(asking)) + (shift * len(online))[:, None]) % len(asking)
            ask = np.take_along_axis(count, order, axis=1)
            before = np.cumsum(ask, axis=1) - ask
            got = np.zeros_like(count)
            np.put_along_axis(got, order, np.clip(pool - before, 0, ask), axis=1)
            rank = seen[:, 1:] - np.repeat(seen[:, start], sizes, axis=1)
            gets = here & (rank <= np.repeat(got, sizes, axis=1))
            received[members] += np.repeat(weight, sizes) * gets.sum(axis=0)
            delivered += float((got * weight).sum())
            short += float(((count - got) * weight).sum())
            away += float(((sizes - count) * weight).sum())
    ledger.delivered("online", "student", delivered)
    ledger.lost("online", "student", short, DEVICE_SHORTAGE)
    ledger.lost("online", "student", away, STUDENT_ABSENT)


def online_minutes_per_day(school: School) -> int:
    rotation = school.rotation
    if rotation is None:
        return 0
    online = sum(s.minutes for s in rotation.stations if s.kind == "online")
    return rotation.blocks_per_day * online
