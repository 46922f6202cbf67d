"""Bad input: exit code 2 and one line naming file, line, field path, problem and what is allowed.

Each case writes a scenario into tmp_path and runs `simulate validate` and `simulate run`
through click's CliRunner; `run` must create nothing in --out.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import ROOT

from simulate.cli import main
from simulate.schema.limits import MAX_FILE_BYTES, MAX_TEXT_CHARS, MAX_YAML_VALUES

TRADITIONAL = (ROOT / "scenarios" / "traditional.yaml").as_posix()
MINIMAL = """\
name: Minimal
roles:
  teacher: {homeroom: true, schedule: {instruction: 300}}
schools:
  - name: One
    enrollment: 20
    classrooms: 1
    need_tiers: [{name: all, share: 1}]
    teams: [{name: t, members: {teacher: 1}}]
"""
MESSAGE = re.compile(r"^error: (?P<file>.+?)(?::(?P<line>\d+))?: (?P<rest>.+)$")


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def check_refused(tmp_path: Path, path: Path, field: str | None, *words: str) -> str:
    """Both commands exit 2 with one clean line; `run` writes nothing. Returns the line."""
    out = tmp_path / "out"
    lines = []
    for args in (("validate", str(path)), ("run", str(path), "--out", str(out))):
        result = invoke(*args)
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output
        assert result.stdout == ""
        text = result.stderr.rstrip("\n")
        assert "\n" not in text, text
        lines.append(text)
    assert not out.exists()
    line = lines[0]
    match = MESSAGE.match(line)
    assert match, line
    if field is not None:
        assert f": {field}: " in line, line
    for word in words:
        assert word in line, line
    return line


def child(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    """A scenario that extends the bundled traditional one by its absolute path."""
    path = tmp_path / name
    path.write_text(f"extends: {TRADITIONAL}\nname: Child\n{text}", encoding="utf-8")
    return path


def standalone(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ---- wrong types, missing and unknown fields --------------------------------------------------
@pytest.mark.parametrize(
    ("text", "field", "words"),
    [
        ("calendar:\n  school_days: many\n", "calendar.school_days", ["whole number", "'many'"]),
        ("calendar:\n  school_days: true\n", "calendar.school_days", ["number", "true"]),
        (
            "roles:\n  teacher:\n    salary: lots\n",
            "roles.teacher.salary",
            ["amount of money", "'lots'"],
        ),
        ("roles:\n  teacher: 5\n", "roles.teacher", ["mapping"]),
        ("roles: [teacher]\n", "roles", ["mapping", "list"]),
        (
            "roles:\n  teacher:\n    homeroom: maybe\n",
            "roles.teacher.homeroom",
            ["true or false", "'maybe'"],
        ),
        ("coverage:\n  cascade: principal\n", "coverage.cascade", ["list"]),
        (
            "roles:\n  teacher:\n    schedule: {instructon: 30}\n",
            "roles.teacher.schedule.instructon",
            ["did you mean 'instruction'", "allowed: instruction"],
        ),
        (
            "coverage:\n  vacancy_cover: longterm_substitute\n",
            "coverage.vacancy_cover",
            ["did you mean 'long_term_substitute'"],
        ),
    ],
)
def test_wrong_types_name_the_field(
    tmp_path: Path, text: str, field: str, words: list[str]
) -> None:
    check_refused(tmp_path, child(tmp_path, text), field, *words)


@pytest.mark.parametrize(
    ("text", "field", "suggestion"),
    [
        ("nme: x\n", "nme", "name"),
        ("roles:\n  teacher:\n    salry: 5\n", "roles.teacher.salry", "salary"),
        ("calendar:\n  closure_rat: 0.1\n", "calendar.closure_rat", "closure_rate"),
        ("small_groups:\n  session_minute: 20\n", "small_groups.session_minute", "session_minutes"),
        ("budget:\n  devices:\n    unitcost: 3\n", "budget.devices.unitcost", "unit_cost"),
        (
            "coaching:\n  - coach: building_coach\n    coachees: [teacher]\n"
            "    observations_per_wek: 1\n",
            "coaching[0].observations_per_wek",
            "observations_per_week",
        ),
        (
            "schools:\n  - name: A\n    enrollment: 20\n    classrooms: 1\n"
            "    need_tiers: [{name: all, share: 1}]\n"
            "    teams: [{name: t, membrs: {teacher: 1}}]\n",
            "schools[0].teams[0].membrs",
            "members",
        ),
        (
            "schools:\n  - name: A\n    enrollment: 20\n    classrooms: 1\n"
            "    need_tiers: [{name: all, shar: 1}]\n"
            "    teams: [{name: t, members: {teacher: 1}}]\n",
            "schools[0].need_tiers[0].shar",
            "share",
        ),
        (
            "schools:\n  - name: A\n    enrollment: 20\n    classrooms: 1\n"
            "    need_tiers: [{name: all, share: 1}]\n"
            "    teams: [{name: t, members: {teachr: 1}}]\n",
            "schools[0].teams[0].members.teachr",
            "teacher",
        ),
        ("coverage:\n  cascade: [principl, split]\n", "coverage.cascade[0]", "principal"),
    ],
)
def test_misspelled_fields_get_a_suggestion(
    tmp_path: Path, text: str, field: str, suggestion: str
) -> None:
    line = check_refused(tmp_path, child(tmp_path, text), field, f"did you mean '{suggestion}'?")
    assert "allowed: " in line


def test_unknown_field_reports_its_own_line(tmp_path: Path) -> None:
    path = child(tmp_path, "roles:\n  teacher:\n    title: T\n    salry: 5\n")
    line = check_refused(tmp_path, path, "roles.teacher.salry")
    assert line.startswith(f"error: {path}:6: ")


@pytest.mark.parametrize(
    ("drop", "field"),
    [
        ("name: Minimal\n", "name"),
        ("    enrollment: 20\n", "schools[0].enrollment"),
        ("    need_tiers: [{name: all, share: 1}]\n", "schools[0].need_tiers"),
    ],
)
def test_missing_fields_are_named(tmp_path: Path, drop: str, field: str) -> None:
    assert drop in MINIMAL
    path = standalone(tmp_path, MINIMAL.replace(drop, ""))
    check_refused(tmp_path, path, field, "required field is missing")


# ---- numbers out of range and rules across fields ---------------------------------------------
@pytest.mark.parametrize(
    ("text", "field", "word"),
    [
        (
            "substitutes:\n  pool: -1\n",
            "substitutes.pool",
            "below the lowest allowed (allowed: 0 to 20,000",
        ),
        ("school:\n  enrollment: -5\n", "schools[0].enrollment", "below the lowest allowed"),
        (
            "school:\n  devices: -1\n",
            "schools[0].devices",
            "below the lowest allowed (allowed: at least 0",
        ),
        ("roles:\n  teacher:\n    salary: -100\n", "roles.teacher.salary", "below the lowest"),
        (
            "roles:\n  teacher:\n    absence_rate: 1.5\n",
            "roles.teacher.absence_rate",
            "above the highest allowed (allowed: 0 to 1)",
        ),
        (
            "roles:\n  teacher:\n    attrition_rate: -0.1\n",
            "roles.teacher.attrition_rate",
            "below the lowest allowed (allowed: 0 to 1)",
        ),
        (
            "calendar:\n  closure_rate: 2\n",
            "calendar.closure_rate",
            "above the highest allowed (allowed: 0 to 1)",
        ),
        (
            "budget:\n  benefits_rate: 1.01\n",
            "budget.benefits_rate",
            "above the highest allowed (allowed: 0 to 1)",
        ),
        ("roles:\n  teacher:\n    absence_rate: .nan\n", "roles.teacher.absence_rate", "nan"),
        ("roles:\n  teacher:\n    salary: .inf\n", "roles.teacher.salary", "finite"),
        (
            "school:\n  teams: [{name: t, count: 6, classrooms: 4, members: {teacher: -4}}]\n",
            "schools[0].teams[0].members.teacher",
            "below the lowest allowed (allowed: at least 0",
        ),
    ],
)
def test_numbers_out_of_range(tmp_path: Path, text: str, field: str, word: str) -> None:
    check_refused(tmp_path, child(tmp_path, text), field, word)


def test_need_tier_shares_must_add_up_to_one(tmp_path: Path) -> None:
    path = child(
        tmp_path,
        "school:\n  need_tiers:\n    - {name: a, share: 0.5}\n    - {name: b, share: 0.3}\n",
    )
    line = check_refused(tmp_path, path, "schools[0].need_tiers", "add up to 0.8", "allowed:")
    assert line.startswith(f"error: {path}:5: ")


@pytest.mark.parametrize(
    ("text", "field", "word"),
    [
        # the teams hold more classrooms than the school has
        ("school:\n  classrooms: 20\n", "schools[0].teams", "hold 24 classrooms"),
        # a team with more classrooms than homeroom teachers to hold them
        (
            "school:\n  teams: [{name: t, count: 6, classrooms: 4, members: {teacher: 3}}]\n",
            "schools[0].teams[0]",
            "only 3 positions with homeroom",
        ),
        ("roles:\n  teacher:\n    group_size: 0\n", "roles.teacher.group_size", "small_group"),
        # devices that no online station would use
        ("school:\n  devices: 30\n", "schools[0].devices", "silently ignored"),
        (
            "roles:\n  teacher:\n    schedule: {instruction: 1000, planning: 500}\n",
            "roles.teacher.schedule",
            "more than a day",
        ),
        (
            "coaching:\n  - {coach: teacher, coachees: [teacher], observations_per_week: 1}\n",
            "coaching[0].coach",
            "no coaching minutes",
        ),
    ],
)
def test_rules_across_fields_name_the_field_path(
    tmp_path: Path, text: str, field: str, word: str
) -> None:
    check_refused(tmp_path, child(tmp_path, text), field, word)


def test_cross_field_errors_print_file_line_and_path(tmp_path: Path) -> None:
    """`file:line: schools[0].teams: ...`, with the line of the field in the user's file."""
    path = standalone(tmp_path, MINIMAL.replace("classrooms: 1", "classrooms: 2"))
    line = check_refused(tmp_path, path, "schools[0].teams")
    assert line.startswith(f"error: {path}:9: schools[0].teams: teams hold 1 classrooms")


