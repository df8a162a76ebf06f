"""`gtops drift`, `gtops destroy`, `gtops export` and `gtops unlock`: the commands pipelines run around
plan and apply (saved plans and locking live in `plan`/`apply`)."""

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
    PathsArg,
    StatsOpt,
    TargetOpt,
    VarOpt,
    check_format,
    color_for,
    confirm,
    endpoint_for,
    finish,
    load_and_connect,
    stderr,
    targets_from,
    with_connection,
)
from gtops.settings import Settings


def drift(
    ctx: typer.Context,
    paths: PathsArg = None,
    var: VarOpt = None,
    fmt: FormatOpt = "text",
    target: TargetOpt = None,
    stats: StatsOpt = False,
    conn: Settings = DEFAULT,
) -> None:
    """Report what changed outside gtops, field by field; changes nothing. Exit 0 none, 2 drift, 1 error."""
    from gtops.aws import translated_errors
    from gtops.engine import compute
    from gtops.gitops.drift import drift_plan
    from gtops.render import render

    check_format(fmt)
    targets = targets_from(target)
    s = conn
    spec, aws, endpoint = load_and_connect(conn, paths, var)
    with translated_errors(endpoint):
        planned = compute(spec, aws, targets)
        plan = drift_plan(planned)
    render(plan, fmt, sys.stdout, color=color_for(s, sys.stdout), drift=True)
    if stats:
        stderr(aws.stats.report())
    if not plan.empty:
        raise typer.Exit(2)


def destroy(
    ctx: typer.Context,
    paths: PathsArg = None,
    var: VarOpt = None,
    auto_approve: AutoApproveOpt = False,
    force: ForceOpt = False,
    target: TargetOpt = None,
    lock_timeout: LockTimeoutOpt = "0s",
    stats: StatsOpt = False,
    conn: Settings = DEFAULT,
) -> None:
    """Delete what the spec owns, in reverse dependency order, after showing the plan and asking."""
    from gtops.aws import translated_errors
    from gtops.engine import execute
    from gtops.gitops.destroy import check_gone, destroy_plan, refuse_empty_spec
    from gtops.gitops.lock import held, parse_timeout
    from gtops.gitops.planfile import new_plan_id
    from gtops.render import render

    timeout = parse_timeout(lock_timeout)
    targets = targets_from(target)
    s = conn
    spec, aws, endpoint = load_and_connect(conn, paths, var)
    refuse_empty_spec(spec)
    with translated_errors(endpoint), held(aws, spec.setup, "destroy", new_plan_id(), timeout, stderr):
        planned = destroy_plan(spec, aws, targets)
        render(planned.plan, "text", sys.stdout, color=color_for(s, sys.stdout))
        if planned.plan.empty:
            return

        def after(report) -> None:
            report.command = "destroy"
            if report.ok:
                check_gone(planned)

        question = "Do you really want to destroy these resources? There is no undo."
        report = execute(
            planned,
            force=force,
            approve=lambda: confirm(auto_approve, "destroy", question),
            after=after,
            log=stderr,
        )
    finish(report, aws, stats, "Destroy complete!")


def export(
    ctx: typer.Context,
    pool: Annotated[str | None, typer.Option("--pool", help="The user pool's name.")] = None,
    pool_id: Annotated[str | None, typer.Option("--pool-id", help="The user pool's id.")] = None,
    name: Annotated[str | None, typer.Option("--name", help="Setup name (default: the pool's).")] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write <name>.yaml (and workers.csv, UI templates) here.")
    ] = None,
    conn: Settings = DEFAULT,
) -> None:
    """Write a spec describing a live setup (default: the region's workforce and its pool), to adopt it."""
    from gtops.aws import Aws, translated_errors
    from gtops.gitops.export import check_writable_folder, export_setup, write

    s = conn
    if out is not None:
        check_writable_folder(out)  # before reading AWS, so a typo costs nothing
    endpoint = endpoint_for(s)
    aws = Aws(s, s.region, endpoint)
    with translated_errors(endpoint):
        exported = export_setup(aws, pool, pool_id, name, csv_name="workers.csv" if out else None)
    written = write(exported, f"{aws.region}, pool {exported.data['pool']['name']}", out)
    for path in written:
        stderr(f"Wrote {path}")
    for note in exported.notes:
        stderr(f"Note: {note}")
    if written:
        stderr(f"Next: gtops validate {written[0]} && gtops plan {written[0]}")


def unlock(
    ctx: typer.Context,
    paths: PathsArg = None,
    var: VarOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Remove the lock without asking.")] = False,
    auto_approve: AutoApproveOpt = False,
    conn: Settings = DEFAULT,
) -> None:
    """Remove a lock left behind by a run that died (shows who held it, and asks first)."""
    from gtops.aws import translated_errors
    from gtops.errors import GtopsError
    from gtops.gitops.lock import FileLock, lock_for

    spec, aws, endpoint = load_and_connect(conn, paths, var)
    with translated_errors(endpoint):
        lock = lock_for(aws, spec.setup)
        holder = lock.read()
        if holder is None:
            print(f"No lock is held ({lock.where}).")
            return
        if isinstance(lock, FileLock):
            raise GtopsError(
                f"the local lock {lock.where} is held by {holder.describe()}, a process still running; "
                "a local lock ends with its process, so stop that process instead"
            )
        print(f"Lock {lock.where} is held by {holder.describe()}.")
        confirm(force or auto_approve, "unlock", "Remove it? Only do this if that run is gone.")
        lock.force_release()
    print(f"Removed the lock {lock.where}.")


def register(app: typer.Typer) -> None:
    app.command("drift")(with_connection(drift))
    app.command("destroy")(with_connection(destroy))
    app.command("export")(with_connection(export))
    app.command("unlock")(with_connection(unlock))
