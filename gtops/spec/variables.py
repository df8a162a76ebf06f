"""Spec variables: `{{ name }}` (jinja2, strict) over the text of spec files, never over referenced files.

Values come, lowest to highest, from the `vars:` blocks, environment variables (plain names, then
`GTOPS_VAR_<name>`) and `--var name=value`. The `vars:` block is cut out of the raw text and parsed on
its own before rendering, so a file may both define and use variables. Jinja comments are switched off
(`{#` ... `#}` would eat Cognito's `{####}` placeholder); single-brace `{username}`/`{portal_url}` are
plain text to jinja2 anyway.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from gtops.spec.yaml_loader import YamlProblem, load_yaml

ENV_PREFIX = "GTOPS_VAR_"
_VARS_LINE = re.compile(r"^vars\s*:")
_BEGIN = re.compile(r"\{\{|\{%")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


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
        if has_template_syntax(str(value)):
            problems.append(
                YamlProblem(line, col, "variable values are literal; they cannot use {{ }}", ("vars", name))
            )
            continue
        out[name] = value
        where[name] = (line, col)
    return out, where, problems


def context(
    file_vars: Mapping[str, Any], environ: Mapping[str, str], cli_vars: Mapping[str, str]
) -> dict[str, Any]:
    """Merge variable sources, lowest to highest: vars blocks, plain env, GTOPS_VAR_*, --var."""
    ctx: dict[str, Any] = dict(file_vars)
    for key, value in environ.items():
        if _NAME.match(key) and not key.startswith(ENV_PREFIX):
            ctx[key] = value
    for key, value in environ.items():
        if key.startswith(ENV_PREFIX) and _NAME.match(key[len(ENV_PREFIX) :]):
            ctx[key[len(ENV_PREFIX) :]] = value
    ctx.update(cli_vars)
    return ctx


def _environment():
    import jinja2

    return jinja2.Environment(
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
        # Comments off in practice: `{#`...`#}` would swallow Cognito's `{####}` password placeholder.
        comment_start_string="{#gtops-comment#",
        comment_end_string="#gtops-comment#}",
    )


def _column(lines: list[str], lineno: int, nth: int) -> int:
    if 1 <= lineno <= len(lines):
        found = list(_BEGIN.finditer(lines[lineno - 1]))
        if found:
            return found[min(nth, len(found) - 1)].start() + 1
    return 1


def _template_line(err: BaseException) -> int:
    line = 1
    tb = err.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _protect_comment_lines(text: str) -> str:
    """Keep `{{ }}` in full-line comments from being rendered; the text itself is left as it is."""
    out = []
    for line in text.splitlines(keepends=True):
        if line.lstrip().startswith("#") and has_template_syntax(line) and "endraw" not in line:
            body = line.rstrip("\r\n")
            line = "{% raw %}" + body + "{% endraw %}" + line[len(body) :]
        out.append(line)
    return "".join(out)


def render(text: str, ctx: Mapping[str, Any]) -> tuple[str, list[YamlProblem]]:
    """Render spec text; every undefined variable is a problem at the `{{` that uses it.

    Full-line comments are not rendered (they often explain `{{ }}`); their text is kept as is.
    """
    if not has_template_syntax(text):
        return text, []
    text = _protect_comment_lines(text)
    import jinja2
    from jinja2 import meta

    env = _environment()
    lines = text.splitlines()
    try:
        ast = env.parse(text)
    except jinja2.TemplateSyntaxError as err:
        line = err.lineno or 1
        return text, [YamlProblem(line, _column(lines, line, 0), f"variable syntax error: {err.message}")]
    missing = meta.find_undeclared_variables(ast) - set(ctx) - set(env.globals)
    if missing:
        problems: list[YamlProblem] = []
        seen: set[tuple[int, int, str]] = set()
        begins: dict[int, int] = {}
        current = (1, 0)
        prev = ""
        for lineno, token, value in env.lex(text):
            if token in ("variable_begin", "block_begin"):
                current = (lineno, begins.get(lineno, 0))
                begins[lineno] = current[1] + 1
            elif token == "name" and value in missing and prev not in (".", "|", "is"):
                key = (current[0], current[1], value)
                if key not in seen:
                    seen.add(key)
                    col = _column(lines, current[0], current[1])
                    problems.append(
                        YamlProblem(
                            current[0],
                            col,
                            f"undefined variable '{value}' "
                            f"(set it in vars:, with --var {value}=..., or "
                            f"{ENV_PREFIX}{value})",
                        )
                    )
            if token != "whitespace":
                prev = value if token in ("operator", "name") else token
        return text, problems
    try:
        return env.from_string(text).render(**ctx), []
    except jinja2.UndefinedError as err:
        line = _template_line(err)
        return text, [YamlProblem(line, _column(lines, line, 0), f"undefined value: {err.message}")]
    except Exception as err:  # a failing filter or expression is the user's spec, not a crash
        line = _template_line(err)
        return text, [YamlProblem(line, _column(lines, line, 0), f"variable error: {err}")]