def test_error_in_an_inherited_field_names_the_base_file(tmp_path: Path) -> None:
    base = standalone(tmp_path, MINIMAL, "base.yaml")
    path = standalone(tmp_path, "extends: base.yaml\nroles:\n  teacher:\n    homeroom: false\n")
    line = check_refused(tmp_path, path, "schools[0].teams[0]", "homeroom", str(path))
    assert line.startswith(f"error: {base.resolve()}:9: ")


@pytest.mark.parametrize(
    ("calendar", "field"),
    [
        ("  school_days: 0\n", "calendar.school_days"),
        (
            "  school_days: 3\n  non_instructional_days: [0, 1, 2]\n",
            "calendar.non_instructional_days",
        ),
        ("  school_days: 3\n  non_instructional_days: [5]\n", "calendar.non_instructional_days[0]"),
        ("  testing_windows: [{start_day: 175, days: 10}]\n", "calendar.testing_windows[0]"),
        ("  days_per_week: 0\n", "calendar.days_per_week"),
    ],
)
def test_empty_or_impossible_calendars(tmp_path: Path, calendar: str, field: str) -> None:
    text = "calendar:\n" + calendar
    if "testing_windows" not in calendar:
        text += "  testing_windows: []\n"
    check_refused(tmp_path, child(tmp_path, text), field)


