"""`gtops validate` and `gtops schema`: offline commands over the spec language (no AWS, no boto3)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from gtops.commands._common import PathsArg, VarOpt, check_format, default_paths, parse_vars, stderr

ValidateFormatOpt = Annotated[
    str, typer.Option("--format", "-f", help="Output format: text (default) or json ({valid, problems}).")
]


def validate(
    ctx: typer.Context,
    paths: PathsArg = None,
    var: VarOpt = None,
    fmt: ValidateFormatOpt = "text",
) -> None:
    """Check spec files (YAML syntax, schema, references, files, regions) and report every problem."""
    from gtops.errors import SpecError
    from gtops.spec import load_spec

    check_format(fmt, ("text", "json"))
    region = getattr(ctx.obj, "region", None)
    try:
        spec = load_spec(default_paths(paths), cli_vars=parse_vars(var), region=region)
    except SpecError as err:
        if fmt == "json":
            problems = [
                {"file": p.file, "line": p.line, "column": p.column, "path": p.path, "message": p.message}
                for p in err.problems
            ]
            typer.echo(json.dumps({"valid": False, "problems": problems}, indent=2))
        else:
            for problem in err.problems:
                stderr(str(problem))
            stderr(f"{len(err.problems)} problem(s) found.")
        raise typer.Exit(1) from None
    if fmt == "json":
        typer.echo(json.dumps({"valid": True, "problems": []}, indent=2))
        return
    data = spec.data
    spec_files = [f for f in spec.files if f.suffix in (".yaml", ".yml")] or spec.files
    workers = (data.get("members") or {}).get("workers") or []
    counts = ", ".join(
        _count(n, word)
        for n, word in (
            (len(data["groups"]), "group"),
            (len(data["teams"]), "team"),
            (len(workers), "worker"),
            (len(data["jobs"]), "job"),
        )
    )
    typer.echo(f"{_count(len(spec_files), 'file')} valid: setup '{data['name']}' ({counts})")


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def schema() -> None:
    """Print the JSON Schema of the spec language (for editors and CI)."""
    from gtops.spec.schema import schema_json

    typer.echo(schema_json(), nl=False)


def register(app: typer.Typer) -> None:
    app.command("validate", help="Check spec files and report every problem as file:line:column.")(validate)
    app.command("schema", help="Print the JSON Schema of the spec language.")(schema)
