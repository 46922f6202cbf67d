"""Fuzz: hundreds of broken scenarios through the CLI, each refused with exit 2 and one line.

Every mutation of a bundled scenario is built to be invalid by construction (a required field
deleted, a value of the wrong type, a number outside its bounds, an unknown key, YAML cut in
the middle of a flow mapping, a byte that is never UTF-8, ...), so the test knows the answer
without asking the validator. A fixed seed makes every run feed the same files.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, get_args, get_origin

import annotated_types
import pytest
import yaml
from click.testing import CliRunner
from conftest import BUNDLED
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from simulate.cli import main
from simulate.schema.loading import load_data
from simulate.schema.model import Scenario
from simulate.schema.paths import alternatives_of, step

SEED = 20240611
PER_KIND = 30  # 10 kinds x 30 = 300 broken files
Path_ = tuple[str | int, ...]


# ---- walking the data with its schema -------------------------------------------------------
def nodes(data: Any, annotation: Any = Scenario, path: Path_ = ()) -> list[tuple[Path_, Any, Any]]:
    """Every (path, value, annotation) in the data, the root first."""
    out = [(path, data, annotation)]
    items = (
        data.items()
        if isinstance(data, dict)
        else enumerate(data)
        if isinstance(data, list)
        else ()
    )
    for key, value in items:
        sub = step(annotation, key)
        if sub is not None:
            out += nodes(value, sub, (*path, key))
    return out


def model_of(annotation: Any) -> type[BaseModel] | None:
    alternatives = alternatives_of(annotation)
    models = [a for a in alternatives if isinstance(a, type) and issubclass(a, BaseModel)]
    return models[0] if models else None


def bounds(data: dict[str, Any], path: Path_) -> tuple[float | None, float | None]:
    """Lower and upper bounds the schema declares for the number at path (Field(ge=..))."""
    parent: Any = Scenario
    for part in path[:-1]:
        parent = step(parent, part)
    model = model_of(parent)
    last = path[-1]
    if model is not None and str(last) in model.model_fields:
        info = model.model_fields[str(last)]
        metas = [*info.metadata, *_metadata(info.annotation)]
    else:
        metas = _metadata(step(parent, last))
    low = high = None
    for meta in metas:
        if isinstance(meta, annotated_types.Ge | annotated_types.Gt):
            low = float(getattr(meta, "ge", getattr(meta, "gt", 0)))
        elif isinstance(meta, annotated_types.Le | annotated_types.Lt):
            high = float(getattr(meta, "le", getattr(meta, "lt", 0)))
    return low, high


def _metadata(annotation: Any) -> list[Any]:
    """Constraints inside Annotated[...] anywhere in a type (also inside Optional)."""
    if get_origin(annotation) is Annotated:
        args = get_args(annotation)
        metas = [m for a in args[1:] for m in (a.metadata if isinstance(a, FieldInfo) else [a])]
        return metas + _metadata(args[0])
    if get_origin(annotation) in (list, dict):
        return []  # constraints of items are not constraints of the field
    return [m for arg in get_args(annotation) for m in _metadata(arg)]


def set_at(data: Any, path: Path_, value: Any) -> None:
    for part in path[:-1]:
        data = data[part]
    data[path[-1]] = value


def delete_at(data: Any, path: Path_) -> None:
    for part in path[:-1]:
        data = data[part]
    del data[path[-1]]


# ---- mutations: each returns (file bytes, expected field path or None) ------------------------
Mutation = Callable[[random.Random, dict[str, Any]], tuple[bytes, str | None]]


def dump(data: Any) -> bytes:
    """Block YAML, one line per scalar (descriptions, the only long text, are left out)."""
    data.pop("description", None)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=10**9).encode()


def delete_required(rng: random.Random, data: dict[str, Any]) -> tuple[bytes, str | None]:
    choices = []
    for path, value, annotation in nodes(data):
        model = model_of(annotation)
        if model is not None and isinstance(value, dict):
            choices += [
                (*path, name)
                for name, info in model.model_fields.items()
                if info.is_required() and name in value
            ]
    path = rng.choice(choices)
    delete_at(data, path)
    return dump(data), None


def wrong_type(rng: random.Random, data: dict[str, Any]) -> tuple[bytes, str | None]:
    leaves = [(p, v) for p, v, _ in nodes(data) if p and not isinstance(v, dict | list)]
    path, value = rng.choice(leaves)
    if isinstance(value, bool):
        bad: Any = rng.choice(["perhaps", [True], {"x": 1}, 3.5])
    elif isinstance(value, int | float):
        bad = rng.choice(["many", "12 apples", [1, 2], {"n": 1}, "1e"])
    else:  # text
        bad = rng.choice([[value], {"text": value}])
    set_at(data, path, bad)
    return dump(data), None


def container_wrong_type(rng: random.Random, data: dict[str, Any]) -> tuple[bytes, str | None]:
    containers = [(p, v) for p, v, _ in nodes(data) if p and isinstance(v, dict | list) and v]
    path, value = rng.choice(containers)
    set_at(data, path, rng.choice([7, "text", 2.5]) if isinstance(value, dict) else {"oops": 1})
    return dump(data), None


def out_of_range(rng: random.Random, data: dict[str, Any]) -> tuple[bytes, str | None]:
    choices = []
    for path, value, _ in nodes(data):
        if path and isinstance(value, int | float) and not isinstance(value, bool):
            low, high = bounds(data, path)
            if low is not None:
                choices.append((path, low - rng.choice([1, 5, 1000, 10**9])))
            if high is not None:
                choices.append((path, high + rng.choice([1, 0.5, 10**9])))
    path, bad = rng.choice(choices)
    set_at(data, path, bad)
    return dump(data), None


def shares_off(rng: random.Random, data: dict[str, Any]) -> tuple[bytes, str | None]:
    s = rng.randrange(len(data["schools"]))
    tiers = data["schools"][s]["need_tiers"]
    k = rng.choice([i for i, t in enumerate(tiers) if t["share"] > 0.01])
    share = tiers[k]["share"]
    tiers[k]["share"] = rng.choice([share / 2, 0.0, min(1.0, share + 0.25)])
    return dump(data), f"schools[{s}].need_tiers"


def unknown_key(rng: random.Random, data: dict[str, Any]) -> tuple[bytes, str | None]:
    models = [p for p, v, a in nodes(data) if isinstance(v, dict) and model_of(a) is not None]
    path = rng.choice(models)
    key = "zz_" + "".join(
        rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 9))
    )
    target = data
    for part in path:
        target = target[part]
    target[key] = rng.choice([1, "x", [1], {"a": 1}])
    return dump(data), None


def truncated(rng: random.Random, data: dict[str, Any]) -> tuple[bytes, str | None]:
    """JSON is YAML; cut anywhere before its last brace, a mapping is left open."""
    text = json.dumps(data, indent=rng.choice([None, 1, 2]))
    return text[: rng.randrange(1, len(text) - 1)].rstrip("}] \n").encode(), None


def duplicated_line(rng: random.Random, data: dict[str, Any]) -> tuple[bytes, str | None]:
    lines = dump(data).decode().splitlines(keepends=True)
    simple = [
        i
        for i, line in enumerate(lines)
        if ": " in line and not line.lstrip().startswith("- ") and not line.rstrip().endswith(":")
    ]
    i = rng.choice(simple)
    return "".join(lines[: i + 1] + [lines[i]] + lines[i + 1 :]).encode(), None


def bad_bytes(rng: random.Random, data: dict[str, Any]) -> tuple[bytes, str | None]:
    text = dump(data)
    if rng.random() < 0.5:  # a byte that never occurs in UTF-8, anywhere in the file
        at = rng.randrange(len(text))
        return text[:at] + bytes([rng.choice([0xC0, 0xC1, 0xF5, 0xFE, 0xFF])]) + text[at:], None
    noise = bytes(rng.randrange(256) for _ in range(rng.randint(1, 400)))
    return noise, None


def hostile(rng: random.Random, data: dict[str, Any]) -> tuple[bytes, str | None]:
    """A tag or an alias bomb hidden at a random place of the scenario."""
    text = dump(data).decode().splitlines(keepends=True)
    at = rng.randrange(1, len(text))
    indent = " " * (len(text[at]) - len(text[at].lstrip()))
    key = "zz_" + str(rng.randrange(10**6))
    value = rng.choice(
        [
            "!!python/object/apply:os.system ['echo pwned']",
            "!!python/name:builtins.eval",
            "!!set {a, b}",
            "!tag x",
            "&a [*a]",
        ]
    )
    line = f"{indent}{key}: {value}\n"
    if text[at].lstrip().startswith("- "):
        line = f"{indent}- {value}\n"
    return "".join(text[:at] + [line] + text[at:]).encode(), None


KINDS: list[Mutation] = [
    delete_required,
    wrong_type,
    container_wrong_type,
    out_of_range,
    shares_off,
    unknown_key,
    truncated,
    duplicated_line,
    bad_bytes,
    hostile,
]


def broken_files(folder: Path) -> list[tuple[str, Path, str | None]]:
    rng = random.Random(SEED)
    bases = [load_data(path) for path in BUNDLED]
    out = []
    for kind in KINDS:
        for i in range(PER_KIND):
            data = json.loads(json.dumps(rng.choice(bases)))
            content, field = kind(rng, data)
            path = folder / f"{kind.__name__}_{i}.yaml"
            path.write_bytes(content)
            out.append((kind.__name__, path, field))
    return out


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, Path, str | None]]:
    return broken_files(tmp_path_factory.mktemp("broken"))


def assert_refused(output: str, code: int, path: Path, field: str | None) -> None:
    assert code == 2, output
    assert "Traceback" not in output, output
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    assert lines[0].startswith(f"error: {path}"), output
    if field is not None:
        assert f": {field}: " in lines[0], output


@pytest.mark.slow
def test_hundreds_of_broken_scenarios_exit_2_with_one_line(
    tmp_path: Path, cases: list[tuple[str, Path, str | None]]
) -> None:
    assert len(cases) >= 300
    runner = CliRunner()
    out = tmp_path / "out"
    for kind, path, field in cases:
        for args in (["validate", str(path)], ["run", str(path), "--out", str(out)]):
            result = runner.invoke(main, args)
            assert result.exception is None or isinstance(result.exception, SystemExit), (
                kind,
                path,
                result.exception,
            )
            assert_refused(result.stderr, result.exit_code, path, field)
            assert result.stdout == "", (kind, result.stdout)
    assert not out.exists()


def test_validate_reports_each_broken_file_on_its_own_line(
    cases: list[tuple[str, Path, str | None]],
) -> None:
    some = cases[::7]
    result = CliRunner().invoke(main, ["validate", *(str(p) for _, p, _ in some)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == len(some)
    for line, (_, path, _) in zip(lines, some, strict=True):
        assert line.startswith(f"error: {path}")


@pytest.mark.slow
@pytest.mark.parametrize("index", [0, 95, 185, 299])
def test_broken_scenarios_in_a_real_process(
    tmp_path: Path, cases: list[tuple[str, Path, str | None]], index: int
) -> None:
    _, path, field = cases[index]
    proc = subprocess.run(
        [sys.executable, "-m", "simulate.cli", "run", str(path), "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert_refused(proc.stderr, proc.returncode, path, field)
    assert not (tmp_path / "o").exists()