# ---- files that are not scenarios ------------------------------------------------------------
def test_missing_file_directory_and_empty_files(tmp_path: Path) -> None:
    check_refused(tmp_path, tmp_path / "nope.yaml", None, "does not exist")
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    check_refused(tmp_path, folder, None, "is a directory")
    check_refused(tmp_path, standalone(tmp_path, "", "empty.yaml"), None, "is empty")
    check_refused(tmp_path, standalone(tmp_path, "  \n\n", "blank.yaml"), None, "is empty")
    check_refused(tmp_path, standalone(tmp_path, "# just a comment\n", "c.yaml"), None, "no fields")


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("- name: a\n- name: b\n", "not a list"),
        ("just words\n", "not a str"),
        ("42\n", "not a int"),
        (MINIMAL + "---\n" + MINIMAL, "2 YAML documents"),
    ],
)
def test_top_level_must_be_one_mapping(tmp_path: Path, text: str, word: str) -> None:
    check_refused(tmp_path, standalone(tmp_path, text), None, word)


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(MINIMAL.replace("Minimal", "Écoles").encode("latin-1"))
    check_refused(tmp_path, path, None, "not UTF-8", "0xc9")


def test_utf8_with_bom_and_non_ascii_text_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + MINIMAL.replace("Minimal", "École Ünïcode").encode())
    result = invoke("validate", str(path))
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("name: x\nroles: [\n  teacher\n", 4),  # unclosed bracket
        ("name: x\nroles:\n\tteacher: {}\n", 3),  # a tab for indentation
        ("name: 'unterminated\nroles: {}\n", 3),
        ("name: x\n  bad: indent\n", 2),
        ("name: a\x00b\n", 1),  # a control character
    ],
)
def test_invalid_yaml_gives_a_line(tmp_path: Path, text: str, line: int) -> None:
    path = standalone(tmp_path, text)
    message = check_refused(tmp_path, path, None, "invalid YAML")
    assert message.startswith(f"error: {path}:{line}: ")


