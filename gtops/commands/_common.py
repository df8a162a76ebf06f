"""Options shared by commands, and the one place a command turns flags into an AWS connection."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from gtops.settings import Settings

PathsArg = Annotated[
    list[Path] | None,
    typer.Argument(help="Spec files or folders (default: ./specs if it exists, else the current folder)."),
]
RegionOpt = Annotated[str | None, typer.Option("--region", help="AWS region (default: the spec's).")]
ProfileOpt = Annotated[str | None, typer.Option("--profile", help="AWS named profile.")]
EndpointOpt = Annotated[
    str | None, typer.Option("--endpoint-url", help="Send AWS calls here (also AWS_ENDPOINT_URL).")
]
SandboxOpt = Annotated[
    bool, typer.Option("--sandbox", help="Use the local sandbox (started in the background if needed).")
]
VarOpt = Annotated[
    list[str] | None, typer.Option("--var", help="Set a spec variable: name=value (repeatable).")
]
FormatOpt = Annotated[str, typer.Option("--format", "-f", help="Output format: text, json or markdown.")]
VerboseOpt = Annotated[int, typer.Option("-v", "--verbose", count=True, help="More detail on stderr.")]
NoColorOpt = Annotated[bool, typer.Option("--no-color", help="Never colour output.")]


def settings(
    ctx: typer.Context,
    region: str | None = None,
    profile: str | None = None,
    endpoint_url: str | None = None,
    sandbox: bool = False,
    verbose: int = 0,
    no_color: bool = False,
) -> Settings:
    base: Settings = ctx.obj or Settings()
    merged = base.merged(region=region, profile=profile, endpoint_url=endpoint_url, sandbox=sandbox)
    if verbose:
        merged = merged.merged(verbose=max(verbose, base.verbose))
    if no_color:
        from dataclasses import replace

        merged = replace(merged, color=False)
    return merged


def parse_vars(pairs: list[str] | None) -> dict[str, str]:
    from gtops.errors import GtopsError

    out: dict[str, str] = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise GtopsError(f"--var wants name=value, got {pair!r}")
        out[name.strip()] = value
    return out


def default_paths(paths: list[Path] | None) -> list[Path]:
    if paths:
        return list(paths)
    return [Path("specs")] if Path("specs").is_dir() else [Path(".")]


def check_format(fmt: str, allowed: tuple[str, ...] = ("text", "json", "markdown")) -> str:
    from gtops.errors import GtopsError

    if fmt not in allowed:
        raise GtopsError(f"--format must be one of {', '.join(allowed)}, not {fmt!r}")
    return fmt


def endpoint_for(s: Settings) -> str | None:
    """Resolve --sandbox to a running sandbox's URL, starting one in the background if needed."""
    if s.sandbox:
        from gtops.sandbox.launcher import ensure_running

        return ensure_running(s.sandbox_port, quiet=True)
    return s.effective_endpoint()


def stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
