"""`gtops validate` and `gtops schema`: offline commands over the spec language (no AWS, no boto3)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from gtops.commands._common import (
    AllowOutsideOpt,
    PathsArg,
    VarOpt,
    check_format,
    default_paths,
    parse_vars,
    stderr,
)

if TYPE_CHECKING:
    from gtops.spec import Spec

ValidateFormatOpt = Annotated[
    str, typer.Option("--format", "-f", help="Output format: text (default) or json ({valid, problems}).")
]


def validate(
    ctx: typer.Context,
    paths: PathsArg = None,
    var: VarOpt = None,
    fmt: ValidateFormatOpt = "text",
    allow_outside: AllowOutsideOpt = False,
) -> None:
    """Check spec files (YAML syntax, schema, references, files, regions) and report every problem.

    A folder whose sub-folders are setups (like `specs/`) is checked setup by setup.
    """
    from gtops.errors import SpecError
    from gtops.spec import load_spec

    check_format(fmt, ("text", "json"))
    region = getattr(ctx.obj, "region", None)
    allow_outside = allow_outside or getattr(ctx.obj, "allow_outside", False)
    problems = []
    summaries = []
    for setup in setups_in(default_paths(paths)):
        try:
            spec = load_spec(setup, cli_vars=parse_vars(var), region=region, allow_outside=allow_outside)
        except SpecError as err:
            problems += err.problems
            continue
        summaries.append(_summary(spec))
    if fmt == "json":
        listed = [
            {"file": p.file, "line": p.line, "column": p.column, "path": p.path, "message": p.message}
            for p in problems
        ]
        typer.echo(json.dumps({"valid": not problems, "problems": listed}, indent=2))
    else:
        for line in summaries:
            typer.echo(line)
        for problem in problems:
            stderr(str(problem))
        if problems:
            stderr(f"{len(problems)} problem(s) found.")
    if problems:
        raise typer.Exit(1)


def setups_in(paths: list[Path]) -> list[list[Path]]:
    """One setup per folder of setups (a folder with no spec files of its own but sub-folders that have
    some, such as `specs/`); otherwise all the paths form one setup."""
    if len(paths) == 1 and paths[0].is_dir() and not _yaml_files(paths[0]):
        subs = sorted(d for d in paths[0].iterdir() if d.is_dir() and _yaml_files(d))
        if subs:
            return [[d] for d in subs]
    return [paths]


def _yaml_files(folder: Path) -> list[Path]:
    return [f for f in folder.iterdir() if f.is_file() and f.suffix in (".yaml", ".yml")]


def _summary(spec: Spec) -> str:
    setup = spec.setup
    spec_files = [f for f in spec.files if f.suffix in (".yaml", ".yml")] or spec.files
    workers = setup.members.workers if setup.members else ()
    counts = ", ".join(
        _count(n, word)
        for n, word in (
            (len(setup.groups), "group"),
            (len(setup.teams), "team"),
            (len(workers), "worker"),
            (len(setup.jobs), "job"),
        )
    )
    return f"{_count(len(spec_files), 'file')} valid: setup '{setup.name}' ({counts})"


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def schema() -> None:
    """Print the JSON Schema of the spec language (for editors and CI)."""
    from gtops.spec.schema import schema_json

    typer.echo(schema_json(), nl=False)


def register(app: typer.Typer) -> None:
    app.command("validate", help="Check spec files and report every problem as file:line:column.")(validate)
    app.command("schema", help="Print the JSON Schema of the spec language.")(schema)