def test_duplicate_keys_are_refused_with_their_line(tmp_path: Path) -> None:
    path = standalone(
        tmp_path, MINIMAL.replace("    classrooms: 1\n", "    classrooms: 1\n    classrooms: 2\n")
    )
    line = check_refused(tmp_path, path, "schools[0].classrooms", "duplicate key")
    assert line.startswith(f"error: {path}:8: ")


def test_merge_keys_are_refused(tmp_path: Path) -> None:
    path = child(tmp_path, "roles:\n  teacher:\n    <<: {salary: 1}\n")
    check_refused(tmp_path, path, "roles.teacher", "merge keys")


# ---- hostile YAML -------------------------------------------------------------------------------
BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_billion_laughs_is_refused_from_its_node_graph(tmp_path: Path) -> None:
    """9^9 (387 million) values if expanded (minutes and gigabytes); refused by counting the
    values the aliases stand for, before anything is expanded."""
    path = standalone(tmp_path, BILLION_LAUGHS)
    result = invoke("validate", str(path))
    assert result.exit_code == 2
    assert "billion laughs" in result.stderr and "Traceback" not in result.output
    check_refused(tmp_path, path, None, "too many values")


def test_billion_laughs_as_a_key_and_inside_a_scenario(tmp_path: Path) -> None:
    bomb = BILLION_LAUGHS.replace("\n", "\n  ").strip()
    path = child(tmp_path, f"description:\n  {bomb}\n")
    check_refused(tmp_path, path, None, "too many values")
    keyed = standalone(tmp_path, BILLION_LAUGHS + "? *i\n: 1\n", "k.yaml")
    check_refused(tmp_path, keyed, None, "too many values")


@pytest.mark.slow
def test_self_referencing_alias_and_deep_nesting(tmp_path: Path) -> None:
    check_refused(tmp_path, standalone(tmp_path, "name: &a [*a]\n", "loop.yaml"), None, "itself")
    deep = standalone(tmp_path, "name: " + "[" * 5000 + "]" * 5000 + "\n", "deep.yaml")
    check_refused(tmp_path, deep, None, "nested too deeply")
    deep_ok_for_yaml = standalone(tmp_path, "name: " + "[" * 60 + "]" * 60 + "\n", "d2.yaml")
    check_refused(tmp_path, deep_ok_for_yaml, None, "nested too deeply")


