"""Safe YAML reading: plain data only, line numbers per field, no duplicate keys, no alias bombs.

A file is first counted as it is parsed (values, nesting, length of each value), so a huge
file is refused at the limit instead of after minutes of parsing (simulate.schema.limits).
It is then composed into a node graph (no object is ever constructed from a tag), and its
expanded size and depth are measured on the graph itself, so a "billion laughs" document is
refused before a single alias is expanded. Only standard YAML tags are accepted:
`!!python/...` and any other application tag is an error, never executed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from simulate.schema.errors import InputError
from simulate.schema.limits import (
    MAX_DEPTH,
    MAX_EXPANDED_VALUES,
    MAX_FILE_BYTES,
    MAX_TEXT_CHARS,
    MAX_YAML_VALUES,
    at_most,
)

# The C parser (libyaml) counts a file a hundred times faster than the pure-Python one.
_FAST = getattr(yaml, "CSafeLoader", None)

FieldPath = tuple[str | int, ...]

_STANDARD = "tag:yaml.org,2002:"
SCALAR_TAGS = {
    _STANDARD + t for t in ("null", "bool", "int", "float", "str", "timestamp")
}  # what plain YAML values resolve to; everything else (binary, set, python/...) is refused


def read_text(path: Path) -> str:
    """Read a UTF-8 text file, turning every OS or encoding problem into an InputError."""
    name = str(path)
    try:
        if not path.exists():
            raise InputError(name, None, "file does not exist", "a path to a YAML file")
        if path.is_dir():
            raise InputError(name, None, "is a directory, expected a YAML file")
        if not path.is_file():
            raise InputError(name, None, "is not a regular file", "a YAML file")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(name, None, f"is {size:,} bytes", at_most(MAX_FILE_BYTES, "bytes"))
        data = path.read_bytes()
    except OSError as err:
        raise InputError(name, None, f"cannot be read ({err.strerror or err})") from None
    if not data.strip():
        raise InputError(name, None, "is empty", "a YAML mapping of scenario fields")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise InputError(
            name,
            None,
            f"is not UTF-8 text (byte 0x{data[err.start]:02x} at offset {err.start}); "
            "save the file as UTF-8",
            "UTF-8",
            line=line,
        ) from None


def load_yaml(path: Path) -> tuple[Any, dict[FieldPath, int]]:
    """Parse a YAML file into plain Python data and a map from field path to line number."""
    text = read_text(path)
    name = str(path)
    parsed = _census(text, name)
    try:
        loader = _FAST if parsed and _FAST is not None else yaml.SafeLoader
        documents = list(yaml.compose_all(text, Loader=loader))
    except yaml.YAMLError as err:
        raise InputError(
            name, None, f"invalid YAML: {_yaml_problem(err)}", line=_line(err, text)
        ) from None
    except RecursionError:
        raise InputError(
            name, None, "invalid YAML: nested too deeply", f"at most {MAX_DEPTH} levels"
        ) from None
    documents = [d for d in documents if d is not None]
    if len(documents) > 1:
        raise InputError(
            name,
            None,
            f"holds {len(documents)} YAML documents (separated by ---)",
            "one document per file",
            line=documents[1].start_mark.line + 1,
        )
    lines: dict[FieldPath, int] = {}
    if not documents:
        return None, lines
    root = documents[0]
    _Measure(name).size(root, (), 0)
    return _Builder(name, lines).build(root, ()), lines


def _census(text: str, file: str) -> bool:
    """Count the file's values as it is parsed and stop at the first limit it breaks.

    Returns True when the fast parser read the whole file without error (it then composes
    it too); False when there is no fast parser or it found an error, which the pure-Python
    parser then reports with its clearer message.
    """
    loader = _FAST or yaml.SafeLoader
    values = 0
    stack: list[_Open] = []
    try:
        for event in yaml.parse(text, Loader=loader):
            if isinstance(event, yaml.CollectionEndEvent):
                stack.pop()
            if not isinstance(event, yaml.NodeEvent):
                continue
            values += 1
            label = stack[-1].next_label(event) if stack else None
            inside: FieldPath = tuple(o.label for o in stack[1:] if o.label is not None)
            own = (*inside, label) if label is not None else inside
            line = event.start_mark.line + 1 if event.start_mark is not None else None
            if values > MAX_YAML_VALUES:
                raise InputError(
                    file,
                    dotted(inside) if inside else None,
                    f"holds too many values (more than {MAX_YAML_VALUES:,} in one file)",
                    at_most(MAX_YAML_VALUES, "values in one file"),
                    line,
                )
            if isinstance(event, yaml.ScalarEvent) and len(event.value) > MAX_TEXT_CHARS:
                raise InputError(
                    file,
                    dotted(own) if own else None,
                    f"a value of {len(event.value):,} characters is too long",
                    at_most(MAX_TEXT_CHARS, "characters in one value"),
                    line,
                )
            if isinstance(event, yaml.CollectionStartEvent):
                if len(stack) >= MAX_DEPTH:
                    where = dotted(own) if own else None
                    raise InputError(
                        file, where, "nested too deeply", at_most(MAX_DEPTH, "levels"), line
                    )
                stack.append(_Open(label, isinstance(event, yaml.MappingStartEvent)))
    except yaml.YAMLError:
        return False
    return loader is _FAST


class _Open:
    """A list or mapping being parsed: its place in the file and what it holds so far."""

    def __init__(self, label: str | int | None, mapping: bool) -> None:
        self.label, self.mapping, self.items, self.key = label, mapping, 0, "?"

    def next_label(self, event: yaml.NodeEvent) -> str | int:
        """The path part of the next item: its key in a mapping, its index in a list."""
        index = self.items
        self.items += 1
        if not self.mapping:
            return index
        if index % 2 == 0:  # a key
            self.key = event.value if isinstance(event, yaml.ScalarEvent) else "?"
        return self.key


class _Measure:
    """Expanded size and depth of a node graph, memoised per node, so aliases cost nothing."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.sizes: dict[int, tuple[int, int]] = {}  # id(node) -> (values, height)
        self.open: set[int] = set()

    def size(self, node: yaml.Node, path: FieldPath, depth: int) -> tuple[int, int]:
        key = id(node)
        line = node.start_mark.line + 1
        if key in self.open:
            raise InputError(
                self.file, dotted(path), "an alias refers to itself (a loop)", line=line
            )
        known = self.sizes.get(key)
        if known is None:
            self.open.add(key)
            values, height = 1, 0
            for child_path, child in _children(node, path):
                if depth + 1 > MAX_DEPTH:
                    raise self._too_deep(path, line)
                n, h = self.size(child, child_path, depth + 1)
                values += n
                height = max(height, h + 1)
                if values > MAX_EXPANDED_VALUES:
                    raise InputError(
                        self.file,
                        dotted(path),
                        "YAML anchors and aliases expand to too many values "
                        "(a 'billion laughs' document?)",
                        at_most(MAX_EXPANDED_VALUES, "values"),
                        line=line,
                    )
            self.open.discard(key)
            known = self.sizes[key] = (values, height)
        if depth + known[1] > MAX_DEPTH:
            raise self._too_deep(path, line)
        return known

    def _too_deep(self, path: FieldPath, line: int) -> InputError:
        return InputError(
            self.file, dotted(path), "nested too deeply", f"at most {MAX_DEPTH} levels", line=line
        )


