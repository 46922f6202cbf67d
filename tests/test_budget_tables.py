"""Budget tables by role and by category agree with the line items they summarise."""

from __future__ import annotations

import ast
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import ROOT, build, data

import simulate
from simulate.budget import items as b
from simulate.study import budget_tables as t


def _dec(x: float) -> Decimal:
    return Decimal(str(x))


@pytest.mark.parametrize("name", ["traditional", "mcl_residents_tutors", "lab_rotation"])
def test_role_table_alone_counts_every_position_and_prices_every_role_line(name: str) -> None:
    result = simulate.run(build(data(name)), seed=4)
    scenario, usage = result.scenario, result.usage
    unit = b.teacher_cost(scenario)
    table = t.role_table(scenario, usage).set_index("role")
    assert list(table.columns) == [
        "title",
        "positions",
        "cost",
        "teacher_positions",
        "cost_per_position",
        "position_units",
    ]
    assert table["positions"].to_dict() == b.positions(scenario)
    role_lines = [i for i in b.recurring_items(scenario, usage) if i.role]
    assert sum(map(_dec, table["cost"]), Decimal(0)) == b.total(role_lines)
    for role, row in table.iterrows():
        assert _dec(row["cost"]) == b.total(i for i in role_lines if i.role == role)
        assert row["teacher_positions"] == b.equivalents(_dec(row["cost"]), unit)
        assert row["title"] == (scenario.roles[role].title or role)
        assert _dec(row["cost_per_position"]) == b.position_cost(scenario, str(role))


def test_role_table_against_itself_has_no_differences() -> None:
    result = simulate.run(build(data("mcl_residents_tutors")), seed=4)
    s, u = result.scenario, result.usage
    table = t.role_table(s, u, s, u)
    assert len(table) == len(b.positions(s))
    assert (table["position_difference"] == 0).all()
    assert (table["cost_difference"] == 0).all()
    assert (table["difference_teacher_positions"] == 0).all()
    assert (table["cost"] == table["baseline_cost"]).all() and (table["cost"] > 0).any()


def test_categories_are_the_line_comparison_summed_by_category() -> None:
    base = simulate.run(build(data("traditional")), seed=5)
    ours = simulate.run(build(data("mcl_residents_tutors")), seed=5)
    args = (ours.scenario, base.scenario, ours.usage, base.usage)
    lines = t.compare_budgets(*args)
    categories = t.compare_categories(*args).set_index("category")
    assert list(categories.index) == list(dict.fromkeys(lines["category"]))
    for category, part in lines.groupby("category"):
        for column in ("baseline_amount", "amount", "difference"):
            expected = sum(map(_dec, part[column]), Decimal(0))
            assert _dec(categories.loc[category, column]) == expected, (category, column)


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
    return found


def test_the_money_model_reads_only_the_scenario_and_how_money_is_written() -> None:
    """budget/ prices a scenario and what its years used; it runs nothing and writes nothing
    (the study simulates and writes), and the measures know nothing of money."""
    allowed = ("simulate.budget", "simulate.schema", "simulate.measures.formats")
    for path in sorted((ROOT / "simulate" / "budget").glob("*.py")):
        ours = {m for m in _imports(path) if m.split(".")[0] in ("simulate", "pandas")}
        assert all(m.startswith(allowed) for m in ours), (path.name, sorted(ours))
    for path in sorted((ROOT / "simulate" / "measures").glob("*.py")):
        assert not any(m.startswith("simulate.budget") for m in _imports(path)), path.name
