"""Scenario data written back as YAML: plain values, no aliases, a comment header on top.

Used wherever the package writes a scenario file for a user (`simulate new`, `simulate
import`, the web app's workspace), so each such file reads like the bundled ones and loads
through the same safe loader.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import yaml


class _PlainDumper(yaml.SafeDumper):
    """Never writes anchors or aliases: a value shared by two fields is written twice."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _mapping(dumper: yaml.SafeDumper, data: dict[str, Any]) -> yaml.Node:
    """A mapping of a few short plain values on one line, as the bundled files write them;
    one with a long text (a note) a field a line."""
    short = len(data) <= 8 and all(_scalar(v) for v in data.values())
    short = short and all(len(str(v)) <= SHORT_TEXT for v in data.values())
    return dumper.represent_mapping("tag:yaml.org,2002:map", data, flow_style=short)


SHORT_TEXT = 40  # longest value of a mapping written on one line


def _sequence(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    """A list of plain values on one line; a list of sections one item per line."""
    short = all(_scalar(v) for v in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=short)


_PlainDumper.add_representer(dict, _mapping)
_PlainDumper.add_representer(list, _sequence)


def plain(value: Any) -> Any:
    """Decimal money as an int or float, recursively, so YAML writes plain numbers."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def to_yaml(data: dict[str, Any], header: Sequence[str] = ()) -> str:
    """The scenario as YAML, fields in the order given, under `# ` comment lines."""
    body = yaml.dump(
        plain(data),
        Dumper=_PlainDumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=False,
    )
    comments = "".join(f"# {line}".rstrip() + "\n" for line in header)
    return comments + body
