"""report.html as a file: self-contained, small, escaped, and the same numbers as the CSVs."""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest
from conftest import SCENARIOS
from plotly.offline import get_plotlyjs

import simulate
from simulate.output import prepare_out
from simulate.outputs import save_comparison
from simulate.report import KEY_ROWS, fmt, fmt_diff, script_json
from simulate.report.charts import FONT, embed, style
from simulate.study.compare import Comparison, compare

EVIL = '</script><script>document.title="pwned"</script><img src=x onerror=alert(1)>'
KEYS = ["scenario", "metric", "group", "statistic"]


class Cells(HTMLParser):
    """Collects <td data-metric=...> cells (their attributes and visible text) and scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[dict[str, str]] = []
        self.table_id: list[str | None] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._cell: dict[str, str] | None = None
        self._script: dict[str, str | None] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table":
            self.table_id.append(a.get("id"))
        if tag == "td" and "data-metric" in a:
            self._cell = {k: v or "" for k, v in a.items()}
            self._cell["table"] = self.table_id[-1] or ""
            self._text = []
        if tag == "div" and self._cell is not None and a.get("class") == "v":
            self._text = []
            self._cell["in_v"] = "1"
        if tag == "script":
            self._script = a
            self._text = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "div" and self._cell is not None and self._cell.pop("in_v", None):
            self._cell["shown"] = "".join(self._text).strip()
        if tag == "td" and self._cell is not None:
            self._cell.setdefault("shown", "".join(self._text).strip())
            self.cells.append(self._cell)
            self._cell = None
        if tag == "table":
            self.table_id.pop()
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script, "".join(self._text)))
            self._script = None

    def handle_data(self, data: str) -> None:
        self._text.append(data)


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Comparison, Path]:
    files = ["traditional", "mcl_teams", "mcl_residents_tutors"]
    specs = [simulate.load_scenario(SCENARIOS / f"{f}.yaml") for f in files]
    comparison = compare(specs, seed=7, replications=3)
    out = prepare_out(tmp_path_factory.mktemp("r"))
    save_comparison(comparison, out)
    return comparison, out


@pytest.fixture(scope="module")
def page(made: tuple[Comparison, Path]) -> str:
    return (made[1] / "report.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def parsed(page: str) -> Cells:
    cells = Cells()
    cells.feed(page)
    return cells


def test_plotly_is_embedded_once_and_nothing_is_fetched(page: str, parsed: Cells) -> None:
    js = get_plotlyjs()
    assert page.count(js) == 1
    rest = page.replace(js, "")
    assert not re.search(r"https?://|//cdn|<link\b|@import|url\(|src=", rest, re.IGNORECASE)
    assert "MathJax" not in rest
    assert all("src" not in attrs for attrs, _ in parsed.scripts)
    assert len(rest.encode()) < 400_000, "everything but plotly.js should stay small"


def test_every_chart_has_the_reports_look_under_its_own_settings(parsed: Cells) -> None:
    """The look (charts.style) is laid under each chart's own layout when it is embedded:
    every chart has it, and what a section set afterwards still wins."""
    specs = [
        json.loads(text)
        for attrs, text in parsed.scripts
        if attrs.get("type") == "application/json" and "data-for" in attrs
    ]
    assert len(specs) >= 6
    for spec in specs:
        layout = spec["layout"]
        assert layout["title"]["x"] == 0 and layout["title"]["text"]
        assert layout["font"]["family"] == FONT and layout["plot_bgcolor"] == "white"
        assert layout["template"] == {"data": {"scatter": [{"type": "scatter"}]}}  # "none"
        assert layout["yaxis"]["automargin"] is True and "height" in layout
    reversed_y = [s["layout"]["yaxis"] for s in specs if "autorange" in s["layout"]["yaxis"]]
    assert reversed_y and all(y["autorange"] == "reversed" for y in reversed_y)  # a section's
    assert all(y["gridcolor"] == "#e5e7eb" for y in reversed_y)  # beside the look's


def test_what_a_section_sets_after_the_look_wins() -> None:
    fig = go.Figure()
    fig.add_bar(x=[1], y=[2], name="a")
    style(fig, "Title", "Across", "Up")
    fig.update_layout(xaxis={"showgrid": True}, legend={"y": 1.2})
    spec = json.loads(re.findall(r'data-for="f">(.*?)</script>', embed(fig, "f", 300, 800))[0])
    layout = spec["layout"]
    assert layout["xaxis"]["showgrid"] is True and layout["legend"]["y"] == 1.2
    assert layout["xaxis"]["title"] == {"text": "Across"} and layout["legend"]["x"] == 0


def test_every_section_is_there_and_printable(page: str) -> None:
    for anchor in (
        "summary",
        "coaching",
        "small-groups",
        "relationships",
        "coverage",
        "budget",
        "assumptions",
        "method",
    ):
        assert f'<section id="{anchor}">' in page
    assert "@media print" in page
    assert "Sustainability verdict" in page


def test_summary_table_numbers_equal_summary_csv(
    made: tuple[Comparison, Path], parsed: Cells
) -> None:
    comparison, out = made
    csv = pd.read_csv(out / "summary.csv").set_index(KEYS)
    cells = [c for c in parsed.cells if c["table"] == "summary-table"]
    keys = {(c["data-scenario"], c["data-metric"]) for c in cells}
    assert keys == {(n, r.metric) for n in comparison.names for r in KEY_ROWS}
    checked = 0
    for cell in parsed.cells:  # every figure in every table, not only the summary
        if "data-value" not in cell:
            continue
        row = csv.loc[
            tuple(
                html.unescape(cell[k])
                for k in ("data-scenario", "data-metric", "data-group", "data-statistic")
            )
        ]
        assert float(cell["data-value"]) == row.value
        if pd.isna(row.ci_low):
            assert cell["data-ci-low"] == ""
        else:
            assert float(cell["data-ci-low"]) == row.ci_low
            assert float(cell["data-ci-high"]) == row.ci_high
        checked += 1
    assert checked > 100


def test_shown_text_is_the_csv_value_rounded(made: tuple[Comparison, Path], parsed: Cells) -> None:
    _, out = made
    csv = pd.read_csv(out / "summary.csv").set_index(KEYS)
    for cell in (c for c in parsed.cells if c["table"] == "summary-table" and "data-value" in c):
        value = csv.loc[
            tuple(
                html.unescape(cell[k])
                for k in ("data-scenario", "data-metric", "data-group", "data-statistic")
            )
        ]
        shown = cell["shown"].replace("−", "-").replace("$", "").replace(",", "")
        number = float(shown.rstrip("%")) / (100 if shown.endswith("%") else 1)
        decimals = len(shown.rstrip("%").partition(".")[2])
        step = 10.0**-decimals / (100 if shown.endswith("%") else 1)
        assert abs(number - value.value) <= step / 2 + 1e-9, cell


def test_differences_in_the_html_equal_differences_csv(
    made: tuple[Comparison, Path], parsed: Cells
) -> None:
    comparison, out = made
    csv = pd.read_csv(out / "differences.csv").set_index(KEYS)
    with_diff = [c for c in parsed.cells if "data-diff" in c]
    assert {c["data-scenario"] for c in with_diff} == set(comparison.names[1:])
    for cell in with_diff:
        row = csv.loc[
            tuple(
                html.unescape(cell[k])
                for k in ("data-scenario", "data-metric", "data-group", "data-statistic")
            )
        ]
        assert float(cell["data-diff"]) == row.value
    base = [c for c in parsed.cells if c["data-scenario"] == comparison.baseline]
    assert base and not any("data-diff" in c for c in base)


def test_user_text_is_escaped_everywhere(tmp_path: Path) -> None:
    base = simulate.load_scenario(SCENARIOS / "traditional.yaml")
    other = simulate.load_scenario(SCENARIOS / "mcl_residents_tutors.yaml")
    roles = {**other.roles, "tutor": other.roles["tutor"].model_copy(update={"title": EVIL})}
    evil = other.model_copy(update={"name": EVIL, "description": EVIL, "roles": roles})
    comparison = compare([base, evil], seed=0, replications=1)
    out = prepare_out(tmp_path / "out")
    save_comparison(comparison, out)
    page = (out / "report.html").read_text(encoding="utf-8")
    rest = page.replace(get_plotlyjs(), "")
    assert EVIL not in rest
    assert "<img" not in rest
    assert html.escape(EVIL) in rest
    cells = Cells()
    cells.feed(page)
    specs = [text for attrs, text in cells.scripts if attrs.get("type") == "application/json"]
    assert specs and all(not set(text) & set("<>&") for text in specs)
    assert sum(1 for attrs, _ in cells.scripts if "type" not in attrs) == 2  # plotly, loader
    assert rest.count("</script>") == rest.count("<script") == len(cells.scripts)


def test_script_json_cannot_close_the_script_element() -> None:
    text = script_json({"name": "</script><!-- & -->"})
    assert "<" not in text and ">" not in text and "&" not in text
    import json

    assert json.loads(text) == {"name": "</script><!-- & -->"}


def test_assumptions_table_lists_the_differing_inputs_in_words(page: str) -> None:
    section = page[page.index('<section id="assumptions">') : page.index('<section id="method">')]
    differing = section[: section.index("<h3>Where every figure comes from")]
    assert "Tutor: hourly wage" in differing and "$23" in differing
    assert "Coverage: cascade" in differing
    assert "Instructional coach, Principal, split the class" in differing  # roles by title
    assert "Classroom teacher: salary" not in differing  # the same in all three
    for path in ("roles.tutor", "coverage.cascade", "budget.funding[", "schools[0]"):
        assert path not in section  # the planner's words, never field paths
    # every figure of every scenario, with its source
    assert section.count("<details><summary>") == 3
    assert "Public source: NEA, Rankings of the States 2024" in section
    assert "No note." not in page  # every value says where it comes from, or why not


@pytest.mark.parametrize(
    ("value", "kind", "text"),
    [
        (1234.4, "money", "$1,234.40"),
        (-50.0, "money", "−$50.00"),
        (0.1234, "pct", "12.3%"),
        (2.345, "num1", "2.3"),
        (float("nan"), "money", "—"),
        (-0.001, "num2", "0.00"),  # what rounds to zero has no sign (an effect of -0.001 SD)
        (-0.0004, "pct", "0.0%"),
        (-0.006, "num2", "−0.01"),
    ],
)
def test_numbers_read_like_a_planner_expects(value: float, kind: str, text: str) -> None:
    assert fmt(value, kind) == text


def test_differences_carry_a_sign_and_points() -> None:
    assert fmt_diff(0.05, "pct") == "+5.0 pts"
    assert fmt_diff(-1261.0, "money") == "−$1,261.00"
    assert fmt_diff(0.004, "money") == "$0.00"  # money to the cent, as the exact figures
    assert fmt_diff(0.0, "num2") == "0.00"
    assert fmt_diff(-0.004, "num2") == "0.00"  # no sign on what rounds to zero
    assert fmt_diff(-0.006, "num2") == "−0.01"


def test_the_table_of_contents_and_the_body_follow_one_sections_table(page: str) -> None:
    from simulate.report.sections import SECTIONS

    nav = page[page.index("<nav>") : page.index("</nav>")]
    links = re.findall(r'<a href="#([^"]+)">', nav)
    always = [s.anchor for s in SECTIONS if s.shown is None]
    assert links == re.findall(r'<section id="([^"]+)">', page) == always
    assert "periods" not in links  # elementary schools only: no period day to show


def test_the_text_a_planner_reads_names_no_field_path(page: str) -> None:
    """Prose, labels and notes (tags, attributes and scripts left out) speak in the planner's
    words: a dotted field path such as budget.other_per_pupil is never shown."""
    import re

    shown = re.sub(r"<script.*?</script>|<[^>]*>", " ", page, flags=re.S)
    paths = set(re.findall(r"\b(?:budget|roles|schools|coverage|substitutes)\.[a-z_]+", shown))
    assert paths <= {"budget.xlsx"}, paths


def test_the_coverage_section_shows_absence_and_coverage_per_adult(
    made: tuple[Comparison, Path], parsed: Cells
) -> None:
    """A board asks who is out and who covers: each scenario's spread of absence days and of
    coverage duties over the adults, how evenly duties fall, and each role's mean."""
    comparison, _ = made
    shown = {
        (c["data-scenario"], c["data-metric"], c["data-group"], c["data-statistic"])
        for c in parsed.cells
        if "data-value" in c
    }
    for name in comparison.names:
        for statistic in ("mean", "p90", "max"):
            assert (name, "absence.days_per_adult", "all", statistic) in shown
            assert (name, "coverage.duties_per_adult", "all", statistic) in shown
        for statistic in ("gini", "top10"):
            assert (name, "coverage.duties_per_adult", "all", statistic) in shown
    duties = "coverage.duties_per_adult"
    teachers = {(s, g) for s, m, g, st in shown if m == duties and st == "mean"}
    assert (comparison.names[0], "role=teacher") in teachers


def test_a_figure_some_years_had_nothing_to_measure_for_says_how_many_had_it() -> None:
    """A fill rate (or a cost per student at the target) has no figure in a year with nothing
    to measure: its mean rests on the other years, and the cell says on how many."""
    import dataclasses

    from simulate.measures.catalogue import measure
    from simulate.report.context import Page
    from simulate.report.figures import row

    spec = simulate.load_scenario(SCENARIOS / "traditional.yaml")
    c = compare([spec], seed=7, replications=3)
    fill = "coverage.substitute_fill_rate"
    metrics = c.results[0].metrics
    gone = (metrics.metric == fill) & (metrics.replication == 0)  # as a year without absences
    fewer = dataclasses.replace(c.results[0], metrics=metrics[~gone])
    thinner = Comparison([fewer], c.baseline, c.seed, c.replications)
    assert thinner.years_with(spec.name, fill, "all", "value") == 2
    cell = Page(thinner).metric_cell(spec.name, row(measure(fill)))
    assert "in 2 years of 3" in cell
    assert "years of" not in Page(c).metric_cell(spec.name, row(measure(fill)))  # every year
