"""Spec variables: `{{ name }}` over the text of spec files, never over referenced files.

A spec arrives in pull requests that a pipeline plans with an AWS role in hand, so the variable language is
gtops's own and deliberately tiny: a variable (dotted keys reach into a mapping variable), a quoted text or a
number, and a few filters (`default`, `lower`, `upper`, `trim`, `replace`). There is nothing to call, no
attribute of any Python object to reach, no loop or arithmetic; anything else inside `{{ }}` is a spec error
at its file:line. A general template engine, even sandboxed, would keep a door open that this language never
has (the jinja2 payloads of the bad-input corpus are refused as syntax, not caught at run time).

Values come, lowest to highest, from the `vars:` blocks, `GTOPS_VAR_<name>` and `--var name=value`. Other
environment variables are not variables: a pipeline's environment holds its credentials. Variables given only
from outside the spec (`--var`, `GTOPS_VAR_*`) with no `vars:` entry are secret: their values are masked in
every output and never written to saved plans. Full-line comments are copied as they are, and single-brace
`{username}`, `{####}`, `{portal_url}` are plain text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gtops.spec.yaml_loader import YamlProblem, load_yaml

ENV_PREFIX = "GTOPS_VAR_"
_VARS_LINE = re.compile(r"^vars\s*:")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# Bounds: a spec is untrusted input, so what rendering may produce is capped.
MAX_EXPRESSION = 512  # characters between {{ and }}
MAX_EXPRESSIONS = 20_000  # {{ }} per file
MAX_RENDERED = 4 * 1024 * 1024  # characters of rendered text per file

NO_OBJECTS = "spec variables cannot call functions or reach Python objects"
LANGUAGE = (
    "a spec variable is {{ name }}, {{ name.key }}, a quoted text or a number, optionally followed by "
    "filters: | default(value), | lower, | upper, | trim, | replace(old, new)"
)
FILTERS = {"default": (1, 1), "lower": (0, 0), "upper": (0, 0), "trim": (0, 0), "replace": (2, 2)}


@dataclass
class Variables:
    """The values a spec may use, and which of them came only from outside the spec (secret)."""

    values: dict[str, Any] = field(default_factory=dict)
    secret: set[str] = field(default_factory=set)
    # Names of environment variables, for the hint when an undefined name is one of them.
    environment: frozenset[str] = frozenset()

    def secret_values(self) -> list[str]:
        return sorted(
            {str(self.values[n]) for n in self.secret if str(self.values[n])}, key=len, reverse=True
        )


def has_template_syntax(text: str) -> bool:
    return "{{" in text or "{%" in text


def extract_vars(text: str) -> tuple[dict[str, Any], dict[str, tuple[int, int]], list[YamlProblem]]:
    """Read the top-level `vars:` block of raw spec text without rendering anything.

    Returns (vars, line/column of each name, problems). The block is the `vars:` line plus the indented,
    blank and comment lines after it; it is parsed alone, padded so line numbers stay those of the file.
    """
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if _VARS_LINE.match(line)), None)
    if start is None:
        return {}, {}, []
    end = start + 1
    while end < len(lines) and (not lines[end].strip() or lines[end][:1] in (" ", "\t", "#")):
        end += 1
    chunk = "\n" * start + "\n".join(lines[start:end]) + "\n"
    data, marks, problems = load_yaml(chunk)
    if problems:
        return {}, {}, problems
    block = (data or {}).get("vars") if isinstance(data, dict) else None
    if block is None:
        return {}, {}, []
    if not isinstance(block, dict):
        line, col = marks.get(("vars",), (start + 1, 1))
        return {}, {}, [YamlProblem(line, col, "must be a mapping of variable names to values", ("vars",))]
    out: dict[str, Any] = {}
    where: dict[str, tuple[int, int]] = {}
    for name, value in block.items():
        line, col = marks.get(("vars", name), (start + 1, 1))
        if not _NAME.match(name):
            problems.append(
                YamlProblem(
                    line, col, f"variable name '{name}' must be letters, digits and _", ("vars", name)
                )
            )
            continue
        if has_template_syntax(json.dumps(value, default=str)):
            problems.append(
                YamlProblem(line, col, "variable values are literal; they cannot use {{ }}", ("vars", name))
            )
            continue
        out[name] = value
        where[name] = (line, col)
    return out, where, problems


def context(
    file_vars: Mapping[str, Any], environ: Mapping[str, str], cli_vars: Mapping[str, str]
) -> Variables:
    """Merge variable sources, lowest to highest: vars blocks, GTOPS_VAR_*, --var."""
    found = Variables(values=dict(file_vars), environment=frozenset(environ))
    outside: dict[str, str] = {}
    for key, value in environ.items():
        if key.startswith(ENV_PREFIX) and _NAME.match(key[len(ENV_PREFIX) :]):
            outside[key[len(ENV_PREFIX) :]] = value
    outside.update(cli_vars)
    found.values.update(outside)
    found.secret = {name for name in outside if name not in file_vars}
    return found


class _Refused(Exception):
    def __init__(self, message: str, offset: int = 0):
        super().__init__(message)
        self.message = message
        self.offset = offset


class _Undefined(Exception):
    def __init__(self, name: str, message: str):
        super().__init__(message)
        self.name = name
        self.message = message


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<op>\.|\||\(|\)|,)
      | (?P<other>\S)
    )""",
    re.VERBOSE,
)