@pytest.mark.parametrize(
    "tagged",
    [
        "!!python/object/apply:os.system ['touch {marker}']",
        "!!python/object/apply:subprocess.call [['touch', '{marker}']]",
        "!!python/object/new:os.system ['touch {marker}']",
        "!!python/name:os.system",
        "!!python/module:os",
        "!!binary dG91Y2g=",
        "!custom {{cmd: 'touch {marker}'}}",
    ],
)
def test_object_tags_are_refused_and_never_run(tmp_path: Path, tagged: str) -> None:
    marker = tmp_path / "executed"
    value = tagged.format(marker=marker)
    for text, name in (
        (f"{value}\n", "top.yaml"),
        (f"name: Minimal\ndescription: {value}\n", "in.yaml"),
    ):
        check_refused(tmp_path, standalone(tmp_path, text, name), None, "is not allowed")
    nested = child(tmp_path, f"roles:\n  teacher:\n    title: {value}\n")
    check_refused(tmp_path, nested, "roles.teacher.title", "is not allowed")
    assert not marker.exists()


def test_control_characters_in_user_text_are_escaped(tmp_path: Path) -> None:
    path = child(tmp_path, 'roles:\n  teacher:\n    "sal\\e[31mry": 5\n')
    line = check_refused(tmp_path, path, None, "unknown field")
    assert "\x1b" not in line and "\\x1b" in line


def test_an_oversized_file_is_refused_before_parsing(tmp_path: Path) -> None:
    lines = MAX_FILE_BYTES // 100 + 1
    path = standalone(tmp_path, MINIMAL + "description: >\n" + ("  " + "x" * 97 + "\n") * lines)
    check_refused(tmp_path, path, None, "bytes", "at most")


def test_a_huge_list_is_refused_within_a_second_as_too_many_values(tmp_path: Path) -> None:
    """5 MB holding one 2.5-million-item list: refused as too many values, by its limit."""
    path = tmp_path / "huge.yaml"
    path.write_text(MINIMAL + "description: [" + ",".join(["1"] * 2_500_000) + "]\n")
    assert path.stat().st_size > 5_000_000
    assert invoke("validate", str(path)).exit_code == 2
    line = check_refused(tmp_path, path, "description", "too many values", f"{MAX_YAML_VALUES:,}")
    assert "billion laughs" not in line


def test_many_short_lines_and_one_long_value_are_refused_by_their_own_limits(
    tmp_path: Path,
) -> None:
    many = standalone(tmp_path, MINIMAL + "grades:\n" + "  - K\n" * (MAX_YAML_VALUES + 1), "m.yaml")
    check_refused(tmp_path, many, "grades", "too many values")
    long = standalone(tmp_path, MINIMAL + "description: " + "x" * (MAX_TEXT_CHARS + 1), "l.yaml")
    check_refused(tmp_path, long, "description", "too long", f"{MAX_TEXT_CHARS:,} characters")


# ---- extends and include ----------------------------------------------------------------------
def test_relative_paths_may_not_climb_out_of_the_scenario_folder(tmp_path: Path) -> None:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (tmp_path / "outside.yaml").write_text(MINIMAL)
    path = standalone(folder, "extends: ../outside.yaml\nname: x\n")
    line = check_refused(tmp_path, path, "extends", "outside the scenario's folder")
    assert line.startswith(f"error: {path}:1: ")
    school = "name: O\nenrollment: 5\nclassrooms: 1\nneed_tiers: [{name: a, share: 1}]\n"
    school += "teams: [{name: t, members: {teacher: 1}}]\n"
    (tmp_path / "school.yaml").write_text(school)
    inc = standalone(
        folder, MINIMAL.split("schools:")[0] + "schools:\n  - include: ../school.yaml\n", "i.yaml"
    )
    check_refused(tmp_path, inc, "schools[0].include", "outside the scenario's folder")
    sneaky = standalone(folder, "extends: sub/../../outside.yaml\nname: x\n", "n.yaml")
    check_refused(tmp_path, sneaky, "extends", "outside")


