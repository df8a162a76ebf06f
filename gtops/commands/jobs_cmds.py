"""`gtops status`, `gtops results`, `gtops report` and `gtops preview`: watch labeling jobs, collect and check
their work."""

from __future__ import annotations

import contextlib
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated

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


WorstOpt = Annotated[
    int, typer.Option("--worst", min=0, help="How many of the lowest-agreement objects to show (each kind).")
]
ResponsesOpt = Annotated[
    int,
    typer.Option(
        "--max-responses",
        min=0,
        help="Read the worker responses of at most this many objects (one S3 read each; 0 = none).",
    ),
]
ThresholdOpt = Annotated[
    float, typer.Option("--threshold", help="Objects below this confidence are listed as low-confidence.")
]


def _described(aws, spec, job: str) -> dict:
    """DescribeLabelingJob of a job named as in the spec (or by its live name)."""
    from gtops.errors import GtopsError
    from gtops.jobs import live as jl
    from gtops.jobs.status import live_name

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
    return described


def _manifest(s3, uri: str):
    """The output manifest as a stream (read a chunk at a time, never whole)."""
    from gtops.errors import GtopsError
    from gtops.jobs import s3 as s3u

    bucket, key = s3u.split(uri)
    try:
        return s3.get_object(Bucket=bucket, Key=key)["Body"]
    except Exception as err:
        if s3u.missing(err):
            raise GtopsError(f"the output manifest {uri} is not there (deleted from S3?)") from None
        raise


@contextlib.contextmanager
def _output(out: Path | None) -> Iterator[IO[str]]:
    """stdout, or a file written under a temporary name and renamed when complete (never half a file)."""
    from gtops.errors import GtopsError

    if out is None:
        yield sys.stdout
        return
    partial = out.with_name(f".{out.name}.partial")
    try:
        with partial.open("w", encoding="utf-8", newline="") as handle:
            yield handle
        partial.replace(out)
    except OSError as err:
        raise GtopsError(f"--out {out}: cannot write it: {err.strerror or err}") from None
    finally:
        partial.unlink(missing_ok=True)
    stderr(f"Wrote {out}")


def _analysed(aws, described: dict, threshold: float, worst: int, max_responses: int, with_workers: bool):
    """(manifest URI, Summary, WorkerStats or None, the objects as they stream, each scored and counted)."""
    from gtops.jobs import results as jr
    from gtops.jobs import workers as jw

    uri = jr.output_manifest(described)
    s3 = aws.client("s3")
    stats = None
    if with_workers:
        stats = jw.WorkerStats(jw.read_responses(s3, jw.job_prefix(uri, described), max_responses))
    summary = jr.Summary(threshold, worst)

    def objects():
        for o in jr.iter_objects(_manifest(s3, uri), described["LabelAttributeName"], uri):
            agreement = stats.score(o) if stats else None
            summary.add(o, agreement)
            yield o

    return uri, summary, stats, objects()


def _worker_result(aws, stats) -> dict | None:
    if stats is None:
        return None
    stats.name_workers(aws.client("cognito-idp"), aws.region)
    return stats.result()


def results(
    ctx: typer.Context,
    job: JobArg,
    paths: PathsArg = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="text, csv, json, or coco (bounding-box jobs).")
    ] = "text",
    out: OutOpt = None,
    threshold: ThresholdOpt = 0.5,
    compare: Annotated[
        str | None,
        typer.Option(
            "--compare",
            metavar="BASELINE",
            help="Compare with this job over the same data: `--compare A B` shows what changed from A to B.",
        ),
    ] = None,
    worst: WorstOpt = 10,
    max_responses: ResponsesOpt = 10_000,
    var: VarOpt = None,
    conn: Settings = DEFAULT,
) -> None:
    """Summarise a job's output (classes, confidence, workers' agreement and time, worst objects), export it
    (CSV, JSON, COCO), or compare it with another job."""
    from gtops.aws import translated_errors
    from gtops.errors import GtopsError
    from gtops.jobs import results as jr

    check_format(fmt, ("text", "json", "csv") if compare else ("text", "csv", "json", "coco"))
    spec, aws, _ = load_and_connect(conn, paths, var)
    with translated_errors(aws.endpoint_url):
        described = _described(aws, spec, job)
        name = described["LabelingJobName"]
        if compare is not None:
            from gtops.jobs import compare as jc

            baseline = _described(aws, spec, compare)
            s3 = aws.client("s3")
            a = jc.Side(baseline["LabelingJobName"], jr.output_manifest(baseline))
            b = jc.Side(name, jr.output_manifest(described))
            objects_a = jr.iter_objects(_manifest(s3, a.manifest), baseline["LabelAttributeName"], a.manifest)
            objects_b = jr.iter_objects(
                _manifest(s3, b.manifest), described["LabelAttributeName"], b.manifest
            )
            with _output(out) as handle:
                jc.run(a, b, objects_a, objects_b, fmt, handle)
            return
        categories: list[str] = []
        if fmt == "coco":
            from gtops.jobs import s3 as s3u
            from gtops.jobs.tasks import task_of_lambda

            kind = task_of_lambda((described.get("HumanTaskConfig") or {}).get("PreHumanTaskLambdaArn"))
            if kind != "bounding_box":
                raise GtopsError(
                    f"COCO export is for bounding_box jobs; {name} is a {kind} job (try --format json)"
                )
            if described.get("LabelCategoryConfigS3Uri"):
                try:
                    categories = jr.label_categories(
                        s3u.read(aws.client("s3"), described["LabelCategoryConfigS3Uri"])
                    )
                except Exception as err:
                    if not s3u.missing(err):
                        raise
        uri, summary, stats, objects = _analysed(
            aws, described, threshold, worst, max_responses, with_workers=fmt in ("text", "json")
        )
        with _output(out) as handle:
            if fmt == "coco":
                jr.write_coco(objects, categories, handle)
            elif fmt == "csv":
                jr.write_csv(objects, handle)
            elif fmt == "json":
                jr.write_json(name, uri, objects, handle, summary, lambda: _worker_result(aws, stats))
            else:
                for _ in objects:
                    pass
                text = jr.render_text(name, uri, summary.result(), _worker_result(aws, stats))
                handle.write(text + "\n")


def report(
    ctx: typer.Context,
    job: JobArg,
    paths: PathsArg = None,
    out: OutOpt = None,
    threshold: ThresholdOpt = 0.5,
    worst: Annotated[
        int, typer.Option("--worst", min=0, help="How many of the worst objects to show, with their images.")
    ] = 12,
    max_responses: ResponsesOpt = 10_000,
    var: VarOpt = None,
    conn: Settings = DEFAULT,
) -> None:
    """Write one self-contained HTML report of a job: class balance, confidence, worker agreement and time,
    and the worst objects with their images and boxes."""
    from gtops.aws import translated_errors
    from gtops.jobs import report as jp

    spec, aws, _ = load_and_connect(conn, paths, var)
    with translated_errors(aws.endpoint_url):
        described = _described(aws, spec, job)
        name = described["LabelingJobName"]
        uri, summary, stats, objects = _analysed(aws, described, threshold, worst, max_responses, True)
        for _ in objects:
            pass
        result = summary.result()
        page = jp.build(
            name, uri, result, _worker_result(aws, stats), jp.fetch_images(aws.client("s3"), result)
        )
    target = out or Path(f"{name}.report.html")
    with _output(target) as handle:
        handle.write(page)
    print(str(target))


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
    app.command("report")(with_connection(report))
    app.command("preview")(with_connection(preview))