def _tokens(expr: str) -> list[tuple[str, str, int]]:
    out = []
    pos = 0
    while pos < len(expr):
        if not expr[pos:].strip():
            break
        m = _TOKEN.match(expr, pos)
        if m is None:  # pragma: no cover - the pattern matches any non-space character
            raise _Refused(LANGUAGE, pos)
        kind = m.lastgroup or "other"
        out.append((kind, m.group(kind), m.start(kind)))
        pos = m.end()
    return out


def _unquote(text: str) -> str:
    body = text[1:-1]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


class _Parser:
    """expression := primary ('|' filter)* ; primary := name ('.' key)* | string | number."""

    def __init__(self, expr: str, values: Mapping[str, Any]):
        self.tokens = _tokens(expr)
        self.i = 0
        self.values = values

    def peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, str, int]:
        token = self.peek()
        if token is None:
            raise _Refused(f"incomplete expression; {LANGUAGE}", 0)
        self.i += 1
        return token

    def refuse_objects(self, token: tuple[str, str, int]) -> None:
        kind, text, at = token
        if text in ("(", "[", "]") or (kind == "name" and text.startswith("_")):
            raise _Refused(NO_OBJECTS, at)
        if kind == "other" and text in "+-*/%~<>=!":
            raise _Refused(f"spec variables cannot compute ('{text}'); {LANGUAGE}", at)
        raise _Refused(f"'{text}' is not allowed here; {LANGUAGE}", at)

    def expression(self) -> Any:
        value = self.primary()
        while (token := self.peek()) is not None:
            if token[1] != "|":
                self.refuse_objects(token)
            self.take()
            value = self.filter(value)
        if isinstance(value, _Missing):
            raise _Undefined(value.name, value.message)
        return value

    def primary(self) -> Any:
        kind, text, at = self.take()
        if kind == "string":
            return _unquote(text)
        if kind == "number":
            return json.loads(text)
        if kind != "name":
            self.refuse_objects((kind, text, at))
        if text.startswith("_"):
            raise _Refused(NO_OBJECTS, at)
        path = [text]
        while (token := self.peek()) is not None and token[1] == ".":
            self.take()
            key = self.take()
            if key[0] != "name" or key[1].startswith("_"):
                raise _Refused(NO_OBJECTS, key[2])
            path.append(key[1])
        if (token := self.peek()) is not None and token[1] in ("(", "["):
            raise _Refused(NO_OBJECTS, token[2])
        return self.lookup(path)

    def lookup(self, path: list[str]) -> Any:
        """The value at a dotted path, or a _Missing that only `default` may replace."""
        if path[0] not in self.values:
            return _Missing(path[0], f"undefined variable '{path[0]}'")
        value = self.values[path[0]]
        for depth, key in enumerate(path[1:], start=1):
            if not isinstance(value, Mapping) or key not in value:
                where = ".".join(path[:depth])
                return _Missing(path[0], f"undefined value: '{where}' has no key '{key}'")
            value = value[key]
        return value

    def filter(self, value: Any) -> Any:
        kind, name, at = self.take()
        if kind != "name" or name not in FILTERS:
            if kind == "name" and not name.startswith("_"):
                raise _Refused(f"unknown filter '{name}'; {LANGUAGE}", at)
            raise _Refused(NO_OBJECTS, at)
        args: list[Any] = []
        if (token := self.peek()) is not None and token[1] == "(":
            self.take()
            while True:
                token = self.peek()
                if token is not None and token[1] == ")" and not args:
                    self.take()
                    break
                args.append(self.primary())
                closing = self.take()
                if closing[1] == ")":
                    break
                if closing[1] != ",":
                    self.refuse_objects(closing)
        low, high = FILTERS[name]
        if not low <= len(args) <= high:
            want = "no arguments" if high == 0 else f"{high} argument{'s' if high > 1 else ''}"
            raise _Refused(f"filter '{name}' takes {want}", at)
        for arg in args:
            if isinstance(arg, _Missing):
                raise _Undefined(arg.name, arg.message)
        if name == "default":
            return args[0] if isinstance(value, _Missing) else value
        if isinstance(value, _Missing):
            raise _Undefined(value.name, value.message)
        text = _text(value)
        if name == "lower":
            return text.lower()
        if name == "upper":
            return text.upper()
        if name == "trim":
            return text.strip()
        old, new = (_text(a) for a in args)
        if not old:
            raise _Refused("replace needs a non-empty text to replace", at)
        if len(new) > len(old) and text.count(old) * (len(new) - len(old)) + len(text) > MAX_RENDERED:
            raise _Refused(f"the replacement would be longer than {MAX_RENDERED:,} characters", at)
        return text.replace(old, new)


