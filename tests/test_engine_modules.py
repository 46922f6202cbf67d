"""The module protocol (engine.module): what each sub-model declares is what it does."""

from __future__ import annotations

import gc
import sys
import types
import typing
import weakref
from functools import reduce
from operator import or_
from typing import Any

import numpy as np
import pytest
from conftest import BUNDLED
from pydantic import BaseModel

from simulate.engine import Engine
from simulate.engine.ledger import Ledger
from simulate.engine.module import Module
from simulate.engine.modules import LOSS_REASONS, MODULES
from simulate.engine.modules.attendance import StudentAttendance
from simulate.engine.modules.availability import Availability
from simulate.engine.modules.coaching import COACHING, Coaching
from simulate.engine.modules.coverage import Coverage, SubstitutePool, _bits, _nth_bit
from simulate.engine.modules.drills import Drills
from simulate.engine.modules.small_groups import SmallGroups
from simulate.engine.timesheet import Timesheet
from simulate.measures.compute import compute
from simulate.schema.loading import load_data, load_scenario, validate
from simulate.schema.model import ACTIVITIES, Scenario


def test_modules_are_found_and_run_in_their_declared_order() -> None:
    orders = [kind.order for kind in MODULES]
    assert orders == sorted(orders) and len(set(orders)) == len(orders)
    engine = Engine(load_scenario("scenarios/traditional.yaml"), 0)
    assert [type(m) for m in engine.modules] == list(MODULES)
    assert {kind.name for kind in MODULES} >= {
        "closures",
        "attrition",
        "availability",
        "attendance",
        "coverage",
        "testing",
        "instruction",
        "small_groups",
        "stations",
        "coaching",
        "duties",
    }


def test_every_activity_is_booked_by_exactly_one_module() -> None:
    """What friction leaves of an activity must be booked by someone, and by one module only,
    or the ledger would lose or double minutes."""
    booked = [activity for kind in MODULES for activity in kind.books]
    assert sorted(booked) == sorted([*ACTIVITIES, "online", "observation"])


def _field(model: Any, path: str) -> None:
    """Follow a declared field path (with * for any list item or mapping key) through the
    scenario model; AssertionError names the first part that is not there."""
    annotation: Any = model
    for part in path.split("."):
        annotation = _strip(annotation)
        origin = typing.get_origin(annotation)
        if part == "*":
            assert origin in (list, dict), f"{path}: '*' over a {annotation}"
            annotation = typing.get_args(annotation)[-1]
            continue
        assert isinstance(annotation, type) and issubclass(annotation, BaseModel), path
        assert part in annotation.model_fields, f"{path}: no field '{part}'"
        annotation = annotation.model_fields[part].annotation


def _strip(annotation: Any) -> Any:
    """A type without Annotated and Optional."""
    while True:
        if typing.get_origin(annotation) is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
            continue
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if typing.get_origin(annotation) in (typing.Union, types.UnionType):
            annotation = args[0]
            continue
        return annotation


@pytest.mark.parametrize("kind", MODULES, ids=lambda k: k.name)
def test_declared_parameters_are_fields_of_the_scenario(kind: type[Module[Any]]) -> None:
    for path in kind.reads:
        _field(Scenario, path)


@pytest.mark.parametrize(
    "name", ["traditional", "mcl_residents_tutors", "district", "high_tutoring"]
)
def test_a_finished_year_is_freed_as_soon_as_it_is_dropped(name: str) -> None:
    """No module keeps its run alive (the district runs the substitute market across schools,
    the high school the period day's modules): a year is freed when its last reference goes,
    not at the garbage collector's next pass, which held two years of a district in memory.
    Its metrics are read first, so the results modules keep (`kept`) are kept by then."""
    scenario = load_scenario(f"scenarios/{name}.yaml")
    gc.disable()
    try:
        engine = Engine(scenario, 0).run()
        compute(engine)
        year = weakref.ref(engine)
        del engine
        assert year() is None
    finally:
        gc.enable()


@pytest.mark.parametrize("kind", [SmallGroups, Coaching, Coverage, StudentAttendance, Availability])
def test_results_are_kept_once_the_year_is_over(kind: type[Module[Any]]) -> None:
    """Results read during the year are worked out afresh (they still change); once it is
    over, a module that keeps its results works them out once, whoever asks."""
    engine = Engine(load_scenario("scenarios/mcl_residents_tutors.yaml"), 0)
    module = engine.module(kind)
    assert module.results() is not module.results()
    engine.run()
    assert module.results() is module.results()


def test_an_undeclared_stream_is_refused() -> None:
    engine = Engine(load_scenario("scenarios/traditional.yaml"), 0)
    with pytest.raises(ValueError, match="does not declare"):
        engine.modules[0].rng("students", 0)


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_every_loss_in_the_ledger_is_a_declared_reason(path) -> None:
    ledger = Engine(load_scenario(path), 2).run().ledger()
    reasons = {detail for (_, _, outcome, detail) in ledger.amounts if outcome == "lost"}
    assert reasons and reasons <= set(LOSS_REASONS)


