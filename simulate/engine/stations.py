"""Station rotation: classrooms split into groups that rotate through stations; online stations
draw on the school's shared device pool (no device, no online minutes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import simpy

from simulate.engine.ledger import Loss
from simulate.engine.school import SchoolState
from simulate.schema.model import School

if TYPE_CHECKING:
    from simulate.engine.core import Engine


class Stations:
    def __init__(self, run: Engine) -> None:
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


def online_minutes_per_day(school: School) -> int:
    rotation = school.rotation
    if rotation is None:
        return 0
    online = sum(s.minutes for s in rotation.stations if s.kind == "online")
    return rotation.blocks_per_day * online
