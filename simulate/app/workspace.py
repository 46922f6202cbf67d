"""The workspace folder: everything the app keeps, so a restart loses nothing.

    scenarios/<slug>.yaml           the planner's scenarios (plain YAML, editable by hand)
    runs/<id>/run.json              what was run, with which settings, and how it ended
    runs/<id>/inputs/<slug>.yaml    the scenario files as they were when the run started
    runs/<id>/...                   the outputs (report.html, summary.csv, budget.xlsx, ...)

Names that reach the disk are checked against one pattern each (slugs, run ids, output file
names), so no request can name a path outside the workspace.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulate import __version__
from simulate.output import PARTIAL, write_json, write_text
from simulate.schema.errors import InputError

if TYPE_CHECKING:
    from simulate.schema.model import Scenario

SLUG = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
RUN_ID = re.compile(r"\d{8}-\d{6}(-\d{1,3})?")
# Files of a run the app serves: outputs of compare and budget, and the run's record.
RUN_FILES = re.compile(r"[a-z_]{1,40}\.(html|csv|xlsx|json)")
# How the comment header of a file the package wrote names the bundled scenario it started
# from: `simulate new` ("the bundled arrangement 'x'"), a copy of a bundled scenario and an
# import of the bundled template ("the bundled scenario 'x'").
ORIGIN = re.compile(r"\bbundled (?:arrangement|scenario) '([a-z0-9_]+)'")
MAX_SAME_NAME = 1_000  # scenario files of one name (name, name-2, ...) in a workspace


@dataclass(frozen=True)
class Entry:
    """A scenario file of the workspace: its slug, and its name or why it does not load."""

    slug: str
    path: Path
    name: str | None
    error: str | None
    origin: str | None = None  # the bundled scenario it was made from (see `origin`)


def origin(text: str, name: str) -> str | None:
    """The bundled scenario a scenario file was made from, as its comment header says, or
    the one it is (by its name, less a "(copy)" or "(2)") when the header does not say."""
    from simulate.schema import bundled

    header = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        header.append(line.lstrip("#").strip())
    found = ORIGIN.search(" ".join(header))
    if found:
        return found.group(1)
    name = re.sub(r"( \((copy|\d+)\))+$", "", name)  # a copy, or a name made unique
    return next((stem for stem, title in bundled.titles().items() if title == name), None)


class Workspace:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.scenarios = self.root / "scenarios"
        self.runs = self.root / "runs"
        for folder in (self.scenarios, self.runs):
            folder.mkdir(parents=True, exist_ok=True)

    # ---- scenarios ------------------------------------------------------------------------
    def scenario_path(self, slug: str) -> Path:
        if not SLUG.fullmatch(slug):
            raise InputError(None, "scenario", f"'{slug:.60}' is not a scenario of the workspace")
        return self.scenarios / f"{slug}.yaml"

    def scenario_file(self, slug: str) -> Path:
        """The file of a scenario of the workspace; InputError if there is none."""
        path = self.scenario_path(slug)
        if not path.is_file():
            raise InputError(None, "scenario", f"'{slug}' is not a scenario of the workspace")
        return path

    def load(self, slug: str) -> tuple[dict[str, Any], Scenario]:
        """A scenario as plain data and validated (InputError if it is not valid)."""
        from simulate.schema.loading import load_data_and_scenario

        return load_data_and_scenario(self.scenario_file(slug), self.scenarios)

    def check_text(self, text: str, name: str) -> Scenario:
        """YAML text (an upload, an edit) loaded as a scenario file of the workspace would be;
        an InputError names the file `name`."""
        from simulate.schema.loading import load_scenario

        temporary = self.scenarios / f".check-{secrets.token_hex(8)}.yaml"
        try:
            temporary.write_text(text, encoding="utf-8")
            return load_scenario(temporary, self.scenarios)
        except InputError as err:
            raise (err.at(name) if err.file == str(temporary) else err) from None
        finally:
            temporary.unlink(missing_ok=True)

    def entries(self) -> list[Entry]:
        """Every scenario file, loaded (to show its name) or with the reason it does not load."""
        from simulate.schema.loading import load_scenario

        out = []
        for path in sorted(self.scenarios.glob("*.yaml")):
            if not SLUG.fullmatch(path.stem):
                continue
            try:
                name = load_scenario(path, self.scenarios).name
                text = path.read_text(encoding="utf-8")
            except FileNotFoundError:  # renamed or deleted by another request since the listing
                continue
            except InputError as err:
                if path.exists():  # else gone since the listing, as above
                    out.append(Entry(path.stem, path, None, str(err)))
                continue
            out.append(Entry(path.stem, path, name, None, origin(text, name)))
        return out

    def add_scenario(self, name: str, text: str) -> str:
        """Keep a new scenario called `name` under a slug of its name that no file has yet
        (lowercase, dashes, -2, -3, ... when taken), and return the slug.

        The file appears whole under a name claimed in one step: the text is written to a
        temporary file, which is then hard-linked to the slug's file name, and a link fails
        if the name exists. So uploads of one name at the same moment each get their own
        file, and none overwrites another."""
        text_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
        base = re.sub(r"[^a-z0-9]+", "-", text_name.lower()).strip("-")[:48] or "scenario"
        staged = write_text(self.scenarios / f".new-{secrets.token_hex(8)}{PARTIAL}.yaml", text)
        try:
            for k in range(1, MAX_SAME_NAME + 1):
                slug = base if k == 1 else f"{base}-{k}"
                try:
                    os.link(staged, self.scenario_path(slug))
                except FileExistsError:
                    continue
                return slug
        finally:
            staged.unlink(missing_ok=True)
        raise InputError(
            name, None, f"the workspace already holds {MAX_SAME_NAME} scenarios of this name"
        )

    def free_slug(self, name: str, keep: str | None = None) -> str:
        """A new file name for a scenario called `name`: lowercase, dashes, unique (or
        `keep`, the scenario's own file name, when it is what the name gives)."""
        text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
        base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:48] or "scenario"
        slug, k = base, 1
        while slug != keep and (self.scenarios / f"{slug}.yaml").exists():
            k += 1
            slug = f"{base}-{k}"
        return slug

    def save_scenario(self, slug: str, text: str) -> Path:
        return write_text(self.scenario_path(slug), text)

    def save_data(self, slug: str, data: dict[str, Any], why: str) -> None:
        """Write a scenario's data, keeping the comment lines at the top of its file."""
        from simulate.schema.writing import to_yaml

        path = self.scenario_path(slug)
        header: list[str] = []
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                if not line.startswith("#"):
                    break
                header.append(line[1:].removeprefix(" "))
        while header and not header[-1].strip():
            header.pop()
        note = f"Saved by the simulate web app (simulate {__version__}): {why}."
        header = [line for line in header if not line.startswith("Saved by the simulate web app")]
        self.save_scenario(slug, to_yaml(data, [*header, note, ""]))

    # ---- runs -----------------------------------------------------------------------------
    def new_run(self, record: dict[str, Any]) -> str:
        """A new run folder with its record; ids sort by start time."""
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        run_id, k = stamp, 1
        while (self.runs / run_id).exists():
            k += 1
            run_id = f"{stamp}-{k}"
        (self.runs / run_id / "inputs").mkdir(parents=True)
        self.write_record(run_id, {"id": run_id, "started": stamp, **record})
        return run_id

    def run_folder(self, run_id: str) -> Path:
        if not RUN_ID.fullmatch(run_id) or not (self.runs / run_id).is_dir():
            raise InputError(None, "run", f"'{run_id:.60}' is not a run of the workspace")
        return self.runs / run_id

    def record(self, run_id: str) -> dict[str, Any]:
        try:
            data = json.loads((self.run_folder(run_id) / "run.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {"id": run_id, "status": "damaged", "kind": "?"}
        return data if isinstance(data, dict) else {"id": run_id, "status": "damaged"}

    def write_record(self, run_id: str, record: dict[str, Any]) -> None:
        write_json(self.runs / run_id / "run.json", record)

    def update_record(self, run_id: str, **changes: Any) -> dict[str, Any]:
        record = self.record(run_id) | changes
        self.write_record(run_id, record)
        return record

    def run_ids(self) -> list[str]:
        """Every run, newest first."""
        ids = [p.name for p in self.runs.iterdir() if p.is_dir() and RUN_ID.fullmatch(p.name)]
        return sorted(ids, reverse=True)

    def run_file(self, run_id: str, name: str) -> Path:
        """An output file of a run; InputError for any other name."""
        path = self.run_folder(run_id) / name
        if not RUN_FILES.fullmatch(name) or PARTIAL in name or not path.is_file():
            raise InputError(None, "file", f"'{name:.60}' is not a file of run {run_id}")
        return path

    def mark_unfinished(self) -> None:
        """Runs left 'running' by a server that was stopped did not finish: say so."""
        for run_id in self.run_ids():
            if self.record(run_id).get("status") == "running":
                self.update_record(run_id, status="interrupted")