@dataclass(frozen=True)
class _Missing:
    name: str
    message: str


def _text(value: Any) -> str:
    """How a value is written into the spec text (YAML reads it back with its type)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)  # JSON is YAML flow style
    return str(value)


def _evaluate(expr: str, values: Mapping[str, Any]) -> str:
    if len(expr) > MAX_EXPRESSION:
        raise _Refused(f"expression longer than {MAX_EXPRESSION} characters")
    parser = _Parser(expr, values)
    if not parser.tokens:
        raise _Refused(f"empty {{{{ }}}}; {LANGUAGE}")
    return _text(parser.expression())


def _undefined_hint(name: str, variables: Variables) -> str:
    hint = f" (set it in vars:, with --var {name}=..., or {ENV_PREFIX}{name})"
    if name in variables.environment:
        hint += (
            f"; an environment variable named {name} exists, but environment variables are not spec "
            f"variables: pass it with --var {name}=... or {ENV_PREFIX}{name} if it is meant for the spec"
        )
    return hint


def render(text: str, variables: Variables | Mapping[str, Any]) -> tuple[str, list[YamlProblem]]:
    """Render spec text; every problem (undefined, refused, too big) is located at its `{{`."""
    if not has_template_syntax(text):
        return text, []
    if not isinstance(variables, Variables):
        variables = Variables(values=dict(variables))
    out: list[str] = []
    size = 0
    count = 0
    problems: list[YamlProblem] = []
    for lineno, line in enumerate(text.splitlines(keepends=True), start=1):
        if line.lstrip().startswith("#") or not has_template_syntax(line):
            out.append(line)
            size += len(line)
            continue
        pos = 0
        pieces: list[str] = []
        while pos < len(line):
            begin = _next_open(line, pos)
            if begin < 0:
                pieces.append(line[pos:])
                break
            pieces.append(line[pos:begin])
            if line.startswith("{%", begin):
                problems.append(
                    YamlProblem(
                        lineno,
                        begin + 1,
                        "{% ... %} blocks are not part of spec variables; write a literal {% as {{ '{%' }}",
                    )
                )
                pieces.append("{%")
                pos = begin + 2
                continue
            end = _closing(line, begin + 2)
            if end < 0:
                problems.append(
                    YamlProblem(lineno, begin + 1, "'{{' without a closing '}}' on the same line")
                )
                pieces.append(line[begin:])
                break
            count += 1
            if count > MAX_EXPRESSIONS:
                problems.append(
                    YamlProblem(lineno, begin + 1, f"more than {MAX_EXPRESSIONS:,} {{{{ }}}} in one file")
                )
                return text, problems
            expr = line[begin + 2 : end]
            try:
                pieces.append(_evaluate(expr, variables.values))
            except _Refused as err:
                problems.append(YamlProblem(lineno, begin + 1, err.message))
            except _Undefined as err:
                problems.append(
                    YamlProblem(lineno, begin + 1, err.message + _undefined_hint(err.name, variables))
                )
            pos = end + 2
        rendered = "".join(pieces)
        size += len(rendered)
        if size > MAX_RENDERED:
            problems.append(
                YamlProblem(lineno, 1, f"the rendered file would be longer than {MAX_RENDERED:,} characters")
            )
            return text, problems
        out.append(rendered)
    if problems:
        return text, problems
    return "".join(out), []


def _next_open(line: str, pos: int) -> int:
    a, b = line.find("{{", pos), line.find("{%", pos)
    found = [i for i in (a, b) if i >= 0]
    return min(found) if found else -1


def _closing(line: str, pos: int) -> int:
    """The `}}` that ends an expression starting at `pos`, skipping over quoted text."""
    quote = ""
    i = pos
    while i < len(line) - 1:
        ch = line[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif line.startswith("}}", i):
            return i
        i += 1
    return -1
