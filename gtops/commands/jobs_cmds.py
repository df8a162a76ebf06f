"""`gtops status`, `gtops results` and `gtops preview`: watch labeling jobs, collect and check their work."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from gtops.commands._common import (
    DEFAULT,
    PathsArg,
    VarOpt,
    check_format,
    endpoint_for,
    load,
    load_and_connect,
    stderr,
    with_connection,
)
from gtops.settings import Settings

if TYPE_CHECKING:
    from gtops.kinds.labeling_job import JobSpec
    from gtops.setup import Setup

JobArg = Annotated[str, typer.Argument(help="Job name as written in the spec (or the live job's name).")]
OutOpt = Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file instead of stdout.")]


def _team_arns(aws, setup: Setup) -> dict[str, str]:
    """Team ARNs by name (the job view names a team; preparing a job's request needs its ARN)."""
    arns: dict[str, str] = {}
    wanted = {t.name for t in setup.teams}
    if not wanted:
        return arns
    from gtops.kinds.sagemaker import workteams

    for team in workteams(aws):
        if team["WorkteamName"] in wanted:
            arns[team["WorkteamName"]] = team["WorkteamArn"]
    return arns


def _prepared_names(aws, spec) -> list[tuple[JobSpec, str | None]]:
    """(spec job, live name) pairs; a job whose files cannot be prepared is looked up by its spec name."""
    from gtops.errors import GtopsError
    from gtops.jobs.plan import context
    from gtops.jobs.prepare import prepare
    from gtops.live import LiveIds

    ids = LiveIds(team_arns=_team_arns(aws, spec.setup))
    pctx = context(aws, spec.setup, ids, confinement=spec.confinement)
    out: list[tuple[JobSpec, str | None]] = []
    for i, job in enumerate(spec.setup.jobs):
        if job.relaunch != "auto":
            out.append((job, job.name))
            continue
        try:
            out.append((job, prepare(pctx, i, job).name))
        except GtopsError:
            out.append((job, None))
    return out


def status(
    ctx: typer.Context,
    paths: PathsArg = None,
    watch: Annotated[
        bool, typer.Option("--watch", "-w", help="Refresh until every job has finished.")
    ] = False,
    interval: Annotated[
        float, typer.Option("--interval", help="Seconds between refreshes with --watch.")
    ] = 10.0,
    timeout: Annotated[
        float,
        typer.Option("--timeout", help="With --watch: give up (exit 1) after this many seconds; 0 = never."),
    ] = 0.0,
    fmt: Annotated[str, typer.Option("--format", "-f", help="Output format: text or json.")] = "text",
    var: VarOpt = None,
    conn: Settings = DEFAULT,
) -> None:
    """Show every job of the spec: status, labeled/unlabeled/failed objects, progress, age, failure reason."""
    from gtops.aws import translated_errors
    from gtops.errors import GtopsError
    from gtops.jobs.status import collect, render_text

    check_format(fmt, ("text", "json"))
    spec, aws, _ = load_and_connect(conn, paths, var)
    started = time.monotonic()
    with translated_errors(aws.endpoint_url):
        names = _prepared_names(aws, spec)
        sm = aws.client("sagemaker")
        while True:
            rows = collect(sm, names)
            if fmt == "json":
                print(json.dumps({"jobs": [r.to_dict() for r in rows]}, indent=2), flush=True)
            else:
                if watch and sys.stdout.isatty():
                    print("\033[H\033[J", end="")
                print(render_text(rows), flush=True)
            if not watch or all(r.finished for r in rows):
                return
            if timeout and time.monotonic() - started > timeout:
                raise GtopsError(f"jobs still running after {timeout:g}s")
            if fmt == "text" and not sys.stdout.isatty():
                print(flush=True)
            time.sleep(max(interval, 0.1))


def results(
    ctx: typer.Context,
    job: JobArg,
    paths: PathsArg = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="text, csv, json, or coco (bounding-box jobs).")
    ] = "text",
    out: OutOpt = None,
    threshold: Annotated[
        float, typer.Option("--threshold", help="Objects below this confidence are listed as low-confidence.")
    ] = 0.5,
    var: VarOpt = None,
    conn: Settings = DEFAULT,
) -> None:
    """Download a job's output manifest and summarise it, or export it (CSV, JSON, COCO)."""
    from gtops.aws import translated_errors
    from gtops.errors import GtopsError
    from gtops.jobs import live as jl
    from gtops.jobs import results as jr
    from gtops.jobs import s3 as s3u
    from gtops.jobs.status import live_name

    check_format(fmt, ("text", "csv", "json", "coco"))
    spec, aws, _ = load_and_connect(conn, paths, var)
    with translated_errors(aws.endpoint_url):
        sm = aws.client("sagemaker")
        listing = jl.list_jobs(sm)
        pairs = {j.name.lower(): (j, n) for j, n in _prepared_names(aws, spec)}
        if job.lower() in pairs:
            spec_job, prepared = pairs[job.lower()]
            name = live_name(prepared, spec_job, listing)
        else:
            name = job
        described = jl.describe(sm, name) if name.lower() in listing else None
        if described is None:
            raise GtopsError(f"labeling job {name} does not exist (run `gtops apply` to create it)")
        uri = jr.output_manifest(described)
        s3 = aws.client("s3")
        objects = jr.parse(s3u.read(s3, uri), described["LabelAttributeName"])
        if fmt == "coco":
            from gtops.jobs.tasks import task_of_lambda

            kind = task_of_lambda((described.get("HumanTaskConfig") or {}).get("PreHumanTaskLambdaArn"))
            if kind != "bounding_box":
                raise GtopsError(
                    f"COCO export is for bounding_box jobs; {name} is a {kind} job (try --format json)"
                )
            categories: list[str] = []
            if described.get("LabelCategoryConfigS3Uri"):
                try:
                    categories = jr.label_categories(s3u.read(s3, described["LabelCategoryConfigS3Uri"]))
                except Exception as err:
                    if not s3u.missing(err):
                        raise
            text = json.dumps(jr.to_coco(objects, categories), indent=2)
        elif fmt == "csv":
            text = jr.to_csv(objects)
        else:
            summary = jr.summary(objects, threshold)
            text = (
                jr.to_json(name, uri, summary, objects)
                if fmt == "json"
                else jr.render_text(name, uri, summary)
            )
    if out:
        out.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        stderr(f"Wrote {out}")
    else:
        print(text)


