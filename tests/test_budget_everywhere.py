"""One definition per label: every headline budget figure reads the same number under the same
label in the terminal (`simulate budget`), summary.csv and differences.csv, budget.xlsx (of
`compare` and of `budget`), report.html and the web app's budget page; and the average teacher
position does not depend on the flags."""

from __future__ import annotations

import csv
import re
import time
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SCENARIOS
from openpyxl import load_workbook
from starlette.testclient import TestClient

from simulate.app.server import create_app
from simulate.cli import main
from simulate.measures.catalogue import AVERAGE_TEACHER, budget_measures, difference_label
from simulate.schema.loading import load_scenario

SEED, YEARS = "0", "2"  # the web app simulates from seed 0
PLAN, TODAY = SCENARIOS / "mcl_residents_tutors.yaml", SCENARIOS / "traditional.yaml"
CENT = Decimal("0.01")
LABELS = {m.label for m in budget_measures()} | {difference_label(m) for m in budget_measures()}
Figures = dict[str, list[Decimal]]  # label -> every number shown under it, in one output


def number(text: str) -> Decimal:
    """'$6,667.03', '+$2,044.12', '−$5.00', '38.53' as a Decimal."""
    cleaned = text.strip().replace("−", "-").replace("$", "").replace(",", "").replace("+", "")
    return Decimal(cleaned)


def cli(*args: str) -> str:
    result = CliRunner().invoke(main, [*args, "--seed", SEED, "-r", YEARS])
    assert result.exit_code == 0, result.stderr
    return result.stdout


def terminal_figures(stdout: str) -> dict[str, Decimal]:
    """`label: value` lines of `simulate budget`, for every label the catalogue knows."""
    out = {}
    for line in stdout.splitlines():
        label, _, value = line.rpartition(": ")
        if label in LABELS:
            out[label] = number(value)
    return out


