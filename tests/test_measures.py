"""The measures catalogue: it names exactly what a run computes, and every command sees the same
figures (ledger.lost_share included)."""

from __future__ import annotations

from collections import defaultdict
from typing import get_args

import numpy as np
import pytest
from conftest import BUNDLED, SCENARIOS
from hypothesis import given, settings
from hypothesis import strategies as st

import simulate
from simulate.budget.items import key_figures
from simulate.engine.core import Engine
from simulate.engine.modules import LOSS_REASONS
from simulate.measures import catalogue
from simulate.measures.catalogue import ALL, LOST, MEASURES, REASON, is_figure
from simulate.measures.compute import percentiles
from simulate.measures.formats import MONEY_COLUMNS, MULTIYEAR_MONEY, Kind
from simulate.schema.loading import load_scenario
from simulate.schema.model import Drills
from simulate.study.figures import figures as year_figures


@pytest.fixture(scope="module")
def emitted() -> dict[str, set[tuple[str, str, str]]]:
    """Every figure one year of each bundled scenario computes, by scenario file."""
    out = {}
    for path in BUNDLED:
        scenario = load_scenario(path)
        out[path.stem] = set(year_figures(Engine(scenario, 3, 0).run()))
    # figures shown only where a scenario models what the bundled ones leave off (drills)
    drilled = scenario.model_copy(
        update={"calendar": scenario.calendar.model_copy(update={"drills": Drills(days=10)})}
    )
    out[path.stem] |= set(year_figures(Engine(drilled, 3, 0).run()))
    return out


@pytest.mark.slow
def test_every_figure_a_run_computes_is_in_the_catalogue(
    emitted: dict[str, set[tuple[str, str, str]]],
) -> None:
    for stem, figures in emitted.items():
        names = catalogue.group_names(load_scenario(SCENARIOS / f"{stem}.yaml"))
        unknown = sorted(f for f in figures if not is_figure(*f, names))
        assert not unknown, (stem, unknown[:5])


def test_every_catalogue_entry_is_computed_by_some_bundled_scenario(
    emitted: dict[str, set[tuple[str, str, str]]],
) -> None:
    seen: defaultdict[tuple[str, str], set[str]] = defaultdict(set)
    for figures in emitted.values():
        for metric, group, statistic in figures:
            seen[(metric, group.partition("=")[0])].add(  # tier=intensive: tier
                REASON if statistic.startswith(LOST) else statistic
            )
    for m in MEASURES:
        for kind in m.groups:
            assert set(m.statistics) <= seen[(m.name, kind)], (m.name, kind)


def test_entries_are_complete_and_consistent() -> None:
    assert len({m.name for m in MEASURES}) == len(MEASURES)
    for m in MEASURES:
        assert m.label and m.unit and m.explain and m.statistics and m.groups, m.name
        assert m.kind in get_args(Kind) and m.better in (-1, 0, 1), m.name
        assert set(m.neutral) | {s for s, _ in m.kinds} <= set(m.statistics), m.name
        assert all(n.statistic in m.statistics for n in m.notes), m.name
        assert set(m.groups) <= {ALL, *catalogue.GROUP_KINDS}, m.name
        if ALL in m.groups and "role" in m.groups:
            assert m.everyone, m.name
    assert set(catalogue.REASONS) == set(LOSS_REASONS)
    assert set(catalogue.STATISTICS) >= {s for m in MEASURES for s in m.statistics} - {REASON}


def test_labels_for_one_statistic_are_made_from_the_entry() -> None:
    latency = catalogue.measure("coaching.feedback_latency_days")
    word = catalogue.statistic_word
    assert f"{latency.label}, {word('p90')} ({latency.unit})" == (
        "Feedback latency, 90th percentile (days)"
    )
    assert catalogue.group_title("tier=intensive") == "Tier intensive"
    assert catalogue.group_title("activity=small_group") == "Small groups"
    with pytest.raises(KeyError, match="no.such"):
        catalogue.measure("no.such")


def test_budget_figures_carry_their_exact_total_columns() -> None:
    exact = catalogue.exact_budget()
    assert exact["budget.total"] == ("recurring", "recurring_difference")
    assert exact["budget.per_pupil"] == ("recurring_per_pupil", "recurring_per_pupil_difference")
    # every headline figure is a key figure of the money model, its difference named after it
    figures = key_figures(load_scenario(SCENARIOS / "traditional.yaml"))
    assert {total for total, _ in exact.values()} == set(figures)
    assert all(diff == f"{total}_difference" for total, diff in exact.values())
    kinds = {m: catalogue.measure(m).kind for m in exact}
    assert {m for m, k in kinds.items() if k != "money"} == {"budget.teacher_positions"}


def test_a_run_reports_lost_shares_as_lost_over_planned_each_year() -> None:
    scenario = load_scenario(SCENARIOS / "traditional.yaml")
    result = simulate.run(scenario, seed=5, replications=2)
    m = result.metrics
    shares = m[m.metric == "ledger.lost_share"]
    assert len(shares) and set(shares.group) <= {g for g in m.group if g.startswith("activity=")}
    ledger = m[m.metric == "ledger"].set_index(["replication", "group", "statistic"])["value"]
    for row in shares.itertuples(index=False):
        planned = ledger[(row.replication, row.group, "planned")]
        lost = ledger.get((row.replication, row.group, row.statistic), 0.0)
        assert row.value == (lost / planned if planned else 0.0)
    assert "ledger.lost_share" in result.summary()["metrics"]


def test_money_columns_are_one_registry() -> None:
    assert set(MULTIYEAR_MONEY) <= MONEY_COLUMNS
    assert {m.exact[0] for m in MEASURES if m.exact and m.kind == "money"} <= MONEY_COLUMNS
    assert not {c for c in MONEY_COLUMNS if c.endswith("teacher_positions")}


@settings(max_examples=300, deadline=None)
@given(
    values=st.one_of(
        st.lists(st.floats(0, 1e4, allow_nan=False), min_size=1, max_size=60),
        st.lists(st.integers(0, 40), min_size=1, max_size=60),
        st.lists(st.sampled_from([0.0, 1 / 3, 0.5, 2 / 3, 7.25]), min_size=1, max_size=60),
    ),
    qs=st.lists(st.integers(0, 100), min_size=1, max_size=4),
)
def test_percentiles_are_numpys_to_the_bit(values: list[float], qs: list[int]) -> None:
    """The figures' percentiles are numpy's default percentile exactly, ties and integers too."""
    array = np.array(values)
    got = percentiles(array, *qs)
    assert [x.hex() for x in got] == [float(np.percentile(array, q)).hex() for q in qs]
