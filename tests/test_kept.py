"""Years kept between runs (study.kept, the web app's): a year is simulated once for a model,
seed and replication, and a comparison that reuses kept years gives the same figures as one
that runs them all."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import build, data

from simulate.schema.loading import apply_overrides
from simulate.study import compare as compare_module
from simulate.study.compare import compare, simulate_years
from simulate.study.kept import KeptYears, model_key

DAYS = {"calendar.school_days": 30, "calendar.testing_windows": []}  # short years, quick


@pytest.fixture
def simulated(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, tuple[int, ...]]]:
    """Every (scenario, replications) a comparison sends to be simulated, in this process."""
    sent: list[tuple[str, tuple[int, ...]]] = []
    run = compare_module.run_replications

    def counting(scenario: Any, seed: int, reps: Any) -> Any:
        sent.append((scenario.name, tuple(reps)))
        return run(scenario, seed, reps)

    monkeypatch.setattr(compare_module, "run_replications", counting)
    return sent


def short(name: str, **fields: Any) -> Any:
    return build(apply_overrides(data(name), {**DAYS, **fields}))


def test_a_comparison_run_again_simulates_nothing_and_gives_the_same_figures(
    simulated: list[tuple[str, tuple[int, ...]]],
) -> None:
    kept = KeptYears()
    specs = [short("traditional"), short("mcl_teams")]
    first = compare(specs, seed=4, replications=3, workers=1, kept=kept)
    assert sorted(r for _, reps in simulated for r in reps) == [0, 0, 1, 1, 2, 2]
    simulated.clear()
    progress: list[tuple[int, int]] = []
    again = compare(
        specs, seed=4, replications=3, workers=1, kept=kept, progress=lambda *p: progress.append(p)
    )
    assert simulated == [] and progress == [(6, 6)]
    assert again.summary.to_csv() == first.summary.to_csv()
    assert again.differences.to_csv() == first.differences.to_csv()


def test_only_the_years_not_kept_are_simulated_and_the_result_is_as_if_all_were_run(
    simulated: list[tuple[str, tuple[int, ...]]],
) -> None:
    kept = KeptYears()
    spec = short("mcl_teams")
    simulate_years([spec], seed=1, replications=2, workers=1, kept=kept)
    simulated.clear()
    progress: list[tuple[int, int]] = []
    (more,) = simulate_years(
        [spec], 1, 4, workers=1, kept=kept, progress=lambda *p: progress.append(p)
    )
    assert sorted(r for _, reps in simulated for r in reps) == [2, 3]  # 0 and 1 were kept
    assert progress[-1] == (4, 4) and progress[0][0] > 2  # the kept years count as done
    (fresh,) = simulate_years([spec], 1, 4, workers=1)
    assert more.metrics.equals(fresh.metrics) and more.ledger.equals(fresh.ledger)


def test_a_year_is_kept_by_its_model_seed_and_replication_not_by_its_name() -> None:
    """A set of levers saved under a new name (and new notes) is the same model; a changed
    figure is another model, and another seed other years."""
    plain = data("mcl_teams")
    renamed = apply_overrides(
        plain, {"name": "Levers saved", "description": "Saved from the levers page"}
    )
    renamed["notes"] = {}
    assert model_key(build(renamed)) == model_key(build(plain))
    paid = apply_overrides(plain, {"roles.mcl.supplement": 12041})
    assert model_key(build(paid)) != model_key(build(plain))
    kept = KeptYears()
    (year,) = compare_module.run_replications(short("traditional"), 0, range(1))
    kept.put("model", 0, year)
    assert kept.get("model", 0, 0) is not None
    assert kept.get("model", 1, 0) is None and kept.get("other", 0, 0) is None


def test_the_least_recently_used_years_are_let_go_past_the_limit() -> None:
    kept = KeptYears(limit=2)
    years = compare_module.run_replications(short("traditional"), 0, range(3))
    kept.put("m", 0, years[0])
    kept.put("m", 0, years[1])
    assert kept.get("m", 0, 0) is not None  # year 0 used last: year 1 goes first
    kept.put("m", 0, years[2])
    assert len(kept) == 2 and kept.get("m", 0, 1) is None
    assert kept.get("m", 0, 0) is not None and kept.get("m", 0, 2) is not None