def _children(node: yaml.Node, path: FieldPath) -> list[tuple[FieldPath, yaml.Node]]:
    if isinstance(node, yaml.MappingNode):
        out: list[tuple[FieldPath, yaml.Node]] = []
        for key, value in node.value:
            label = key.value if isinstance(key, yaml.ScalarNode) else "?"
            out += [((*path, label), key), ((*path, label), value)]
        return out
    if isinstance(node, yaml.SequenceNode):
        return [((*path, i), item) for i, item in enumerate(node.value)]
    return []


class _Builder:
    """Turns a composed (and measured) node tree into dicts, lists and scalars."""

    def __init__(self, file: str, lines: dict[FieldPath, int]) -> None:
        self.file = file
        self.lines = lines
        self.constructor = yaml.SafeLoader("")

    def build(self, node: yaml.Node, path: FieldPath) -> Any:
        line = node.start_mark.line + 1
        self.lines.setdefault(path, line)
        self._check_tag(node, path)
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key = self._key(key_node, path)
                if key in out:
                    raise InputError(
                        self.file,
                        dotted((*path, key)),
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
        except (yaml.YAMLError, ValueError, OverflowError) as err:
            raise InputError(
                self.file, dotted(path), f"unreadable value: {err}", line=line
            ) from None

    def _key(self, key_node: yaml.Node, path: FieldPath) -> str:
        line = key_node.start_mark.line + 1
        if key_node.tag == _STANDARD + "merge":
            raise InputError(
                self.file,
                dotted(path),
                "merge keys (<<) are not supported",
                "write the fields out, or use extends",
                line=line,
            )
        if not isinstance(key_node, yaml.ScalarNode):
            raise InputError(
                self.file, dotted(path), "a key must be a plain name", "text keys", line=line
            )
        self._check_tag(key_node, path)
        try:
            key = self.constructor.construct_object(key_node, deep=True)
        except (yaml.YAMLError, ValueError, OverflowError) as err:
            raise InputError(self.file, dotted(path), f"unreadable key: {err}", line=line) from None
        if key is None or not isinstance(key, str | int | float | bool):
            raise InputError(
                self.file, dotted(path), f"unsupported key {key!r}", "text keys", line=line
            )
        return str(key)

    def _check_tag(self, node: yaml.Node, path: FieldPath) -> None:
        tag = node.tag
        ok = (
            tag in SCALAR_TAGS
            if isinstance(node, yaml.ScalarNode)
            else tag == _STANDARD + ("map" if isinstance(node, yaml.MappingNode) else "seq")
        )
        if not ok:
            shown = tag.replace(_STANDARD, "!!")
            raise InputError(
                self.file,
                dotted(path),
                f"YAML tag {shown} is not allowed (tags that build objects are never run)",
                "plain text, numbers, true/false, lists and mappings",
                line=node.start_mark.line + 1,
            )


def _yaml_problem(err: yaml.YAMLError) -> str:
    problem = getattr(err, "problem", None)
    context = getattr(err, "context", None)
    if problem:
        return f"{problem} ({context})" if context else str(problem)
    if isinstance(err, yaml.reader.ReaderError):
        return f"character {err.character!r} is not allowed in YAML text"
    return str(err)


def _line(err: yaml.YAMLError, text: str) -> int | None:
    mark = getattr(err, "problem_mark", None)
    if mark is not None:
        return int(mark.line) + 1
    position = getattr(err, "position", None)
    if isinstance(position, int):
        return text[:position].count("\n") + 1
    return None


def dotted(path: FieldPath) -> str:
    """A field path as users write it: schools[0].teams[1].members."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


_dotted = dotted  # the old private name
