"""A deliberately plain oracle of the engine's bulk rules: small-group seating, online stations
and instruction written one adult, one session, one day at a time, to check the engine's numpy
against (tests/test_engine_oracle.py). Nothing here is fast; everything here is meant to be
read."""

from __future__ import annotations

import numpy as np

from simulate.engine import Engine
from simulate.engine.modules import small_groups
from simulate.engine.modules.availability import PRESENT, VACANT, Availability
from simulate.engine.modules.coverage import COVERERS, UNCOVERED, Coverage
from simulate.engine.modules.small_groups import Groups
from simulate.engine.modules.stations import DEVICE_SHORTAGE, STUDENT_ABSENT
from simulate.engine.roster import Roster
from simulate.engine.timesheet import INSTRUCTION


def seat(g: Groups, w, members: list[int], last_day: int) -> None:  # type: ignore[no-untyped-def]
    """Seat one round of a regrouping window (see engine.modules.small_groups), one adult at a time:
    list each student's sessions as candidates ranked by the need left before them, open a
    tier's sessions at every group-size-th candidate, take the sessions of all tiers in rank
    order while the adult's minutes last, and seat each held session's candidates."""
    school = g.school
    tiers = g.tiers
    for k in members:
        adult = w.adults[k]
        pool = g.pools.get(adult.index)
        if pool is None or not pool.size:
            continue
        caps = w.caps(g, pool)
        need = g.need(pool, last_day).tolist()
        # tier -> candidates (rank, level, student, length), best first
        lists: dict[int, list[tuple[int, int, int, int]]] = {}
        for student, cap, behind in zip(pool.tolist(), caps.tolist(), need, strict=True):
            tier = int(school.students.tier[student])
            length = int(tiers.session[tier])
            step = int(g.session_need(np.int64(length)))
            level = int(g.tiebreak[student])
            for n in range(cap):
                lists.setdefault(tier, []).append((behind - n * step, level, student, length))
        opened: list[tuple[int, int, int, int]] = []  # (rank, level, tier, length)
        sizes: dict[int, int] = {}
        for tier in sorted(lists):
            ranked = sorted(lists[tier], key=lambda c: (-c[0], -c[1]))
            lists[tier] = ranked
            students = len({c[2] for c in ranked})
            size = min(int(tiers.group_size[tier]), adult.role.group_size, students)
            sizes[tier] = size
            for place in range(0, len(ranked), size):
                rank, level, _, length = ranked[place]
                if place // size < w.slots[list(w.lengths).index(length), k]:
                    opened.append((rank, level, tier, length))
        held = dict.fromkeys(lists, 0)
        spent = 0.0
        for _, _, tier, length in sorted(opened, key=lambda s: (-s[0], -s[1])):
            if spent + length > w.minutes[k]:
                break
            spent += length
            held[tier] += 1
        w.used[k] += spent
        for tier, ranked in lists.items():
            for _, _, student, length in ranked[: held[tier] * sizes[tier]]:
                g.received[student] += length
                g.contact[student, adult.index] += length
                g.by_role[student, g.roles.index(adult.role_name)] += length
                w.taken[student] += 1


