"""`gtops plan` and `gtops apply`."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from gtops.commands._common import (
    EndpointOpt,
    FormatOpt,
    NoColorOpt,
    PathsArg,
    ProfileOpt,
    RegionOpt,
    SandboxOpt,
    VarOpt,
    VerboseOpt,
    check_format,
    default_paths,
    endpoint_for,
    parse_vars,
    settings,
    stderr,
)

DetailedOpt = Annotated[
    bool,
    typer.Option(
        "--detailed-exitcode", help="Exit 0 when there are no changes, 2 when there are, 1 on error."
    ),
]
StatsOpt = Annotated[
    bool, typer.Option("--stats", help="Print API calls by operation and wall time to stderr.")
]
AutoApproveOpt = Annotated[
    bool, typer.Option("--auto-approve", "--yes", help="Apply without asking (pipelines).")
]
ForceOpt = Annotated[
    bool, typer.Option("--force", help="Allow destructive or risky changes the plan marks as needing it.")
]


def _prepare(ctx, paths, var, region, profile, endpoint_url, sandbox, verbose, no_color):
    from gtops.engine import compute, connect
    from gtops.spec import load_spec

    s = settings(ctx, region, profile, endpoint_url, sandbox, verbose, no_color)
    spec = load_spec(default_paths(paths), cli_vars=parse_vars(var))
    endpoint = endpoint_for(s)
    aws = connect(s, spec, endpoint)
    from gtops.aws import translated_errors

    with translated_errors(endpoint):
        planned = compute(spec, aws)
    return s, planned


def _color(s, stream) -> bool:
    return s.color and stream.isatty()


def plan(
    ctx: typer.Context,
    paths: PathsArg = None,
    var: VarOpt = None,
    fmt: FormatOpt = "text",
    detailed_exitcode: DetailedOpt = False,
    stats: StatsOpt = False,
    region: RegionOpt = None,
    profile: ProfileOpt = None,
    endpoint_url: EndpointOpt = None,
    sandbox: SandboxOpt = False,
    verbose: VerboseOpt = 0,
    no_color: NoColorOpt = False,
) -> None:
    """Show what apply would change; never changes anything."""
    from gtops.render import render

    check_format(fmt)
    s, planned = _prepare(ctx, paths, var, region, profile, endpoint_url, sandbox, verbose, no_color)
    render(planned.plan, fmt, sys.stdout, color=_color(s, sys.stdout))
    if stats:
        stderr(planned.aws.stats.report())
    if detailed_exitcode and not planned.plan.empty:
        raise typer.Exit(2)


def apply(
    ctx: typer.Context,
    paths: PathsArg = None,
    var: VarOpt = None,
    auto_approve: AutoApproveOpt = False,
    force: ForceOpt = False,
    stats: StatsOpt = False,
    region: RegionOpt = None,
    profile: ProfileOpt = None,
    endpoint_url: EndpointOpt = None,
    sandbox: SandboxOpt = False,
    verbose: VerboseOpt = 0,
    no_color: NoColorOpt = False,
) -> None:
    """Plan, ask for confirmation, apply in dependency order, then verify AWS matches the spec."""
    from gtops.aws import translated_errors
    from gtops.engine import apply as run_apply
    from gtops.engine import check_safety, verify
    from gtops.errors import ApplyFailed, GtopsError
    from gtops.render import render

    s, planned = _prepare(ctx, paths, var, region, profile, endpoint_url, sandbox, verbose, no_color)
    render(planned.plan, "text", sys.stdout, color=_color(s, sys.stdout))
    if planned.plan.empty:
        return
    check_safety(planned.plan, force)
    if not auto_approve:
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            raise GtopsError(
                "refusing to apply without a terminal to confirm on; pass --auto-approve to apply"
            )
        stderr("\nDo you want to perform these actions? Only 'yes' will be accepted.")
        answer = typer.prompt("  Enter a value", default="", show_default=False, err=True)
        if answer.strip() != "yes":
            raise GtopsError("apply cancelled")
    endpoint = planned.aws.endpoint_url
    with translated_errors(endpoint):
        report = run_apply(planned, log=stderr)
        if report.ok:
            verify(planned.spec, planned.aws)
    if stats:
        stderr(planned.aws.stats.report())
    print(report.summary())
    if not report.ok:
        raise ApplyFailed(f"{len(report.failed)} step(s) failed, {len(report.skipped)} skipped (see above)")


def register(app: typer.Typer) -> None:
    app.command("plan")(plan)
    app.command("apply")(apply)
