"""The JSON Schema of the scenario, shaped for the browser's form generator (json-editor).

`simulate schema` is pydantic's schema; json-editor reads an older dialect, so the shape
changes here and nothing else: `$defs` becomes `definitions`, money (a number or a numeric
string) becomes a number, an optional field becomes its type (left out means none), and each
description gains the field's unit and allowed range, so every field of the full form shows
its help, unit and range as the short form does.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from simulate.schema.model import Scenario


@cache
def editor_schema() -> dict[str, Any]:
    schema = Scenario.model_json_schema()
    definitions = schema.pop("$defs", {})
    out = _shape(schema)
    out["definitions"] = {name: _shape(d) for name, d in definitions.items()}
    return out


def _shape(node: Any) -> Any:
    if isinstance(node, list):
        return [_shape(n) for n in node]
    if not isinstance(node, dict):
        return node
    node = {
        k: {name: _shape(field) for name, field in v.items()} if k == "properties" else _shape(v)
        for k, v in node.items()
    }
    if "$ref" in node:
        node["$ref"] = node["$ref"].replace("#/$defs/", "#/definitions/")
    choices = node.get("anyOf")
    if isinstance(choices, list):
        kept = [c for c in choices if c.get("type") != "null"]
        numbers = [c for c in kept if c.get("type") in ("number", "integer")]
        if len(numbers) == 1 and all(c in numbers or c.get("type") == "string" for c in kept):
            kept = numbers  # Decimal money: pydantic also accepts a numeric string
        if len(kept) == 1:
            node.pop("anyOf")
            node = {**kept[0], **node}
            if node.get("default", 0) is None:
                node.pop("default")
    if isinstance(node.get("default"), str) and node.get("type") == "number":
        node["default"] = float(node["default"])
    if isinstance(node.get("description"), str):
        node["description"] = node["description"] + _range(node)
    return node


def _range(node: dict[str, Any]) -> str:
    low = node.get("minimum", node.get("exclusiveMinimum"))
    high = node.get("maximum", node.get("exclusiveMaximum"))
    if low is not None and high is not None:
        return f" [{low:g} to {high:g}]"
    if low is not None:
        return f" [at least {low:g}]"
    if high is not None:
        return f" [at most {high:g}]"
    return ""
