"""`gtops plan` and `gtops apply` (spec paths, or a saved plan file), with targeting and locking."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from gtops.commands._common import (
    DEFAULT,
    AutoApproveOpt,
    ForceOpt,
    FormatOpt,
    LockTimeoutOpt,
    NoPreflightOpt,
    PathsArg,
    ShowMembersOpt,
    StatsOpt,
    TargetOpt,
    VarFileOpt,
    VarOpt,
    applied,
    approver,
    check_format,
    color_for,
    finish,
    github_run,
    open_setup,
    parse_vars,
    stderr,
    with_connection,
)
from gtops.settings import Settings

VerifyOpt = Annotated[
    str,
    typer.Option(
        "--verify",
        metavar="[changed|full]",
        help="What the check after apply re-reads: the workers the apply changed (changed, the default) or "
        "the whole roster (full).",
    ),
]
DetailedOpt = Annotated[
    bool,
    typer.Option(
        "--detailed-exitcode", help="Exit 0 when there are no changes, 2 when there are, 1 on error."
    ),
]
OutOpt = Annotated[
    Path | None,
    typer.Option(
        "--out", metavar="FILE", help="Also save the plan here, for `gtops apply FILE` (JSON, no secrets)."
    ),
]


def pointer(out: Path | None) -> str | None:
    """Where a Markdown plan says the whole plan is: the plan file, and the pipeline run that keeps it."""
    if out is None:
        return None
    run = github_run()
    return f"the plan file `{out}`" + (f" (kept with this run's artifacts: {run})" if run else "")


def plan(
    ctx: typer.Context,
    paths: PathsArg = None,
    var: VarOpt = None,
    var_file: VarFileOpt = None,
    fmt: FormatOpt = "text",
    detailed_exitcode: DetailedOpt = False,
    out: OutOpt = None,
    target: TargetOpt = None,
    show_members: ShowMembersOpt = False,
    stats: StatsOpt = False,
    no_preflight: NoPreflightOpt = False,
    conn: Settings = DEFAULT,
) -> None:
    """Show what apply would change; never changes anything. --out saves it for `gtops apply FILE`."""
    from gtops.gitops.target import parse_targets
    from gtops.preflight import fail
    from gtops.render import FORMATS, render

    check_format(fmt, FORMATS)
    targets = parse_targets(target)
    setup = open_setup(conn, paths, var, var_file)
    found = setup.plan(targets, preflight=not no_preflight, progress=stderr)
    color = color_for(conn, sys.stdout)
    render(found.core, fmt, sys.stdout, color=color, show_members=show_members, pointer=pointer(out))
    fail(found.checks)  # after the plan was shown: what AWS would refuse during apply
    if out is not None:
        found.save(out)
        stderr(f"Saved the plan to {out} (plan {found.plan_id}). Apply exactly it with: gtops apply {out}")
    if stats:
        stderr(setup.stats)
    if detailed_exitcode and not found.empty:
        raise typer.Exit(2)


def apply(
    ctx: typer.Context,
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="PATHS", help="Spec files or folders, or one plan file saved by `gtops plan --out`."
        ),
    ] = None,
    var: VarOpt = None,
    var_file: VarFileOpt = None,
    auto_approve: AutoApproveOpt = False,
    force: ForceOpt = False,
    target: TargetOpt = None,
    lock_timeout: LockTimeoutOpt = "0s",
    stats: StatsOpt = False,
    verify: VerifyOpt = "changed",
    no_preflight: NoPreflightOpt = False,
    conn: Settings = DEFAULT,
) -> None:
    """Plan, check, ask for confirmation, apply in dependency order, then verify AWS matches the spec."""
    from gtops.api import open_saved_setup
    from gtops.gitops.lock import parse_timeout
    from gtops.gitops.planfile import plan_file_arg
    from gtops.gitops.target import parse_targets
    from gtops.render import render

    timeout = parse_timeout(lock_timeout)
    path = plan_file_arg(paths)
    if path is not None:
        cli_vars = parse_vars(var, var_file)
        setup = open_saved_setup(conn, path, cli_vars, stderr, targeted=bool(target))
        targets = None  # the plan file's own
    else:
        targets = parse_targets(target)
        setup = open_setup(conn, paths, var, var_file)
    color = color_for(setup.settings, sys.stdout)
    report = applied(
        lambda: setup.apply(
            force=force,
            approve=approver(auto_approve),
            targets=targets,
            lock_timeout=timeout,
            progress=stderr,
            on_plan=lambda p: render(p.core, "text", sys.stdout, color=color),
            preflight=not no_preflight,
            verify=verify,
        )
    )
    if report is not None:
        finish(report, setup.aws, stats)


def register(app: typer.Typer) -> None:
    app.command("plan")(with_connection(plan))
    app.command("apply")(with_connection(apply))
