"""Safe YAML reading: plain data only, line numbers per field, no duplicate keys, no alias bombs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import InputError

MAX_NODES = 200_000  # far above any real scenario; stops "billion laughs" alias expansion
MAX_BYTES = 5_000_000

FieldPath = tuple[str | int, ...]


def read_text(path: Path) -> str:
    """Read a UTF-8 text file, turning every OS or encoding problem into an InputError."""
    name = str(path)
    if not path.exists():
        raise InputError(name, None, "file does not exist")
    if path.is_dir():
        raise InputError(name, None, "is a directory, expected a YAML file")
    try:
        data = path.read_bytes()
    except OSError as err:
        raise InputError(name, None, f"cannot be read ({err.strerror})") from None
    if len(data) > MAX_BYTES:
        raise InputError(name, None, f"is {len(data)} bytes", f"at most {MAX_BYTES} bytes")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(
            name, None, f"is not UTF-8 text (bad byte at offset {err.start})", "UTF-8"
        ) from None


def load_yaml(path: Path) -> tuple[Any, dict[FieldPath, int]]:
    """Parse a YAML file into plain Python data and a map from field path to line number."""
    text = read_text(path)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(err, "problem", None) or str(err)
        raise InputError(str(path), None, f"invalid YAML: {problem}", line=line) from None
    lines: dict[FieldPath, int] = {}
    if root is None:
        return None, lines
    builder = _Builder(str(path), lines)
    return builder.build(root, ()), lines


class _Builder:
    """Turns a composed YAML node tree into dicts, lists and scalars, counting every node."""

    def __init__(self, file: str, lines: dict[FieldPath, int]) -> None:
        self.file = file
        self.lines = lines
        self.count = 0
        self.constructor = yaml.SafeLoader("")

    def build(self, node: yaml.Node, path: FieldPath) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise InputError(
                self.file,
                _dotted(path),
                "YAML expands to too many values (anchors and aliases?)",
                f"at most {MAX_NODES} values",
                line=node.start_mark.line + 1,
            )
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise InputError(
                        self.file,
                        _dotted(path),
                        "merge keys (<<) are not supported",
                        line=key_node.start_mark.line + 1,
                    )
                key = self.constructor.construct_object(key_node, deep=True)
                if not isinstance(key, str | int | float | bool):
                    raise InputError(
                        self.file,
                        _dotted(path),
                        f"unsupported key {key!r}",
                        "text keys",
                        line=key_node.start_mark.line + 1,
                    )
                key = str(key)
                if key in out:
                    raise InputError(
                        self.file,
                        _dotted((*path, key)),
                        "duplicate key",
                        "each key once per mapping",
                        line=key_node.start_mark.line + 1,
                    )
                out[key] = self.build(value_node, (*path, key))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        try:
            return self.constructor.construct_object(node, deep=True)
        except yaml.YAMLError as err:
            raise InputError(
                self.file, _dotted(path), f"unreadable value: {err}", line=node.start_mark.line + 1
            ) from None


def _dotted(path: FieldPath) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


dotted = _dotted
