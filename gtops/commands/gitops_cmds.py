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
    ShowMembersOpt,
    StatsOpt,
    TargetOpt,
    VarFileOpt,
    VarOpt,
    applied,
    approver,
    check_format,
    color_for,
    confirm,
    endpoint_for,
    finish,
    load_and_connect,
    open_setup,
    stderr,
    with_connection,
)
from gtops.settings import Settings


def drift(
    ctx: typer.Context,
    paths: PathsArg = None,
    var: VarOpt = None,
    var_file: VarFileOpt = None,
    fmt: FormatOpt = "text",
    target: TargetOpt = None,
    show_members: ShowMembersOpt = False,
    stats: StatsOpt = False,
    conn: Settings = DEFAULT,
) -> None:
    """Report what changed outside gtops, field by field; changes nothing. Exit 0 none, 2 drift, 1 error."""
    from gtops.gitops.target import parse_targets
    from gtops.render import FORMATS, render

    check_format(fmt, FORMATS)
    targets = parse_targets(target)
    setup = open_setup(conn, paths, var, var_file)
    found = setup.drift(targets)
    color = color_for(conn, sys.stdout)
    render(found.core, fmt, sys.stdout, color=color, drift=True, show_members=show_members)
    if stats:
        stderr(setup.stats)
    if not found.empty:
        raise typer.Exit(2)


def destroy(
    ctx: typer.Context,
    paths: PathsArg = None,
    var: VarOpt = None,
    var_file: VarFileOpt = None,
    auto_approve: AutoApproveOpt = False,
    force: ForceOpt = False,
    target: TargetOpt = None,
    lock_timeout: LockTimeoutOpt = "0s",
    stats: StatsOpt = False,
    conn: Settings = DEFAULT,
) -> None:
    """Delete what the spec owns, in reverse dependency order, after showing the plan and asking."""
    from gtops.gitops.lock import parse_timeout
    from gtops.gitops.target import parse_targets
    from gtops.render import render

    timeout = parse_timeout(lock_timeout)
    targets = parse_targets(target)
    setup = open_setup(conn, paths, var, var_file)
    color = color_for(conn, sys.stdout)
    question = "Do you really want to destroy these resources? There is no undo."
    report = applied(
        lambda: setup.destroy(
            force=force,
            approve=approver(auto_approve, "destroy", question),
            targets=targets,
            lock_timeout=timeout,
            progress=stderr,
            on_plan=lambda p: render(p.core, "text", sys.stdout, color=color),
        )
    )
    if report is not None:
        finish(report, setup.aws, stats, "Destroy complete!")


def export(
    ctx: typer.Context,
    pool: Annotated[str | None, typer.Option("--pool", metavar="NAME", help="The user pool's name.")] = None,
    pool_id: Annotated[
        str | None, typer.Option("--pool-id", metavar="ID", help="The user pool's id.")
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", metavar="NAME", help="Setup name (default: the pool's).")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", metavar="FOLDER", help="Write NAME.yaml (and workers.csv, when long) in this folder."
        ),
    ] = None,
    conn: Settings = DEFAULT,
) -> None:
    """Write a spec describing a live setup (default: the region's workforce and its pool), to adopt it."""
    from gtops.aws import Aws, translated_errors
    from gtops.errors import GtopsError
    from gtops.gitops.export import check_writable_folder, export_setup, write

    s = conn
    if out is not None:
        check_writable_folder(out)  # before reading AWS, so a typo costs nothing
    endpoint = endpoint_for(s)
    aws = Aws(s, s.region, endpoint)
    with translated_errors(endpoint):
        exported = export_setup(aws, pool, pool_id, name, csv_name="workers.csv" if out else None)
    if out is None and exported.files:
        # The spec names these files (a job's own UI template) and the spec language has no inline form for
        # them: a spec printed alone would name files that do not exist.
        files = ", ".join(sorted(exported.files))
        raise GtopsError(
            f"the exported spec names files that must be written beside it ({files}); pass --out FOLDER to "
            "write the spec and those files"
        )
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
    var_file: VarFileOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Remove the lock without asking.")] = False,
    auto_approve: AutoApproveOpt = False,
    conn: Settings = DEFAULT,
) -> None:
    """Remove a lock left behind by a run that died (shows who held it, and asks first)."""
    from gtops.aws import translated_errors
    from gtops.errors import GtopsError
    from gtops.gitops.lock import FileLock, lock_for

    spec, aws, endpoint = load_and_connect(conn, paths, var, var_file)
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
