"""YAML loading that remembers where every value came from (the octoDNS ContextLoader idea).

`load_yaml` returns plain Python data plus a map from field path (("teams", 0, "groups", 1)) to
(line, column), so every later problem can point at the line a user must edit. Duplicate keys, which
PyYAML silently accepts (last one wins), are problems here.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

Path_ = tuple[Any, ...]
Mark = tuple[int, int]

# Aliases are expanded into plain data, so a few nested anchors ("billion laughs") could make a tiny file
# expand into billions of values. No real spec comes near these limits.
MAX_VALUES = 200_000
MAX_DEPTH = 64


class _TooBig(Exception):
    def __init__(self, node: yaml.Node, why: str):
        super().__init__(why)
        self.node = node
        self.why = why


class YamlProblem(Exception):
    """A YAML syntax or structure problem at (line, column), 1-based."""

    def __init__(self, line: int, column: int, message: str, path: Path_ = ()):
        super().__init__(message)
        self.line = line
        self.column = column
        self.message = message
        self.path = path


class _Loader(yaml.SafeLoader):
    """SafeLoader; only composes nodes, `_Builder` turns them into data with marks.

    PyYAML composes nodes recursively, so 100,000 nested `[` would end in RecursionError: the depth is
    checked here, long before Python's own limit.
    """

    depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise _TooBig(
                    yaml.ScalarNode("tag:yaml.org,2002:null", "", self.peek_event().start_mark),
                    f"values nest more than {MAX_DEPTH} levels deep",
                )
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _mark(node: yaml.Node) -> Mark:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


class _Builder:
    def __init__(self, loader: _Loader):
        self.loader = loader
        self.marks: dict[Path_, Mark] = {}
        self.problems: list[YamlProblem] = []
        self.values = 0

    def build(self, node: yaml.Node, path: Path_) -> Any:
        self.values += 1
        if self.values > MAX_VALUES:
            raise _TooBig(node, f"the document expands to more than {MAX_VALUES:,} values (nested aliases?)")
        if len(path) > MAX_DEPTH:
            raise _TooBig(node, f"values nest more than {MAX_DEPTH} levels deep (a recursive alias?)")
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            out = []
            for i, child in enumerate(node.value):
                self.marks[path + (i,)] = _mark(child)
                out.append(self.build(child, path + (i,)))
            return out
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as err:
            line, col = _mark(node)
            self.problems.append(YamlProblem(line, col, f"cannot read value: {err.problem}", path))
            return None

    def _mapping(self, node: yaml.MappingNode, path: Path_) -> dict[str, Any]:
        # YAML merge keys (<<: *anchor): PyYAML puts the merged pairs first, then the mapping's own. The own
        # keys win over merged ones (YAML 1.1's merge rule), and among merged ones the first source wins
        # (flatten_mapping orders them so that the last occurrence is that one). Only a key written twice
        # in the mapping itself is a duplicate.
        own = sum(1 for key, _ in node.value if key.tag != "tag:yaml.org,2002:merge")
        try:
            self.loader.flatten_mapping(node)
        except yaml.constructor.ConstructorError as err:
            line, col = _mark(node)
            self.problems.append(YamlProblem(line, col, f"bad merge key: {err.problem}", path))
            return {}
        merged = len(node.value) - own
        out: dict[str, Any] = {}
        written: set[str] = set()
        for position, (key_node, value_node) in enumerate(node.value):
            if not isinstance(key_node, yaml.ScalarNode):
                line, col = _mark(key_node)
                self.problems.append(
                    YamlProblem(
                        line,
                        col,
                        "a key must be a plain word, not a list or mapping "
                        "(quote values that contain '{' or '[')",
                        path,
                    )
                )
                continue
            # Keys keep their text: `yes:` or `2024:` stay strings instead of becoming True or 2024.
            key = key_node.value
            if position < merged:  # from a merge: a later merged pair of the same key replaces it
                self._forget(path + (key,))
                self.marks[path + (key,)] = _mark(key_node)
                out[key] = self.build(value_node, path + (key,))
                continue
            if key in out and key not in written:  # written next to the merge: it wins
                out.pop(key)
                self._forget(path + (key,))
            if key in out:
                line, col = _mark(key_node)
                first = self.marks.get(path + (key,), (0, 0))
                self.problems.append(
                    YamlProblem(
                        line, col, f"duplicate key '{key}' (first given on line {first[0]})", path + (key,)
                    )
                )
                continue
            written.add(key)
            self.marks[path + (key,)] = _mark(key_node)
            out[key] = self.build(value_node, path + (key,))
        return out

    def _forget(self, path: Path_) -> None:
        """Drop the marks of a value that was replaced (a merged key overridden)."""
        for known in [p for p in self.marks if p[: len(path)] == path]:
            del self.marks[known]


_FLOW_START = re.compile(r":\s+[{\[]")


def _syntax_problem(err: yaml.MarkedYAMLError, text: str) -> YamlProblem:
    """Locate a syntax error where the user must look, with a hint for the most common cause."""
    problem = err.problem or "invalid YAML"
    mark = err.problem_mark or err.context_mark
    if "end of stream" in problem and err.context_mark is not None:
        mark = err.context_mark  # an unclosed quote or bracket: point at where it opened
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    message = f"{err.context}: {problem}" if err.context else problem
    lines = text.splitlines()
    suspects = [n for n in (line, mark.line if mark else 0) if 1 <= n <= len(lines)]
    if any(_FLOW_START.search(lines[n - 1]) for n in suspects):
        message += ' (a value that starts with { or [ but is text must be quoted, e.g. "{username} ...")'
    return YamlProblem(line, col, f"YAML syntax error: {message}")


def _reader_problem(err: yaml.reader.ReaderError, text: str) -> YamlProblem:
    before = text[: err.position]
    line = before.count("\n") + 1
    column = err.position - (before.rfind("\n") + 1) + 1
    return YamlProblem(line, column, f"control character U+{err.character:04X} is not allowed in YAML text")


def load_yaml(text: str) -> tuple[Any, dict[Path_, Mark], list[YamlProblem]]:
    """Parse one YAML document: (data, marks by field path, problems). Empty text gives None."""
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as err:  # a NUL or other control character
        return None, {}, [_reader_problem(err, text)]
    try:
        try:
            node = loader.get_single_node()
        except _TooBig as err:
            line, col = _mark(err.node)
            return None, {(): (1, 1)}, [YamlProblem(line, col, f"YAML too deep: {err.why}")]
        except yaml.MarkedYAMLError as err:
            return None, {}, [_syntax_problem(err, text)]
        except yaml.reader.ReaderError as err:
            return None, {}, [_reader_problem(err, text)]
        except yaml.YAMLError as err:  # pragma: no cover - unmarked errors are rare (encoding)
            return None, {}, [YamlProblem(1, 1, f"YAML error: {err}")]
        if node is None:
            return None, {(): (1, 1)}, []
        builder = _Builder(loader)
        builder.marks[()] = _mark(node)
        try:
            data = builder.build(node, ())
        except _TooBig as err:
            line, col = _mark(err.node)
            return None, {(): (1, 1)}, [YamlProblem(line, col, f"YAML alias problem: {err.why}")]
        return data, builder.marks, builder.problems
    finally:
        loader.dispose()