def plain_seating(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Make the engine seat small groups with `seat`."""
    monkeypatch.setattr(small_groups, "_seat", seat)


def online(school: Roster, open_days: np.ndarray, school_day: np.ndarray) -> dict:
    """Online station minutes, day by day, block by block, wave by wave, slot by slot: in each
    slot the wave's classrooms ask for devices in turn (the first asker moving on a room each
    day) and each group's students in school take one while any are left. Returns the minutes
    per student and the ledger amounts (delivered, device shortage, student absent)."""
    rotation = school.spec.rotation
    minutes = np.zeros(school.students.count)
    booked = {"delivered": 0.0, DEVICE_SHORTAGE: 0.0, STUDENT_ABSENT: 0.0}
    if rotation is None:
        return {"minutes": minutes, **booked}
    stations = rotation.stations
    n = len(stations)
    rooms = school.spec.classrooms
    students = school.students
    pool = students.count if school.spec.devices is None else school.spec.devices
    groups = [np.array_split(np.flatnonzero(students.classroom == r), n) for r in range(rooms)]
    for day, number in zip(open_days.tolist(), school_day.tolist(), strict=True):
        here = ~students.absent[day]
        for _block in range(rotation.blocks_per_day):
            for wave in range(rotation.waves):
                asking = [r for r in range(rooms) if r % rotation.waves == wave]
                shift = number % max(len(asking), 1)
                asking = asking[shift:] + asking[:shift]
                for slot in range(n):
                    left = pool  # devices come back after every slot
                    for room in asking:
                        for g, group in enumerate(groups[room]):
                            station = stations[(g + slot) % n]
                            if station.kind != "online":
                                continue
                            present = [s for s in group.tolist() if here[s]]
                            got = min(left, len(present))
                            left -= got
                            for s in present[:got]:
                                minutes[s] += station.minutes
                            booked["delivered"] += got * station.minutes
                            short = (len(present) - got) * station.minutes
                            booked[DEVICE_SHORTAGE] += short
                            away = (len(group) - len(present)) * station.minutes
                            booked[STUDENT_ABSENT] += away
    return {"minutes": minutes, **booked}


def instruction(engine: Engine, school: Roster) -> dict:
    """Instruction of one school, day by day and adult by adult, from what the timesheet left
    of each adult's instruction, who was in, and who covered whom: the minutes each student
    was taught, the minutes each student spent with each adult, the ledger's instruction lines
    and the student-days on a team whose leader was in post."""
    n = school.number
    left = engine.timesheets[n].left
    status = engine.module(Availability).status[n]
    cover = engine.module(Coverage).cover[n]
    students = school.students
    minutes = np.zeros(students.count)
    contact = np.zeros((students.count, len(school.adults)))
    ledger: dict[tuple[str, str, str], float] = {}
    led = 0.0
    days = engine.days
    school_day = -1
    for day in range(days.count):
        if not days.instructional[day]:
            continue
        school_day += 1
        if days.closed[day]:
            continue
        here = ~students.absent[day]
        for adult in school.adults:
            given = left[day, adult.index, INSTRUCTION]
            if not given:
                continue
            if status[day, adult.index] == PRESENT:
                key = (adult.role_name, "delivered", adult.role_name)
                ledger[key] = ledger.get(key, 0.0) + given
                if adult.homeroom >= 0:
                    taught, share = school.taught_by(adult)
                    for s in range(students.count)[taught]:
                        if here[s]:
                            minutes[s] += given * share
                            contact[s, adult.index] += given * share
                else:  # a co-teacher: contact, not minutes
                    room = school.co_taught_room(adult, school_day)
                    for s in range(students.count)[school.room_students[room]]:
                        if here[s]:
                            contact[s, adult.index] += given
                continue
            by = int(cover[day, adult.index])
            if by == UNCOVERED:
                key = (adult.role_name, "lost", "uncovered")
                ledger[key] = ledger.get(key, 0.0) + given
                continue
            name = COVERERS[by] if by < 0 else school.adults[by].role_name
            key = (adult.role_name, "delivered", name)
            ledger[key] = ledger.get(key, 0.0) + given
            taught, share = school.taught_by(adult)
            for s in range(students.count)[taught]:
                if here[s]:
                    minutes[s] += given * share
                    if by >= 0:
                        contact[s, by] += given * share
        for team in range(len(school.team_rooms)):
            leaders = [a for a in school.adults if a.role.leads_team and a.team == team]
            if any(status[day, a.index] != VACANT for a in leaders):
                led += int((students.team == team).sum())
    return {"minutes": minutes, "contact": contact, "ledger": ledger, "led": led}