def preview(
    ctx: typer.Context,
    job: JobArg,
    paths: PathsArg = None,
    out: OutOpt = None,
    objects: Annotated[
        int, typer.Option("--objects", "-n", help="How many objects of the manifest to show.")
    ] = 3,
    offline: Annotated[
        bool,
        typer.Option("--offline", help="Never load AWS's crowd elements; always use the local rendering."),
    ] = False,
    var: VarOpt = None,
    conn: Settings = DEFAULT,
) -> None:
    """Render a job's worker UI with the first objects of its manifest into a local HTML file."""
    from gtops.errors import GtopsError
    from gtops.jobs.prepare import Context
    from gtops.jobs.preview import build_preview, find_job, needs_s3

    if objects < 1:
        raise GtopsError("--objects must be at least 1")

    s = conn
    spec = load(s, paths, var)
    _, spec_job = find_job(spec.setup, job)
    target = out or Path(f"{spec_job.name}.preview.html")
    wants_aws = needs_s3(spec_job) or s.sandbox or bool(s.effective_endpoint()) or bool(s.profile)
    if wants_aws:
        from gtops.aws import translated_errors
        from gtops.engine import connect
        from gtops.jobs.plan import context
        from gtops.live import LiveIds

        aws = connect(s, spec, endpoint_for(s, spec))
        with translated_errors(aws.endpoint_url):
            pctx = context(aws, spec.setup, LiveIds(), confinement=spec.confinement)
            page, notes = build_preview(pctx, job, objects, offline)
    else:
        region_name = s.region or spec.setup.region or "us-east-1"
        pctx = Context(spec.setup, region_name, "000000000000", confinement=spec.confinement)
        page, notes = build_preview(pctx, job, objects, offline)
    target.write_text(page, encoding="utf-8")
    for note in notes:
        stderr(f"Note: {note}")
    stderr(f"Wrote {target}: open it in a browser")
    print(str(target))


def register(app: typer.Typer) -> None:
    app.command("status")(with_connection(status))
    app.command("results")(with_connection(results))
    app.command("preview")(with_connection(preview))