def test_absolute_paths_are_allowed_on_purpose(tmp_path: Path) -> None:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    school = "name: O\nenrollment: 5\nclassrooms: 1\nneed_tiers: [{name: a, share: 1}]\n"
    school += "teams: [{name: t, members: {teacher: 1}}]\n"
    (tmp_path / "school.yaml").write_text(school)
    text = MINIMAL.split("schools:")[0] + f"schools:\n  - include: {tmp_path / 'school.yaml'}\n"
    path = standalone(folder, text)
    result = invoke("validate", str(path))
    assert result.exit_code == 0, result.output


SECRET = "root:$6$saltsalt$hashhashhash:19000:0:99999:7:::\nadmin: hunter2\n"


@pytest.mark.parametrize(
    ("reference", "word"),
    [
        ("extends: {secret}", "is not a YAML file"),
        ("extends: {yaml_secret}", "is not a scenario file"),
        ("school:\n  include: {yaml_secret}", "is not a school file"),
    ],
)
def test_a_file_that_is_not_a_scenario_is_refused_without_quoting_it(
    tmp_path: Path, reference: str, word: str
) -> None:
    """`extends: /etc/shadow` must not print the file's first line (or any of it)."""
    secret = tmp_path / "shadow"
    secret.write_text(SECRET)
    yaml_secret = tmp_path / "secrets.yaml"
    yaml_secret.write_text("password: hunter2\ntoken: abc123\n")
    text = reference.format(secret=secret, yaml_secret=yaml_secret)
    path = standalone(tmp_path, f"{text}\nname: x\n")
    line = check_refused(tmp_path, path, None, word).replace(str(tmp_path), "TMP")
    for fragment in ("root", "saltsalt", "hunter2", "password", "token", "abc123"):
        assert fragment not in line, line


def test_confined_loading_refuses_absolute_and_outside_paths(tmp_path: Path) -> None:
    """What the planner's web app calls for uploaded files: everything inside one folder."""
    from simulate.schema.errors import InputError
    from simulate.schema.loading import load_data, load_scenario

    upload = tmp_path / "upload"
    (upload / "schools").mkdir(parents=True)
    (tmp_path / "outside.yaml").write_text(MINIMAL)
    (upload / "base.yaml").write_text(MINIMAL)
    school = "name: O\nenrollment: 5\nclassrooms: 1\nneed_tiers: [{name: a, share: 1}]\n"
    school += "teams: [{name: t, members: {teacher: 1}}]\n"
    (upload / "schools" / "o.yaml").write_text(school)
    good = standalone(upload, "extends: base.yaml\nname: Fine\n", "good.yaml")
    assert load_scenario(good, confined_to=upload).name == "Fine"
    head = MINIMAL.split("schools:")[0]
    included = standalone(upload, head + "schools:\n  - include: schools/o.yaml\n", "inc.yaml")
    assert load_data(included, confined_to=upload)["schools"][0]["name"] == "O"
    cases = {
        f"extends: {upload / 'base.yaml'}\nname: x\n": "absolute path",
        f"extends: {tmp_path / 'outside.yaml'}\nname: x\n": "absolute path",
        head + f"schools:\n  - include: {upload / 'schools' / 'o.yaml'}\n": "absolute path",
        "extends: /etc/passwd.yaml\nname: x\n": "absolute path",
    }
    for i, (text, word) in enumerate(cases.items()):
        path = standalone(upload, text, f"bad{i}.yaml")
        with pytest.raises(InputError, match=word):
            load_scenario(path, confined_to=upload)
    (upload / "link.yaml").symlink_to(tmp_path / "outside.yaml")
    linked = standalone(upload, "extends: link.yaml\nname: x\n", "linked.yaml")
    with pytest.raises(InputError, match="outside"):
        load_scenario(linked, confined_to=upload)
    with pytest.raises(InputError, match="outside the folder"):
        load_scenario(tmp_path / "outside.yaml", confined_to=upload)
    # relative paths never climb out of the file's own folder, even inside the upload
    nested = standalone(upload / "schools", "extends: ../base.yaml\nname: N\n", "nested.yaml")
    with pytest.raises(InputError, match="outside"):
        load_scenario(nested, confined_to=upload)


