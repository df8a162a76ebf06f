"""`gtops validate` and `gtops schema`: offline commands over the spec language (no AWS, no boto3)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from gtops.commands._common import (
    AllowOutsideOpt,
    PathsArg,
    VarFileOpt,
    VarOpt,
    check_format,
    default_paths,
    parse_vars,
    stderr,
)

if TYPE_CHECKING:
    from gtops.spec import Spec

ValidateFormatOpt = Annotated[
    str,
    typer.Option(
        "--format", "-f", metavar="FORMAT", help="Output format: text (default) or json ({valid, problems})."
    ),
]


def validate(
    ctx: typer.Context,
    paths: PathsArg = None,
    var: VarOpt = None,
    var_file: VarFileOpt = None,
    fmt: ValidateFormatOpt = "text",
    allow_outside: AllowOutsideOpt = False,
) -> None:
    """Check spec files (YAML syntax, schema, references, files, regions) and report every problem.

    Each folder given is checked as its own setup, and a folder whose sub-folders are setups (like `specs/`)
    setup by setup; files given together form one setup.
    """
    from gtops.errors import SpecError
    from gtops.spec import load_spec

    check_format(fmt, ("text", "json"))
    region = getattr(ctx.obj, "region", None)
    allow_outside = allow_outside or getattr(ctx.obj, "allow_outside", False)
    problems = []
    summaries = []
    cli_vars = parse_vars(var, var_file)
    for setup in setups_in(default_paths(paths)):
        try:
            spec = load_spec(setup, cli_vars=cli_vars, region=region, allow_outside=allow_outside)
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
    """The setups to check: each folder is one setup, or one per sub-folder when it is a folder of setups
    (no spec files of its own but sub-folders that have some, such as `specs/`); the files given, together,
    are one more. So `validate specs` and `validate specs/a specs/b` check the same setups the same way."""
    files: list[Path] = []  # one setup, where the first file is
    setups: list[list[Path]] = []
    for path in paths:
        if not path.is_dir():
            if not files:
                setups.append(files)
            files.append(path)
            continue
        subs = [] if _yaml_files(path) else sorted(d for d in path.iterdir() if d.is_dir() and _yaml_files(d))
        setups += [[d] for d in subs] if subs else [[path]]
    return setups


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
