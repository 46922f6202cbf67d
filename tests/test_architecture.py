"""Arrows one way: every import in simulate/ points down the layers docs/architecture.md draws.

Every import counts: at the top of a module, inside a function, under TYPE_CHECKING. A module
may import its own package and any package of a lower layer, nothing else (two packages of
one layer do not import each other).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Lowest first; `simulate` is the root package, the public API (simulate/__init__.py).
LAYERS: list[set[str]] = [
    {"schema"},  # the input model: knows nothing of the rest
    {"folderlock", "terminal"},  # a folder's lock; text made safe for a terminal
    {"output"},  # writing files safely
    {"engine"},
    {"learning"},  # the learning estimate: reads a finished year, read by measures and study
    {"measures"},
    {"workbook"},  # Excel workbooks: the same bytes for the same content, text never a formula
    {"budget"},  # the money model
    {"study"},  # runs, comparisons, sweeps: engine, measures and budget together
    {"report", "keyinputs"},  # what a planner reads; the key-inputs workbook
    {"outputs"},  # what each command leaves in its folder
    {"app"},
    {"cli", "simulate"},
]
RANK = {package: rank for rank, layer in enumerate(LAYERS) for package in layer}

# `from simulate import __version__` is allowed everywhere: a constant of the root package,
# whose __init__ Python runs before any module of the package anyway.
SHARED = {"simulate.__version__"}

# The only imports against the arrows, (importing file, imported module), each with why it is
# still there. Delete an entry when its import goes: the test fails on an entry no import uses.
EXCEPTIONS: dict[tuple[str, str], str] = {}


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, root: Path = ROOT) -> list[tuple[int, str]]:
    """Every import in one file, wherever it stands, in order: (line, absolute dotted name);
    `from a import b` gives a.b, which may be a module or a name in a."""
    package = module_name(path, root).split(".")
    if path.name != "__init__.py":
        package = package[:-1]  # where a relative import starts
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, node.module] if node.module else base)
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return sorted(found)


def module_of(dotted: str, root: Path = ROOT) -> str:
    """The longest prefix of a dotted name that is a module or package under root."""
    parts = dotted.split(".")
    while len(parts) > 1:
        path = root.joinpath(*parts)
        if path.with_suffix(".py").is_file() or (path / "__init__.py").is_file():
            break
        parts.pop()
    return ".".join(parts)


def package_of(module: str) -> str | None:
    """The layer a dotted module name belongs to (None outside simulate)."""
    parts = module.split(".")
    if parts[0] != "simulate":
        return None
    return parts[1] if len(parts) > 1 else "simulate"


def against_the_arrows(root: Path = ROOT) -> tuple[list[str], set[tuple[str, str]]]:
    """Imports against the arrows ("file:line: a -> b (module)") and the exceptions met."""
    wrong, met = [], set()
    for path in sorted((root / "simulate").rglob("*.py")):
        file = path.relative_to(root).as_posix()
        source = package_of(module_name(path, root))
        for line, dotted in imports(path, root):
            module = module_of(dotted, root)
            target = package_of(module)
            if target in (None, source) or dotted in SHARED:
                continue
            assert source in RANK, f"{file}: package '{source}' is in no layer"
            assert target in RANK, f"{file}:{line}: package '{target}' is in no layer"
            if RANK[target] < RANK[source]:
                continue
            if (file, module) in EXCEPTIONS:
                met.add((file, module))
                continue
            wrong.append(f"{file}:{line}: {source} -> {target} ({module})")
    return list(dict.fromkeys(wrong)), met  # one line for `from a import b, c`


def test_every_import_points_down_the_layers() -> None:
    wrong, _ = against_the_arrows()
    assert not wrong, "imports against docs/architecture.md's arrows:\n" + "\n".join(wrong)


def test_every_exception_is_still_needed() -> None:
    _, met = against_the_arrows()
    gone = sorted(set(EXCEPTIONS) - met)
    assert not gone, f"these imports are gone: delete their EXCEPTIONS entries: {gone}"


def test_every_package_is_in_a_layer() -> None:
    found = {package_of(module_name(p, ROOT)) for p in (ROOT / "simulate").rglob("*.py")}
    assert found == set(RANK), f"in no layer: {found - set(RANK)}; gone: {set(RANK) - found}"


def test_an_import_against_the_arrows_is_found_however_it_is_written(tmp_path: Path) -> None:
    """At the top, inside a function, under TYPE_CHECKING, relative: each is named."""
    for name, text in {
        "__init__.py": "from simulate import __version__\n",
        "schema/__init__.py": "",
        "schema/fake.py": "from typing import TYPE_CHECKING\n"
        "import simulate.engine.core\n"
        "if TYPE_CHECKING:\n"
        "    from simulate.study.run import Result\n"
        "def f():\n"
        "    from ..report import page\n"
        "    from . import loading\n"
        "    from simulate import __version__\n",
        "schema/loading.py": "",
        "engine/__init__.py": "",
        "engine/core.py": "from simulate.schema.loading import x\n",
        "study/run.py": "",
        "report/page.py": "",
    }.items():
        path = tmp_path / "simulate" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    wrong, _ = against_the_arrows(tmp_path)
    assert wrong == [
        "simulate/schema/fake.py:2: schema -> engine (simulate.engine.core)",
        "simulate/schema/fake.py:4: schema -> study (simulate.study.run)",
        "simulate/schema/fake.py:6: schema -> report (simulate.report.page)",
    ]