def test_symlink_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (tmp_path / "outside.yaml").write_text(MINIMAL)
    (folder / "link.yaml").symlink_to(tmp_path / "outside.yaml")
    path = standalone(folder, "extends: link.yaml\nname: x\n")
    check_refused(tmp_path, path, "extends", "outside")


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("extends: nope.yaml\n", "'nope.yaml' does not exist"),
        ("extends: .\n", "is not a YAML file"),
        ("extends: sub.yaml\n", "is a folder"),
        ("extends: 5\n", "must be a file name"),
        ("extends: s.yaml\n", "loops back"),
        ("extends: other.yaml\n", "loops back"),
    ],
)
def test_bad_extends_name_the_field(tmp_path: Path, text: str, word: str) -> None:
    (tmp_path / "other.yaml").write_text("extends: s.yaml\nname: o\n")
    (tmp_path / "sub.yaml").mkdir()
    path = standalone(tmp_path, text + "name: x\n")
    check_refused(tmp_path, path, "extends", word)


def test_error_inside_an_included_school_names_that_file(tmp_path: Path) -> None:
    (tmp_path / "schools").mkdir()
    school = tmp_path / "schools" / "oak.yaml"
    school.write_text(
        "name: Oak\nenrollment: -1\nclassrooms: 1\n"
        "need_tiers: [{name: a, share: 1}]\nteams: [{name: t, members: {teacher: 1}}]\n"
    )
    text = MINIMAL.split("schools:")[0] + "schools:\n  - include: schools/oak.yaml\n"
    path = standalone(tmp_path, text)
    line = check_refused(tmp_path, path, "schools[0].enrollment", "below the lowest allowed")
    assert line.startswith(f"error: {school.resolve()}:2: ")


# ---- the commands themselves ------------------------------------------------------------------
def test_validate_reports_every_file_and_fails_if_any_is_bad(tmp_path: Path) -> None:
    good = standalone(tmp_path, MINIMAL, "good.yaml")
    bad = child(tmp_path, "calendar:\n  closure_rate: 7\n", "bad.yaml")
    result = invoke("validate", str(good), str(bad), str(tmp_path / "missing.yaml"))
    assert result.exit_code == 2
    assert result.stdout.strip() == f"ok: {good} (Minimal)"
    # the good file's warnings (defaults it leaves out) come first, then one error per file
    errors = [e for e in result.stderr.strip().splitlines() if e.startswith("error:")]
    assert len(errors) == 2 and str(bad) in errors[0] and "missing.yaml" in errors[1]


def test_out_that_is_a_file_is_bad_input(tmp_path: Path) -> None:
    path = standalone(tmp_path, MINIMAL)
    taken = tmp_path / "taken"
    taken.write_text("x")
    result = invoke("run", str(path), "--out", str(taken))
    assert result.exit_code == 2
    assert "--out" in result.stderr and "not a folder" in result.stderr
    assert taken.read_text() == "x"


def test_bad_input_in_a_real_process_prints_one_line(tmp_path: Path) -> None:
    path = standalone(tmp_path, BILLION_LAUGHS)
    for args in (["validate", str(path)], ["run", str(path), "--out", str(tmp_path / "o")]):
        proc = subprocess.run(
            [sys.executable, "-m", "simulate.cli", *args],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode == 2
        assert proc.stdout == ""
        assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    ("path", "hint"),
    [
        (ROOT / "scenarios" / "schools" / "oak.yaml", "looks like a school file"),
        (ROOT / "sweeps" / "absence_and_subs.yaml", "looks like a sweep spec"),
    ],
)
def test_a_school_file_or_sweep_spec_given_as_a_scenario_says_so(
    tmp_path: Path, path: Path, hint: str
) -> None:
    check_refused(tmp_path, path, None, "unknown field", hint)
