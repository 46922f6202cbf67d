"""Shared helpers for the sweep tests (no tests here): a 30-day school keeps each run ~20 ms."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parent.parent
TRADITIONAL = ROOT / "scenarios" / "traditional.yaml"


def short_year(folder: Path, days: int = 30) -> Path:
    """The traditional school over `days` school days (its testing window would not fit)."""
    path = folder / "short.yaml"
    data = {
        "extends": str(TRADITIONAL),
        "name": "Traditional, short year",
        "calendar": {"school_days": days, "testing_windows": []},
    }
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def write_spec(folder: Path, **fields: Any) -> Path:
    """A grid over teacher absence (3 values) x substitutes on the list (0..2), 2 replications."""
    base = fields.pop("scenario", None) or short_year(folder).name
    spec: dict[str, Any] = {
        "name": "test sweep",
        "scenario": base,
        "design": "grid",
        "replications": 2,
        "seed": 11,
        "parameters": {
            "roles.teacher.absence_rate": [0.02, 0.05, 0.08],
            "substitutes.pool": {"low": 0, "high": 2, "levels": 3},
        },
        "metrics": [
            "coverage.substitute_fill_rate.value",
            "coverage.absences.count",
            "coverage.substitute_days.count",
            "small_group.minutes_per_student_week[tier=intensive].mean",
        ],
    }
    spec.update(fields)
    path = folder / "spec.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


def results(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / "results.parquet")
