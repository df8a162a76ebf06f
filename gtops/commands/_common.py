"""Options shared by commands, and the one place a command turns flags into an AWS connection."""

from __future__ import annotations

import functools
import inspect
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from gtops.settings import Settings

if TYPE_CHECKING:
    from gtops.apply.runner import ApplyReport

PathsArg = Annotated[
    list[Path] | None,
    typer.Argument(
        metavar="PATHS",
        help="Spec files or folders (default: ./specs if it exists, else the current folder).",
    ),
]
RegionOpt = Annotated[
    str | None, typer.Option("--region", metavar="REGION", help="AWS region (default: the spec's).")
]
ProfileOpt = Annotated[str | None, typer.Option("--profile", metavar="NAME", help="AWS named profile.")]
EndpointOpt = Annotated[
    str | None,
    typer.Option("--endpoint-url", metavar="URL", help="Send AWS calls here (also AWS_ENDPOINT_URL)."),
]
SandboxOpt = Annotated[
    bool, typer.Option("--sandbox", help="Use the local sandbox (started in the background if needed).")
]
VarOpt = Annotated[
    list[str] | None,
    typer.Option("--var", metavar="NAME=VALUE", help="Set a spec variable: name=value (repeatable)."),
]
VarFileOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--var-file",
        metavar="FILE",
        help="Set spec variables from a YAML or JSON file of name: value lines (repeatable; --var wins).",
    ),
]
FormatOpt = Annotated[
    str,
    typer.Option(
        "--format", "-f", metavar="FORMAT", help="Output format: text, json, markdown or terraform-json."
    ),
]
ShowMembersOpt = Annotated[
    bool,
    typer.Option(
        "--show-members",
        help="Markdown: show workers' e-mail addresses and phone numbers (masked by default).",
    ),
]
VerboseOpt = Annotated[int, typer.Option("-v", "--verbose", count=True, help="More detail on stderr.")]
NoColorOpt = Annotated[bool, typer.Option("--no-color", help="Never colour output.")]
AllowOutsideOpt = Annotated[
    bool,
    typer.Option("--allow-outside", help="Let specs name files outside their folder (trusted specs only)."),
]


DEFAULT = Settings()  # placeholder default of a command's `conn`; with_connection always passes one

# Every command that talks to AWS takes these, after its own options (and they also work before the
# command name, as global options); `with_connection` adds them so no command repeats them.
CONNECTION_OPTIONS: dict[str, tuple[object, object]] = {
    "region": (RegionOpt, None),
    "profile": (ProfileOpt, None),
    "endpoint_url": (EndpointOpt, None),
    "sandbox": (SandboxOpt, False),
    "verbose": (VerboseOpt, 0),
    "no_color": (NoColorOpt, False),
    "allow_outside": (AllowOutsideOpt, False),
}


def with_connection(command):
    """Add the connection options to a command; it receives them merged with the global ones as
    `conn: Settings` (the command's own `conn` parameter is hidden from the CLI)."""
    signature = inspect.signature(command, eval_str=True)
    own = [p for p in signature.parameters.values() if p.name != "conn"]
    added = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)
        for name, (annotation, default) in CONNECTION_OPTIONS.items()
    ]

    @functools.wraps(command)
    def run(*args, **kwargs):
        options = {name: kwargs.pop(name, default) for name, (_, default) in CONNECTION_OPTIONS.items()}
        ctx = kwargs.get("ctx", args[0] if args else None)
        if ctx is None:
            raise TypeError(f"{command.__name__}: with_connection needs a `ctx: typer.Context` parameter")
        return command(*args, conn=settings(ctx, **options), **kwargs)

    run.__signature__ = signature.replace(parameters=own + added)  # type: ignore[attr-defined]
    run.__annotations__ = {p.name: p.annotation for p in own + added}
    del run.__wrapped__  # typer must see the new signature, not the command's
    return run


def load_and_connect(
    conn: Settings, paths: list[Path] | None, var: list[str] | None, var_file: list[Path] | None = None
):
    """Load the spec, resolve the endpoint (starting the sandbox if asked) and build the AWS clients."""
    setup = open_setup(conn, paths, var, var_file)
    return setup.spec, setup.aws, setup.endpoint


def open_setup(
    conn: Settings, paths: list[Path] | None, var: list[str] | None, var_file: list[Path] | None = None
):
    """The setup as gtops.api loads it (one path for the commands and the Python API), saying on stderr
    what it does along the way (a sandbox started, buckets created, locks)."""
    from gtops.api import open_setup as opened

    return opened(conn, default_paths(paths), parse_vars(var, var_file), stderr)


def load(conn: Settings, paths: list[Path] | None, var: list[str] | None, var_file: list[Path] | None = None):
    """Load the spec the way every command does: --var values, --region for its checks, --allow-outside."""
    return open_setup(conn, paths, var, var_file).spec


