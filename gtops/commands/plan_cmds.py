"""`gtops plan` and `gtops apply` (spec paths, or a saved plan file), with targeting and locking."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Annotated

import typer

from gtops.commands._common import (
    DEFAULT,
    FormatOpt,
    PathsArg,
    VarOpt,
    check_format,
    default_paths,
    endpoint_for,
    load_and_connect,
    parse_vars,
    stderr,
    with_connection,
)
from gtops.settings import Settings

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
TargetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--target",
        metavar="ADDRESS",
        help="Only this resource (kind.name, e.g. sagemaker_workteam.test2) and what it needs. Repeatable.",
    ),
]
OutOpt = Annotated[
    Path | None,
    typer.Option(
        "--out", metavar="FILE", help="Also save the plan here, for `gtops apply FILE` (JSON, no secrets)."
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


def _color(s, stream) -> bool:
    return s.color and stream.isatty()


def _targets(target: list[str] | None):
    from gtops.gitops.target import parse_targets, warning

    targets = parse_targets(target)
    if targets:
        stderr(f"Warning: {warning(targets)}")
    return targets


def _prepare(conn: Settings, paths, var, targets=None):
    from gtops.aws import translated_errors
    from gtops.engine import compute

    spec, aws, endpoint = load_and_connect(conn, paths, var)
    with translated_errors(endpoint):
        return compute(spec, aws, targets)


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


def plan(
    ctx: typer.Context,
    paths: PathsArg = None,
    var: VarOpt = None,
    fmt: FormatOpt = "text",
    detailed_exitcode: DetailedOpt = False,
    out: OutOpt = None,
    target: TargetOpt = None,
    stats: StatsOpt = False,
    conn: Settings = DEFAULT,
) -> None:
    """Show what apply would change; never changes anything. --out saves it for `gtops apply FILE`."""
    from gtops.render import render

    check_format(fmt)
    targets = _targets(target)
    s, planned = conn, _prepare(conn, paths, var, targets)
    render(planned.plan, fmt, sys.stdout, color=_color(s, sys.stdout))
    if out is not None:
        from gtops.gitops import planfile

        document = planfile.build(planned, default_paths(paths), parse_vars(var), targets)
        planfile.write(document, out)
        stderr(
            f"Saved the plan to {out} (plan {document['plan_id']}). Apply exactly it with: gtops apply {out}"
        )
    if stats:
        stderr(planned.aws.stats.report())
    if detailed_exitcode and not planned.plan.empty:
        raise typer.Exit(2)


def _run(planned, s, targets, plan_id: str, stats: bool) -> None:
    """Apply a computed plan, verify AWS now matches, and mark the setup with the plan id."""
    from gtops.engine import apply as run_apply
    from gtops.engine import verify
    from gtops.gitops.planfile import record_applied

    report = run_apply(planned, log=stderr)
    try:
        if report.ok:
            verify(planned.spec, planned.aws, targets)
    finally:
        if report.done:  # whatever was applied makes older saved plans stale
            record_applied(planned, plan_id)
    finish(report, planned.aws, stats)


def finish(report, aws, stats: bool, done: str = "Apply complete!") -> None:
    """The end of apply and destroy: call statistics, the summary, and exit 1 if anything did not run."""
    from gtops.errors import ApplyFailed

    if stats:
        stderr(aws.stats.report())
    print(report.summary().replace("Apply complete!", done))
    if not report.ok:
        raise ApplyFailed(f"{len(report.failed)} step(s) failed, {len(report.skipped)} skipped (see above)")


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
    conn: Settings = DEFAULT,
) -> None:
    """Plan, ask for confirmation, apply in dependency order, then verify AWS matches the spec."""
    from gtops.aws import translated_errors
    from gtops.engine import check_safety, compute
    from gtops.gitops.lock import held, parse_timeout
    from gtops.gitops.planfile import new_plan_id, plan_file_arg
    from gtops.render import render

    timeout = parse_timeout(lock_timeout)
    saved = plan_file_arg(paths)
    if saved is not None:
        _apply_saved(conn, saved, var, auto_approve, force, target, timeout, stats)
        return
    targets = _targets(target)
    s = conn
    spec, aws, endpoint = load_and_connect(conn, paths, var)
    plan_id = new_plan_id()
    with translated_errors(endpoint), held(aws, spec.setup, "apply", plan_id, timeout, stderr):
        planned = compute(spec, aws, targets)
        render(planned.plan, "text", sys.stdout, color=_color(s, sys.stdout))
        if planned.plan.empty:
            return
        check_safety(planned.plan, force)
        confirm(auto_approve)
        _run(planned, s, targets, plan_id, stats)


def _apply_saved(conn: Settings, path, var, auto_approve, force, target, timeout, stats) -> None:
    """Apply a saved plan only if nothing it was computed from has moved, and only once."""
    from gtops.aws import translated_errors
    from gtops.engine import check_safety, compute, connect
    from gtops.errors import GtopsError
    from gtops.gitops import planfile
    from gtops.gitops.lock import held
    from gtops.gitops.planfile import StalePlan
    from gtops.gitops.target import parse_targets, warning
    from gtops.render import render
    from gtops.render.json import plan_document
    from gtops.spec import load_spec

    if target:
        raise GtopsError(
            "--target cannot be combined with a plan file: the plan file records its own targets"
        )
    doc = planfile.load(path)
    if conn.region and conn.region != doc["region"]:
        raise GtopsError(f"the plan was made for region {doc['region']}, not {conn.region}")
    s = dataclasses.replace(conn, region=doc["region"])
    cli_vars = planfile.plan_vars(doc, parse_vars(var))
    spec = load_spec(planfile.spec_paths(doc, path), cli_vars=cli_vars, allow_outside=s.allow_outside)
    moved = planfile.spec_problems(doc, spec)
    if moved:
        raise StalePlan(
            f"the spec changed since plan {doc['plan_id']} was made: {', '.join(moved)}. "
            "Make and review a new plan."
        )
    targets = parse_targets(doc.get("targets"))
    if targets:
        stderr(f"Warning: {warning(targets)}")
    endpoint = endpoint_for(s, spec)
    aws = connect(s, spec, endpoint)
    from gtops.gitops.lock import lock_location

    if lock_location(spec.setup) is None:
        stderr(
            'Warning: without `lock:` in the spec, "a saved plan applies once" holds only on this machine: '
            "two machines applying this file at the same moment could both apply it. Add "
            "`lock: {bucket: ...}` to the spec for pipelines."
        )
    with translated_errors(endpoint), held(aws, spec.setup, "apply", doc["plan_id"], timeout, stderr):
        planned = compute(spec, aws, targets)
        if doc.get("account") and planned.plan.account and doc["account"] != planned.plan.account:
            raise StalePlan(f"the plan was made in account {doc['account']}, not {planned.plan.account}")
        last = planfile.last_applied(planned)
        if last == doc["plan_id"]:
            raise StalePlan(
                f"plan {doc['plan_id']} ({path}) has already been applied; a saved plan applies once. "
                "Make a new plan."
            )
        if last != doc.get("previous_plan"):
            raise StalePlan(
                f"another apply (plan {last}) has run since plan {doc['plan_id']} was made. Make a new plan."
            )
        live = planfile.live_problems(doc, planned)
        if live:
            raise StalePlan(
                f"AWS changed since plan {doc['plan_id']} was made: {'; '.join(live)}. "
                "Make and review a new plan."
            )
        now_doc = plan_document(planned.plan)
        if planfile.checksum(now_doc) != doc["checksum"]:
            differ = planfile.changed_addresses(doc, now_doc)
            raise StalePlan(
                f"plan {doc['plan_id']} no longer matches what apply would do: {', '.join(differ)}. "
                "Make and review a new plan."
            )
        render(planned.plan, "text", sys.stdout, color=_color(s, sys.stdout))
        if planned.plan.empty:
            return
        check_safety(planned.plan, force)
        confirm(auto_approve)
        _run(planned, s, targets, doc["plan_id"], stats)


def register(app: typer.Typer) -> None:
    app.command("plan")(with_connection(plan))
    app.command("apply")(with_connection(apply))
