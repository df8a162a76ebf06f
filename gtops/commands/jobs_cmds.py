"""`gtops status`, `gtops results`, `gtops report` and `gtops preview`: watch labeling jobs, collect and check
their work."""

from __future__ import annotations

import contextlib
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Annotated

import typer

from gtops.commands._common import (
    DEFAULT,
    PathsArg,
    VarFileOpt,
    VarOpt,
    check_format,
    open_setup,
    stderr,
    with_connection,
)
from gtops.settings import Settings

JobArg = Annotated[
    str, typer.Argument(metavar="JOB", help="Job name as written in the spec (or the live job's name).")
]
STDOUT = "-"
OutOpt = Annotated[
    Path | None, typer.Option("--out", "-o", metavar="FILE", help="Write to this file (- or none: stdout).")
]


def write_text(path: Path, text: str) -> None:
    from gtops.errors import GtopsError

    try:
        path.write_text(text, encoding="utf-8")
    except OSError as err:
        raise GtopsError(f"cannot write {path}: {err.strerror or err}") from None


def status(
    ctx: typer.Context,
    paths: PathsArg = None,
    watch: Annotated[
        bool, typer.Option("--watch", "-w", help="Refresh until every job has finished.")
    ] = False,
    interval: Annotated[
        float, typer.Option("--interval", metavar="SECONDS", help="Seconds between refreshes with --watch.")
    ] = 10.0,
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout",
            metavar="SECONDS",
            help="With --watch: give up (exit 1) after this many seconds; 0 = never.",
        ),
    ] = 0.0,
    fmt: Annotated[
        str, typer.Option("--format", "-f", metavar="FORMAT", help="Output format: text or json.")
    ] = "text",
    var: VarOpt = None,
    var_file: VarFileOpt = None,
    conn: Settings = DEFAULT,
) -> None:
    """Show every job of the spec: status, labeled/unlabeled/failed objects, progress, age, failure reason."""
    from gtops.errors import GtopsError

    check_format(fmt, ("text", "json"))
    setup = open_setup(conn, paths, var, var_file)
    started = time.monotonic()
    while True:
        found = setup.status()
        if fmt == "json":
            print(json.dumps(found.to_dict(), indent=2), flush=True)
        else:
            if watch and sys.stdout.isatty():
                print("\033[H\033[J", end="")
            print(found.text(), flush=True)
        if not watch or found.finished:
            return
        if timeout and time.monotonic() - started > timeout:
            raise GtopsError(f"jobs still running after {timeout:g}s")
        if fmt == "text" and not sys.stdout.isatty():
            print(flush=True)
        time.sleep(max(interval, 0.1))


WorstOpt = Annotated[
    int,
    typer.Option(
        "--worst", min=0, metavar="N", help="How many of the lowest-agreement objects to show (each kind)."
    ),
]
ResponsesOpt = Annotated[
    int,
    typer.Option(
        "--max-responses",
        min=0,
        metavar="N",
        help="Read the worker responses of at most this many objects (one S3 read each; 0 = none).",
    ),
]
ThresholdOpt = Annotated[
    float,
    typer.Option(
        "--threshold",
        metavar="CONFIDENCE",
        help="Objects below this confidence are listed as low-confidence.",
    ),
]


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

    if out is None or str(out) == STDOUT:
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
        str,
        typer.Option(
            "--format", "-f", metavar="FORMAT", help="text, csv, json, or coco (bounding-box jobs)."
        ),
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
    var_file: VarFileOpt = None,
    conn: Settings = DEFAULT,
) -> None:
    """Summarise a job's output (classes, confidence, workers' agreement and time, worst objects), export it
    (CSV, JSON, COCO), or compare it with another job."""
    from gtops.errors import GtopsError
    from gtops.jobs import results as jr

    check_format(fmt, ("text", "json", "csv") if compare else ("text", "csv", "json", "coco"))
    setup = open_setup(conn, paths, var, var_file)
    aws = setup.aws
    with setup.errors():
        described = setup.described(job)
        name = described["LabelingJobName"]
        if compare is not None:
            from gtops.jobs import compare as jc

            baseline = setup.described(compare)
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
        int,
        typer.Option(
            "--worst", min=0, metavar="N", help="How many of the worst objects to show, with their images."
        ),
    ] = 12,
    max_responses: ResponsesOpt = 10_000,
    var: VarOpt = None,
    var_file: VarFileOpt = None,
    conn: Settings = DEFAULT,
) -> None:
    """Write one self-contained HTML report of a job: class balance, confidence, worker agreement and time,
    and the worst objects with their images and boxes."""
    from gtops.jobs import report as jp

    setup = open_setup(conn, paths, var, var_file)
    aws = setup.aws
    with setup.errors():
        described = setup.described(job)
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
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            metavar="FILE",
            help="Write the page here (default: JOB.preview.html; -: stdout).",
        ),
    ] = None,
    objects: Annotated[
        int, typer.Option("--objects", "-n", metavar="N", help="How many objects of the manifest to show.")
    ] = 3,
    offline: Annotated[
        bool,
        typer.Option("--offline", help="Never load AWS's crowd elements; always use the local rendering."),
    ] = False,
    open_page: Annotated[
        bool, typer.Option("--open", help="Open the page in the default web browser once written.")
    ] = False,
    var: VarOpt = None,
    var_file: VarFileOpt = None,
    conn: Settings = DEFAULT,
) -> None:
    """Render a job's worker UI with the first objects of its manifest into a local HTML file."""
    from gtops.errors import GtopsError

    if objects < 1:
        raise GtopsError("--objects must be at least 1")
    to_stdout = out is not None and str(out) == STDOUT
    if to_stdout and open_page:
        raise GtopsError("--open needs a file to open: it cannot be combined with --out -")
    setup = open_setup(conn, paths, var, var_file)
    page = setup.preview(job, objects, offline)
    for note in page.notes:
        stderr(f"Note: {note}")
    if to_stdout:
        sys.stdout.write(page.html if page.html.endswith("\n") else page.html + "\n")
        return
    target = out or Path(f"{page.job}.preview.html")
    write_text(target, page.html)
    stderr(f"Wrote {target}: open it in a browser")
    print(str(target))
    if open_page:
        import webbrowser

        if not webbrowser.open(target.resolve().as_uri()):
            stderr(f"Note: no web browser could be started; open {target} yourself")


def register(app: typer.Typer) -> None:
    app.command("status")(with_connection(status))
    app.command("results")(with_connection(results))
    app.command("report")(with_connection(report))
    app.command("preview")(with_connection(preview))