def test_the_market_picks_the_nth_substitute_of_a_set_of_any_size() -> None:
    """The board keeps sets of substitutes as ints' bits and picks a looker by its rank, the
    one numpy's ascending indices gave: in one word and across many."""
    rng = np.random.default_rng(5)
    for size in (3, 7, 64, 65, 200, 10_000):
        members = rng.random(size) < 0.4
        bits = _bits(members[None, :])[0]
        for n, index in enumerate(np.flatnonzero(members).tolist()):
            assert _nth_bit(bits, n) == index


def test_a_ledgers_totals_follow_entries_booked_after_it_was_asked() -> None:
    """Totals read each activity's entries from an index, rebuilt once entries have come
    since: a new entry, a merged ledger, or more on an entry already there all count."""
    ledger = Ledger()
    ledger.delivered("coaching", "mcl", 30.0)
    assert ledger.total("coaching") == 30.0
    ledger.delivered("coaching", "mcl", 15.0)  # the same entry, more
    ledger.lost("coaching", "teacher", 5.0, "coach_absent")  # a new entry
    assert ledger.total("coaching") == 50.0
    assert ledger.total("coaching", "lost", detail="coach_absent") == 5.0
    other = Ledger()
    other.delivered("instruction", "teacher", 300.0)
    other.delivered("coaching", "building_coach", 10.0)
    ledger.merge(other)
    assert ledger.total("coaching", "delivered") == 55.0
    assert ledger.total("coaching", roles={"building_coach"}) == 10.0
    assert ledger.total("instruction") == 300.0
    assert ledger.total("planning") == 0


def test_every_module_that_takes_coaching_time_runs_before_coaching(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Coaching works out the whole year at its end from the coaching minutes friction left
    each coach; a module that took coaching time and ran after it would be counted or missed
    depending on when it took them. In every bundled scenario, each module that takes coaching
    time (found by who was running when a timesheet's coaching minutes went down) runs
    before coaching."""
    takers: set[type[Module[Any]]] = set()
    for method in ("take", "take_on", "take_from"):
        original = getattr(Timesheet, method)

        def watched(sheet: Timesheet, *args: Any, _original: Any = original) -> None:
            before = float(sheet.left[:, :, COACHING].sum())
            _original(sheet, *args)
            if float(sheet.left[:, :, COACHING].sum()) < before:
                frame = sys._getframe(1)
                while not isinstance(frame.f_locals.get("self"), Module):
                    frame = frame.f_back
                takers.add(type(frame.f_locals["self"]))

        monkeypatch.setattr(Timesheet, method, watched)
    for path in BUNDLED:
        Engine(load_scenario(path), 1).run()
    assert {Availability, Coverage} <= takers
    assert [kind.name for kind in takers if kind.order >= Coaching.order] == []


def test_a_day_that_returns_a_bare_event_is_waited_for(monkeypatch: pytest.MonkeyPatch) -> None:
    """A module's day may return a SimPy event instead of its waits as a generator: the day
    waits for it before the next module runs (a minute after the bell changes nothing booked)."""
    scenario = load_scenario("scenarios/mcl_residents_tutors.yaml")
    plain = Engine(scenario, 2).run().ledger().amounts
    drills: list[float] = []
    after: list[float] = []
    grouping = SmallGroups.day

    def drill(self: Module[Any], today: Any) -> Any:
        drills.append(self.run.env.now)
        return self.run.env.timeout(1)

    def group(self: SmallGroups, today: Any) -> None:
        after.append(self.run.env.now)
        grouping(self, today)

    monkeypatch.setattr(Drills, "day", drill)
    monkeypatch.setattr(SmallGroups, "day", group)
    engine = Engine(scenario, 2).run()
    assert len(drills) == engine.days.instructional.sum()
    assert after == [now + 1 for now in drills]
    assert engine.ledger().amounts == plain


def test_the_market_board_keeps_its_order_and_lookers_as_a_plain_scan_finds_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The board keeps its open jobs in the order substitutes look at them, each day's, and
    who may take some job of each day, so a look need not scan every job of a large district.
    At every take of a 20-school district year, a plain scan of every slot must agree: the
    job taken is the first the substitute may take by key, equal keys by slot; and the lookers
    are everyone who may take some open job."""
    data = load_data("scenarios/traditional.yaml")  # its school 20 times, as bench_district
    data["schools"] = [dict(data["schools"][0], copies=20)]
    data["substitutes"] = dict(data["substitutes"], pool=20 * data["substitutes"]["pool"])
    engine = Engine(validate(data, "traditional x 20"), 3)
    pool = engine.module(Coverage).pool
    take = SubstitutePool._take
    takes = []

    def checked(board: SubstitutePool, who: int) -> None:
        open_ = [s for s, job in enumerate(board.slot_job) if job is not None]
        lookers = 0
        for s in open_:
            lookers |= board.slot_may[s]
        assert reduce(or_, board.day_may.values(), 0) == lookers
        mine = [s for s in open_ if board.slot_may[s] >> who & 1]
        first = min(mine, key=lambda s: (board.slot_key[s], s))
        expected = board.slot_job[first]
        take(board, who)
        assert expected is not None and (expected.school, expected.adult, expected.day) in (
            board.taken
        )
        assert board.slot_job[first] is None
        takes.append(who)

    monkeypatch.setattr(SubstitutePool, "_take", checked)
    engine.run()
    assert len(takes) > 1000 and not pool.on_day  # every day closed
