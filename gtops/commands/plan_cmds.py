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
    StatsOpt,
    TargetOpt,
    VarOpt,
    check_format,
    color_for,
    confirm,
    default_paths,
    endpoint_for,
    finish,
    load,
    load_and_connect,
    parse_vars,
    stderr,
    targets_from,
    with_connection,
)
from gtops.settings import Settings

VerifyOpt = Annotated[
    str,
    typer.Option(
        "--verify",
        metavar="changed|full",
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


def plan(
    ctx: typer.Context,
    paths: PathsArg = None,
    var: VarOpt = None,
    fmt: FormatOpt = "text",
    detailed_exitcode: DetailedOpt = False,
    out: OutOpt = None,
    target: TargetOpt = None,
    stats: StatsOpt = False,
    no_preflight: NoPreflightOpt = False,
    conn: Settings = DEFAULT,
) -> None:
    """Show what apply would change; never changes anything. --out saves it for `gtops apply FILE`."""
    from gtops.aws import translated_errors
    from gtops.engine import compute, preflight
    from gtops.gitops import planfile
    from gtops.preflight import fail
    from gtops.render import render

    check_format(fmt)
    targets = targets_from(target)
    s = conn
    spec, aws, endpoint = load_and_connect(conn, paths, var)
    with translated_errors(endpoint):
        planned = compute(spec, aws, targets)
        # A saved plan holds the plan, not this run's checks: `gtops apply FILE` checks again, for its caller.
        document = planfile.build(planned, default_paths(paths), parse_vars(var), targets) if out else None
        report = preflight(planned, applying=False, skip=no_preflight, say=stderr)
    render(planned.plan, fmt, sys.stdout, color=color_for(s, sys.stdout))
    fail(report)
    if out is not None and document is not None:
        planfile.write(document, out)
        stderr(
            f"Saved the plan to {out} (plan {document['plan_id']}). Apply exactly it with: gtops apply {out}"
        )
    if stats:
        stderr(aws.stats.report())
    if detailed_exitcode and not planned.plan.empty:
        raise typer.Exit(2)


def verify_and_record(planned, targets, plan_id: str, full: bool = False):
    """After apply: AWS must now match the spec (the whole roster with `full`, else the workers the apply
    changed); whatever was applied marks the setup with the plan id (so older saved plans are stale)."""
    from gtops.engine import verify
    from gtops.gitops.planfile import record_applied

    def after(report) -> None:
        try:
            if report.ok:
                verify(planned.spec, planned.aws, targets, None if full else planned.plan)
        finally:
            if report.done:
                record_applied(planned, plan_id)

    return after


def apply(
    ctx: typer.Context,
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Spec files or folders, or one plan file saved by `gtops plan --out`."),
    ] = None,
    var: VarOpt = None,
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
    from gtops.aws import translated_errors
    from gtops.engine import compute, connect, execute, preflight
    from gtops.gitops.lock import held, lock_location, parse_timeout
    from gtops.gitops.planfile import new_plan_id, plan_file_arg
    from gtops.gitops.saved import NO_LOCK, open_saved, refuse_if_stale
    from gtops.gitops.target import warning
    from gtops.preflight import fail
    from gtops.render import render

    if verify not in ("changed", "full"):
        from gtops.errors import GtopsError

        raise GtopsError(f"--verify {verify!r}: use --verify=changed (the default) or --verify=full")
    timeout = parse_timeout(lock_timeout)
    path = plan_file_arg(paths)
    saved = None
    if path is not None:
        saved = open_saved(path, conn, parse_vars(var), targeted=bool(target))
        spec, s, targets, plan_id = saved.spec, saved.settings, saved.targets, saved.plan_id
        if targets:
            stderr(f"Warning: {warning(targets)}")
        if lock_location(spec.setup) is None:
            stderr(f"Warning: {NO_LOCK}")
    else:
        spec, s, targets, plan_id = load(conn, paths, var), conn, targets_from(target), new_plan_id()
    endpoint = endpoint_for(s, spec)
    aws = connect(s, spec, endpoint)
    with translated_errors(endpoint), held(aws, spec.setup, "apply", plan_id, timeout, stderr):
        planned = compute(spec, aws, targets)
        if saved is not None:
            refuse_if_stale(saved, planned)
        checked = preflight(planned, applying=True, skip=no_preflight, say=stderr)
        render(planned.plan, "text", sys.stdout, color=color_for(s, sys.stdout))
        if planned.plan.empty:
            return
        fail(checked)  # before the first write
        report = execute(
            planned,
            force=force,
            approve=lambda: confirm(auto_approve),
            after=verify_and_record(planned, targets, plan_id, full=verify == "full"),
            log=stderr,
        )
    finish(report, aws, stats)


def register(app: typer.Typer) -> None:
    app.command("plan")(with_connection(plan))
    app.command("apply")(with_connection(apply))