def settings(
    ctx: typer.Context,
    region: str | None = None,
    profile: str | None = None,
    endpoint_url: str | None = None,
    sandbox: bool = False,
    verbose: int = 0,
    no_color: bool = False,
    allow_outside: bool = False,
) -> Settings:
    base: Settings = ctx.obj or Settings()
    merged = base.merged(
        region=region,
        profile=profile,
        endpoint_url=endpoint_url,
        sandbox=sandbox,
        allow_outside=allow_outside,
    )
    if verbose:
        merged = merged.merged(verbose=max(verbose, base.verbose))
    if no_color:
        from dataclasses import replace

        merged = replace(merged, color=False)
    return merged


def parse_vars(pairs: list[str] | None, files: list[Path] | None = None) -> dict[str, str]:
    """--var-file values, then --var values over them (a --var names one value explicitly)."""
    from gtops.errors import GtopsError

    out: dict[str, str] = {}
    if files:
        from gtops.spec.varfile import read_var_files

        out.update(read_var_files(files))
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


def endpoint_for(s: Settings, spec=None) -> str | None:
    """Resolve --sandbox to a running sandbox's URL, starting one (see gtops.api.endpoint_for)."""
    from gtops.api import endpoint_for as resolve

    return resolve(s, spec, stderr)


def stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


StatsOpt = Annotated[
    bool, typer.Option("--stats", help="Print API calls by operation and wall time to stderr.")
]
AutoApproveOpt = Annotated[
    bool, typer.Option("--auto-approve", "--yes", help="Apply without asking (pipelines).")
]
ForceOpt = Annotated[
    bool, typer.Option("--force", help="Allow destructive or risky changes the plan marks as needing it.")
]
TargetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--target",
        metavar="ADDRESS",
        help="Only this resource (kind.name, e.g. sagemaker_workteam.test2) and what it needs. Repeatable.",
    ),
]
NoPreflightOpt = Annotated[
    bool,
    typer.Option(
        "--no-preflight",
        help="Skip the checks before apply (permissions, buckets, job roles, KMS keys, Lambdas, AWS limits).",
    ),
]
LockTimeoutOpt = Annotated[
    str,
    typer.Option(
        "--lock-timeout",
        metavar="DURATION",
        help="How long to wait for another run's lock: 0s (fail at once), 30s, 5m...",
    ),
]


def color_for(s: Settings, stream) -> bool:
    """Colour only on a terminal, and never with --no-color or NO_COLOR."""
    import os

    return s.color and "NO_COLOR" not in os.environ and stream.isatty()


def targets_from(target: list[str] | None):
    """--target values as addresses, with Terraform's warning that the rest was not considered."""
    from gtops.gitops.target import parse_targets, warning

    targets = parse_targets(target)
    if targets:
        stderr(f"Warning: {warning(targets)}")
    return targets


QUESTION = "Do you want to perform these actions?"


def approver(auto_approve: bool, verb: str = "apply", question: str = QUESTION):
    """The API's `approve=` for a command: Terraform's prompt (see `confirm`)."""

    def approve(_plan) -> bool:
        confirm(auto_approve, verb, question)
        return True

    return approve


def applied(call) -> ApplyReport | None:
    """Run an API apply or destroy: its report (also when steps failed), or None when nothing was to do."""
    from gtops.api import ApplyResult
    from gtops.errors import ApplyFailed

    try:
        result = call()
    except ApplyFailed as failed:
        if not isinstance(failed.result, ApplyResult):
            raise
        result = failed.result
    return result.report if result.applied else None


def github_run() -> str | None:
    """This GitHub Actions run's page (where its artifacts are), from the runner's environment."""
    import os

    parts = [os.environ.get(k, "") for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")]
    return f"{parts[0]}/{parts[1]}/actions/runs/{parts[2]}" if all(parts) else None


def confirm(
    auto_approve: bool, verb: str = "apply", question: str = "Do you want to perform these actions?"
) -> None:
    """Terraform's prompt: only 'yes' goes ahead; without a terminal, --auto-approve is required."""
    from gtops.errors import GtopsError

    if auto_approve:
        return
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise GtopsError(
            f"refusing to {verb} without a terminal to confirm on; pass --auto-approve to {verb}"
        )
    stderr(f"\n{question} Only 'yes' will be accepted.")
    answer = typer.prompt("  Enter a value", default="", show_default=False, err=True)
    if answer.strip() != "yes":
        raise GtopsError(f"{verb} cancelled")


def finish(report, aws, stats: bool, done: str = "Apply complete!") -> None:
    """The end of apply and destroy: call statistics, the summary, and exit 1 if anything did not run."""
    from gtops.errors import ApplyFailed

    if stats:
        stderr(aws.stats.report())
    print(report.summary().replace("Apply complete!", done))
    if not report.ok:
        raise ApplyFailed(f"{len(report.failed)} step(s) failed, {len(report.skipped)} skipped (see above)")
