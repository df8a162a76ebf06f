"""`--var-file FILE` (Terraform's -var-file): spec variables from a YAML or JSON file of `name: value` lines.

Its values count as given on the command line: above `vars:` and `GTOPS_VAR_*`, below `--var` (a `--var`
names one value explicitly, so it wins), later files over earlier ones. Like `--var`, a variable the spec does
not declare in `vars:` is treated as a secret. The file is read like any other input: bounded, YAML only (no
tags), one clear error with file:line:column.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from gtops.errors import GtopsError, Problem, SpecError

MAX_VAR_FILE = 1024 * 1024


def _problem(path: Path, line: int, column: int, name: str, message: str) -> SpecError:
    return SpecError([Problem(str(path), line, column, name, message)])


def _text(value: Any) -> str | None:
    """A scalar as `--var` would have given it; None for anything else."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    return None


def read_var_file(path: Path) -> dict[str, str]:
    from gtops.files import read_bounded
    from gtops.spec.variables import _NAME
    from gtops.spec.yaml_loader import load_yaml

    body = read_bounded(path, MAX_VAR_FILE, "--var-file")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise _problem(path, 1, 1, "", f"not UTF-8 text ({err.reason} at byte {err.start})") from None
    data, marks, problems = load_yaml(text)
    if problems:
        first = problems[0]
        raise _problem(path, first.line, first.column, "", first.message)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise _problem(path, 1, 1, "", "a var file is a mapping of variable names to values (name: value)")
    out: dict[str, str] = {}
    for name, value in data.items():
        line, column = marks.get((name,), (1, 1))
        if not isinstance(name, str) or not _NAME.match(name):
            raise _problem(path, line, column, str(name), "variable names are letters, digits and _")
        text_value = _text(value)
        if text_value is None:
            kind = "nothing" if value is None else type(value).__name__
            raise _problem(
                path, line, column, name, f"a variable's value is text, a number or true/false, not {kind}"
            )
        out[name] = text_value
    return out


def read_var_files(paths: Iterable[Path | str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for path in paths or []:
        if not str(path):
            raise GtopsError("--var-file wants a file name")
        out.update(read_var_file(Path(path)))
    return out
