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
from simulate.engine.modules.small_groups import UNIT, Groups, Window
from simulate.engine.modules.stations import DEVICE_SHORTAGE, STUDENT_ABSENT
from simulate.engine.roster import NO_TEAM, Adult, Roster
from simulate.engine.timesheet import INSTRUCTION


def seat(g: Groups, w: Window) -> None:
    """Seat a regrouping window (see engine.modules.small_groups) round by round, one adult at
    a time: first the adults whose caseload is their class or a sharing team's, then the other
    adults of teams, then the school's staff, each round on the needs the rounds before left.
    For an adult: list each student's sessions as candidates ranked by the need left before
    them; for each tier try 1, 2, 3, ... sessions, each number seating the best candidates it
    can (the number times the group size ranked first among each student's first that-many),
    and rank each added session by the best candidate it adds; take the sessions of all tiers
    in rank order while the adult's minutes last; seat the seats of the sessions held, each
    student's in turn round the sessions, and credit each seat with the students of its
    session."""
    school = g.school
    tiers = g.tiers
    taken = np.zeros(school.students.count, dtype=int)  # each student's sessions so far

    def seats_in(adult: Adult) -> int:
        if adult.team == NO_TEAM:
            return 3
        return 1 if school.team_shares[adult.team] or adult.homeroom >= 0 else 2

    leading = [a for a in school.adults if w.minutes[a.index] > 0]
    for adult in sorted(leading, key=seats_in):  # in the roster's order within a round
        k = adult.index
        pool = g.caseload(k)
        if not pool.size:
            continue
        days = w.present_days[pool] * tiers.daily_cap[school.students.tier[pool]]
        caps = [max(int(d) - int(taken[s]), 0) for d, s in zip(days, pool, strict=True)]
        # how far behind its target each student is by the window's end, in 1/UNIT minutes a
        # school-week day, the target's size last (see small_groups._need)
        need = [
            (int(g.dosage[s]) * (w.last_day + 1) - int(g.received[s]) * g.days_per_week) * UNIT
            + int(g.dosage[s])
            for s in pool.tolist()
        ]
        # tier -> candidates (rank, level, student, length, number), best first
        lists: dict[int, list[tuple[int, int, int, int, int]]] = {}
        for student, cap, behind in zip(pool.tolist(), caps, need, strict=True):
            tier = int(school.students.tier[student])
            length = int(tiers.session[tier])
            step = int(g.session_need(np.int64(length)))
            level = int(g.tiebreak[student])
            for n in range(cap):
                lists.setdefault(tier, []).append((behind - n * step, level, student, length, n))
        opened: list[tuple[int, int, int, int]] = []  # (rank, level, tier, length)
        seats: dict[int, list[list[tuple[int, int, int, int, int]]]] = {}  # tier -> by sessions
        for tier in sorted(lists):
            ranked = sorted(lists[tier], key=lambda c: (-c[0], -c[1]))
            students = len({c[2] for c in ranked})
            size = min(int(tiers.group_size[tier]), adult.role.group_size, students)
            length = ranked[0][3]
            seats[tier] = [[]]
            for sessions in range(1, len(ranked) + 1):
                allowed = [c for c in ranked if c[4] < sessions]
                now = allowed[: sessions * size]
                added = [c for c in now if c not in seats[tier][-1]]
                if not added or sessions > w.slots[list(tiers.lengths).index(length), k]:
                    break
                opened.append((added[0][0], added[0][1], tier, length))
                seats[tier].append(now)
        held = dict.fromkeys(lists, 0)
        spent = 0.0
        for _, _, tier, length in sorted(opened, key=lambda s: (-s[0], -s[1])):
            if spent + length > w.minutes[k]:
                break
            spent += length
            held[tier] += 1
        w.used[k] += spent
        place = {student: i for i, student in enumerate(pool.tolist())}
        for tier, sessions in held.items():
            if not sessions:
                continue
            rows: list[list[tuple[int, int, int, int, int]]] = [[] for _ in range(sessions)]
            turn = sorted(seats[tier][sessions], key=lambda c: (place[c[2]], c[4]))
            for q, candidate in enumerate(turn):
                rows[q % sessions].append(candidate)
            for row in rows:
                assert len({c[2] for c in row}) == len(row), "a student twice in one session"
                for _, _, student, length, _ in row:
                    g.received[student] += length
                    g.contact[student, adult.index] += length
                    leader = g.leaders.index((adult.role_name, adult.team != NO_TEAM))
                    g.by_leader[student, leader, len(row) - 1] += length
                    taken[student] += 1


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
                    # the team's (or the school's) rooms in turn, one a day
                    team, every = adult.team, range(school.spec.classrooms)
                    rooms = school.team_rooms[team] if team != NO_TEAM else every
                    room = list(rooms)[school_day % len(rooms)]
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