class Rows(HTMLParser):
    """Every table row of a page: its header cell's own text and its data cells' shown
    values (a cell's first piece of text: the figure, not its interval or difference)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[str, list[str]]] = []
        self._cell: list[str] | None = None
        self._depth = 0  # divs inside the current cell
        self._skip = 0  # inside a row header's explanation

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append(("", []))
        elif tag in ("th", "td") and self.rows:
            self._cell, self._depth = [], 0
        elif tag == "div" and self._cell is not None:
            self._depth += 1
            self._skip += ("class", "explain") in attrs

    def handle_endtag(self, tag: str) -> None:
        if tag in ("th", "td") and self._cell is not None and self.rows:
            head, cells = self.rows[-1]
            text = "".join(self._cell).strip()
            self.rows[-1] = (text, cells) if tag == "th" and not head else (head, cells + [text])
            self._cell = None
        elif tag == "div" and self._cell is not None:
            self._skip = max(0, self._skip - 1)

    def handle_data(self, data: str) -> None:
        shown = self._cell is not None and not self._skip and self._depth <= 1
        if shown and self._cell is not None and not "".join(self._cell).strip():
            self._cell.append(data)


def page_figures(html: str, column: int) -> Figures:
    """label -> the numbers in one scenario's column of every row labelled as a headline
    budget figure."""
    parser = Rows()
    parser.feed(html)
    out: Figures = {}
    for head, cells in parser.rows:
        if head in LABELS and len(cells) > column and re.search(r"\d", cells[column]):
            out.setdefault(head, []).append(number(cells[column]))
    return out


def within_shown(shown: Decimal, exact: Decimal) -> bool:
    """The shown number is the exact one written to the places it shows."""
    places = Decimal(1).scaleb(shown.as_tuple().exponent)  # type: ignore[arg-type]
    return shown == exact.quantize(places)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Figures]:
    """The plan's figures (and differences from today's staffing) in each output."""
    folder = tmp_path_factory.mktemp("everywhere")
    plan, today = load_scenario(PLAN).name, load_scenario(TODAY).name
    out: dict[str, Figures] = {}
    stdout = cli("budget", str(PLAN), "--baseline", str(TODAY), "--out", str(folder / "b"))
    out["terminal"] = {k: [v] for k, v in terminal_figures(stdout).items()}
    alone = terminal_figures(cli("budget", str(PLAN)))
    out["terminal without --baseline"] = {k: [v] for k, v in alone.items()}
    sheet = load_workbook(folder / "b" / "budget.xlsx")["Figures"]
    out["budget's budget.xlsx"] = {
        str(label): [Decimal(str(value)).quantize(CENT)]
        for label, value in sheet.iter_rows(min_row=2, values_only=True)
    }
    cli("compare", str(TODAY), str(PLAN), "--out", str(folder / "c"))
    sheet = load_workbook(folder / "c" / "budget.xlsx")["Figures"]
    heads = [c.value for c in sheet[1]]
    out["compare's budget.xlsx"] = {
        str(row[0]): [Decimal(str(row[heads.index(plan)])).quantize(CENT)]
        for row in sheet.iter_rows(min_row=2, values_only=True)
        if row[heads.index(plan)] is not None
    }
    by_metric = {m.name: m for m in budget_measures()}
    tables: Figures = {}
    for file, labelled in (("summary.csv", "label"), ("differences.csv", "difference")):
        with (folder / "c" / file).open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                entry = by_metric.get(row["metric"])
                if entry is not None and row["scenario"] == plan:
                    label = entry.label if labelled == "label" else difference_label(entry)
                    tables[label] = [Decimal(row["value"]).quantize(CENT)]
    out["summary.csv and differences.csv"] = tables
    report = (folder / "c" / "report.html").read_text(encoding="utf-8")
    out["report.html"] = page_figures(report, [today, plan].index(plan))
    out["web app"] = app_figures(folder / "workspace")
    return out


def app_figures(workspace: Path) -> Figures:
    """The budget page of the web app for the plan against today's staffing."""
    c = TestClient(create_app(workspace, 8765), base_url="http://127.0.0.1:8765")
    for stem in ("traditional", "mcl_residents_tutors"):
        c.post("/bundled", data={"bundled": stem}, follow_redirects=False)
    slugs = sorted(set(re.findall(r'href="/scenarios/([a-z0-9-]+)"', c.get("/").text)))
    plan = next(s for s in slugs if s.startswith("mcl"))
    today = next(s for s in slugs if s != plan)
    form = {"scenario": plan, "baseline": today, "replications": YEARS}
    response = c.post("/budget", data=form, follow_redirects=False)
    run_id = response.headers["location"].rsplit("/", 1)[1]
    deadline = time.monotonic() + 300
    while c.app.state.site.ws.record(run_id).get("status") == "running":  # type: ignore[attr-defined]
        assert time.monotonic() < deadline
        time.sleep(0.1)
    return page_figures(c.get(f"/runs/{run_id}").text, 0)


@pytest.mark.slow
def test_every_label_gives_the_same_number_in_every_output(outputs: dict[str, Figures]) -> None:
    reference = {label: values[0] for label, values in outputs["terminal"].items()}
    expected = LABELS
    assert set(reference) == expected  # every headline figure, each with its difference
    for output, figures in outputs.items():
        for label, values in figures.items():
            if label in reference:
                wrong = [v for v in values if not within_shown(v, reference[label])]
                assert not wrong, (output, label, wrong, reference[label])
    # and each output shows them: all of them where the output has room for all
    for output in ("budget's budget.xlsx", "compare's budget.xlsx", "web app"):
        assert set(outputs[output]) >= expected, output
    assert set(outputs["summary.csv and differences.csv"]) >= expected
    assert set(outputs["report.html"]) >= expected
    assert len(outputs["report.html"][budget_measures()[0].label]) >= 2  # summary and budget


def test_the_average_teacher_position_is_the_same_whatever_the_flags(
    outputs: dict[str, Figures],
) -> None:
    alone, against = outputs["terminal without --baseline"], outputs["terminal"]
    assert alone[AVERAGE_TEACHER] == against[AVERAGE_TEACHER] == [Decimal("100842.00")]
    assert set(alone) == {m.label for m in budget_measures()}  # no differences without one
    assert all(alone[label] == against[label] for label in alone)
