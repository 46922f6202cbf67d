"""Station rotation: classrooms split into groups that rotate through stations; online stations
draw on the school's shared device pool (no device, no online minutes).

Every block of a day is alike and devices come back after each station slot, so a slot's groups
share the whole pool: classrooms of a wave ask in turn, the first asker rotating from day to day,
and each group's students in school take a device while any are left. `rotation` plays one day
as a SimPy process with the pool as a container (the reference engine); `year` works out every
open day of the year at once (the engine)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import simpy

from simulate.engine.ledger import Loss
from simulate.engine.school import SchoolState
from simulate.schema.model import School

if TYPE_CHECKING:
    from simulate.engine.school import Run


class Stations:
    def __init__(self, run: Run) -> None:
        self.run = run

    def equip(self, school: SchoolState) -> None:
        """The school's device pool: its device count, or one per student when none is given."""
        if school.spec.rotation is None:
            return
        capacity = school.spec.devices
        if capacity is None:
            capacity = school.students.count
        if capacity > 0:
            school.devices = simpy.Container(self.run.env, capacity, init=capacity)

    def closed(self, school: SchoolState) -> None:
        """A closed day: every online minute planned for every student is lost."""
        online = online_minutes_per_day(school.spec) * school.students.count
        school.ledger.lost("online", "student", online, Loss.CLOSURE)

    def rotation(self, school: SchoolState):  # type: ignore[no-untyped-def]
        """One day of rotation blocks (a SimPy process): devices are taken and given back."""
        env = self.run.env
        rotation = school.spec.rotation
        devices = school.devices  # None when the school has no devices at all
        assert rotation is not None
        stations = rotation.stations
        n = len(stations)
        rooms = school.spec.classrooms
        students = school.students
        groups = [
            np.array_split(np.flatnonzero(students.classroom == room), n) for room in range(rooms)
        ]
        for _block in range(rotation.blocks_per_day):
            for wave in range(rotation.waves):
                wave_rooms = [r for r in range(rooms) if r % rotation.waves == wave]
                # rotate who asks first, so shortages fall on every classroom in turn
                shift = self.run.school_day % max(len(wave_rooms), 1)
                wave_rooms = wave_rooms[shift:] + wave_rooms[:shift]
                for slot in range(n):
                    taken: list[int] = []
                    for room in wave_rooms:
                        for g, group in enumerate(groups[room]):
                            station = stations[(g + slot) % n]
                            if station.kind != "online" or not group.size:
                                continue
                            present = group[school.present[group]]
                            got = min(int(devices.level), present.size) if devices else 0
                            if got:
                                yield devices.get(got)
                                taken.append(got)
                            school.received.online[present[:got]] += station.minutes
                            ledger = school.ledger
                            minutes = station.minutes
                            ledger.delivered("online", "student", got * minutes)
                            short = (present.size - got) * minutes
                            ledger.lost("online", "student", short, Loss.DEVICE_SHORTAGE)
                            away = (group.size - present.size) * minutes
                            ledger.lost("online", "student", away, Loss.STUDENT_ABSENT)
                    yield env.timeout(max(s.minutes for s in stations))
                    for got in taken:
                        yield devices.put(got)


def closed_days(school: SchoolState, days: int) -> None:
    """Closed days: every online minute planned for every student is lost."""
    online = online_minutes_per_day(school.spec) * school.students.count * days
    school.ledger.lost("online", "student", online, Loss.CLOSURE)


def year(school: SchoolState, open_days: np.ndarray, school_day: np.ndarray) -> None:
    """Online minutes of every open day (calendar days `open_days`, with their school-day
    numbers), as `rotation` would give them day by day."""
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
            minutes = np.array([stations[(g + slot) % n].minutes for _ in rooms for g in online])
            count = np.stack([present[:, m].sum(axis=1) for m in asking], axis=1)  # days x groups
            order = (np.arange(len(asking)) + (shift * len(online))[:, None]) % len(asking)
            ask = np.take_along_axis(count, order, axis=1)
            before = np.cumsum(ask, axis=1) - ask
            got = np.zeros_like(count)
            np.put_along_axis(got, order, np.clip(pool - before, 0, ask), axis=1)
            blocks = rotation.blocks_per_day
            for j, members in enumerate(asking):
                if not members.size:
                    continue
                here = present[:, members]
                rank = np.cumsum(here, axis=1)
                gets = here & (rank <= got[:, j : j + 1])
                school.received.online[members] += minutes[j] * blocks * gets.sum(axis=0)
            weight = minutes * blocks
            sizes = np.array([m.size for m in asking])
            delivered += float((got * weight).sum())
            short += float(((count - got) * weight).sum())
            away += float(((sizes - count) * weight).sum())
    school.ledger.delivered("online", "student", delivered)
    school.ledger.lost("online", "student", short, Loss.DEVICE_SHORTAGE)
    school.ledger.lost("online", "student", away, Loss.STUDENT_ABSENT)


def online_minutes_per_day(school: School) -> int:
    rotation = school.rotation
    if rotation is None:
        return 0
    online = sum(s.minutes for s in rotation.stations if s.kind == "online")
    return rotation.blocks_per_day * online
