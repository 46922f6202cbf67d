"""Station rotation: classrooms split into groups that rotate through stations; online stations
draw on the school's shared device pool (no device, no online minutes).

Every block of a day is alike and devices come back after each station slot, so a slot's groups
share the whole pool: classrooms of a wave ask in turn, the first asker rotating from day to day,
and each group's students in school take a device while any are left. `year` works out every
open day of the year at once."""

from __future__ import annotations

import numpy as np

from simulate.engine.ledger import Loss
from simulate.engine.school import SchoolState
from simulate.schema.model import School


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
