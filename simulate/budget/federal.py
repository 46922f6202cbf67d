"""A federal budget: every cost line in an SF-424A object class, with the basis of its amount.

SF-424A (Budget Information, Non-Construction Programs, OMB 4040-0006), section B line 6,
sorts a project's costs into object classes a-h (personnel, fringe benefits, travel,
equipment, supplies, contractual, construction, other), then i (total direct charges),
j (indirect charges) and k (totals). Indirect charges are a rate times the modified total
direct costs (MTDC, 2 CFR 200.1), which leave out equipment, capital expenditures and
participant support costs. How each of the model's lines is classed:
- salaries, supplements, hourly wages and substitute days: personnel (the district employs
  them);
- benefits: fringe benefits;
- resident stipends: personnel where the stipend carries benefits (the resident is an
  employee), else other, as participant support (stipends to trainees who are not
  employees), outside the MTDC base;
- replacing leavers (recruiting, hiring, onboarding): other;
- devices: supplies below $10,000 a unit, equipment from there (2 CFR 200.1 as revised in
  2024); software licences: supplies;
- one-off costs: the object class the scenario gives each.
"""

from __future__ import annotations

from decimal import Decimal

from simulate.budget.items import LineItem
from simulate.measures.formats import money
from simulate.schema.fields import describe
from simulate.schema.model import OneOff, Scenario
from simulate.schema.notes import in_words, note_for

# (line, class) in SF-424A order; the names are the scenario format's (OneOff.object_class)
OBJECT_CLASSES = {
    "personnel": "a. Personnel",
    "fringe_benefits": "b. Fringe benefits",
    "travel": "c. Travel",
    "equipment": "d. Equipment",
    "supplies": "e. Supplies",
    "contractual": "f. Contractual",
    "construction": "g. Construction",
    "other": "h. Other",
}
TOTAL_DIRECT = "i. Total direct charges"
INDIRECT = "j. Indirect charges"
TOTALS = "k. Totals"
EQUIPMENT_UNIT = Decimal(10000)  # 2 CFR 200.1 "equipment": at least $10,000 a unit (2024)
OUTSIDE_BASE = ("equipment", "construction")  # and participant support, see in_base
_BY_CATEGORY = {
    "personnel": "personnel",
    "hourly": "personnel",
    "substitutes": "personnel",
    "benefits": "fringe_benefits",
    "turnover": "other",
    "software": "supplies",
}


def object_class(item: LineItem, scenario: Scenario) -> str:
    """The SF-424A object class of a line item (a key of OBJECT_CLASSES)."""
    if item.category in _BY_CATEGORY:
        return _BY_CATEGORY[item.category]
    if item.category == "residency":
        return "personnel" if scenario.roles[item.role].stipend_benefits else "other"
    if item.category == "devices":
        return "equipment" if scenario.budget.devices.unit_cost >= EQUIPMENT_UNIT else "supplies"
    return one_off(item, scenario).object_class


def in_base(item: LineItem, scenario: Scenario) -> bool:
    """Whether the line is in the modified total direct costs indirect charges apply to."""
    if item.category == "residency" and object_class(item, scenario) == "other":
        return False  # participant support
    return object_class(item, scenario) not in OUTSIDE_BASE


def one_off(item: LineItem, scenario: Scenario) -> OneOff:
    """The scenario's one-off cost a line item was made from (its path names it)."""
    index = int(item.path.removeprefix("budget.one_off[").partition("]")[0])
    return scenario.budget.one_off[index]


_WHOSE = {"substitutes": "substitute ", "devices": "device "}  # whose price a path gives


def basis(item: LineItem, scenario: Scenario, year: int, amount: Decimal) -> str:
    """How a line's amount in projection year `year` is reached, in words a budget narrative
    can use: '6 positions: 5.982 position-years filled x $72,030.00 x 1.03^2 (salary growth)
    = $457,114.33'."""
    params = scenario.budget.projection
    q = _number(item.quantity)
    u = money(item.unit_cost)
    if item.category in ("personnel", "residency"):
        text = f"{q} position-years filled x {u}"
    elif item.category == "hourly":
        text = f"{q} hours worked x {u} an hour"
    elif item.category == "benefits":
        text = f"{_number(item.quantity * 100)}% of {u} pay"
    elif item.category == "turnover":
        text = f"{q} leavers x {u} to replace each"
    elif item.category == "substitutes":
        text = f"{q} days x {u} a day"
    elif item.category == "devices":
        life = scenario.budget.devices.life_years
        price = money(scenario.budget.devices.unit_cost)
        text = f"{q} devices x {price} over {life} years"
    elif item.category == "software":
        change = Decimal(str(params.enrollment_change)) + 1
        students = int((scenario.enrollment * change ** (year - 1)).to_integral_value())
        return f"{students:,} students x {u} = {money(amount)}"
    else:
        return f"one-off cost in year {one_off(item, scenario).year}: {money(amount)}"
    if item.driver == "pay" and year > 1 and params.salary_growth:
        growth = _number(Decimal(str(params.salary_growth)) + 1)
        text += f" x {growth}^{year - 1} (salary growth)"
    return f"{text} = {money(amount)}"


def _number(value: Decimal) -> str:
    """A quantity as written in a justification: no trailing zeros, thousands separated."""
    return f"{value.normalize():,f}"


def source_of(scenario: Scenario, path: str) -> str:
    """Where a price comes from, for the justification's Source column: the scenario input it
    is read from, by its label, and the figure's note (simulate.schema.notes): a public
    source, the school's own figure, or an assumption."""
    if not path:
        return ""
    note = note_for(scenario, path)
    cited = f"; {in_words(note)}" if note is not None else ""
    return _input(scenario, path) + cited


def _input(scenario: Scenario, path: str) -> str:
    """The scenario input a price is read from, by its label."""
    label = describe(path).label.lower()
    parts = path.split(".")
    if parts[0] == "roles":
        role = scenario.roles[parts[1]]
        return f"scenario input: {role.title or parts[1]} {label}"
    if path.startswith("budget.one_off["):
        index = int(path.removeprefix("budget.one_off[").partition("]")[0])
        return f"scenario input: one-off cost '{scenario.budget.one_off[index].name}'"
    whose = next((w for part, w in _WHOSE.items() if part in parts), "")
    return f"scenario input: {whose}{label}"
