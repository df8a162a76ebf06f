"""`gtops send`: send data objects to a streaming labeling job of the spec."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gtops.commands._common import DEFAULT, VarFileOpt, VarOpt, load_and_connect, stderr, with_connection
from gtops.settings import Settings


def send(
    ctx: typer.Context,
    job: Annotated[str, typer.Argument(metavar="JOB", help="The streaming job, as named in the spec.")],
    objects: Annotated[
        list[str] | None,
        typer.Argument(metavar="OBJECTS", help="s3:// URIs of data objects (with --text: texts to label)."),
    ] = None,
    text: Annotated[
        bool, typer.Option("--text", help='OBJECTS are texts, each sent as a "source" object.')
    ] = False,
    manifest: Annotated[
        Path | None,
        typer.Option(
            "--manifest", metavar="FILE", help="Also send every line of this local JSON Lines manifest."
        ),
    ] = None,
    spec: Annotated[
        list[Path] | None,
        typer.Option(
            "--spec", metavar="SPEC", help="Spec file or folder (repeatable; default ./specs or .)."
        ),
    ] = None,
    var: VarOpt = None,
    var_file: VarFileOpt = None,
    conn: Settings = DEFAULT,
) -> None:
    """Send data objects to a running streaming job (its SNS input topic); prints one message id a line."""
    from gtops.aws import translated_errors
    from gtops.errors import GtopsError
    from gtops.jobs import live as jl
    from gtops.jobs import stream
    from gtops.jobs.prepare import topic_arn
    from gtops.jobs.preview import find_job
    from gtops.jobs.status import live_name
    from gtops.jobs.tasks import task

    loaded, aws, _ = load_and_connect(conn, spec, var, var_file)
    _, spec_job = find_job(loaded.setup, job)
    if not spec_job.streaming:
        raise GtopsError(f"job {spec_job.name} is not a streaming job (it has no input.sns_topic)")
    lines = stream.messages(objects or [], text, task(spec_job.task_type).media, manifest)
    with translated_errors(aws.endpoint_url):
        sm = aws.client("sagemaker")
        listing = jl.list_jobs(sm)
        name = live_name(spec_job.name, spec_job, listing)
        described = jl.describe(sm, name) if name.lower() in listing else None
        if described is None:
            raise GtopsError(f"labeling job {name} does not exist (run `gtops apply` to create it)")
        status = described.get("LabelingJobStatus")
        if status != "InProgress":
            raise GtopsError(
                f"labeling job {name} is {status}: only an InProgress streaming job takes new objects "
                "(wait with `gtops status --watch`)"
            )
        arn = (described["InputConfig"]["DataSource"].get("SnsDataSource") or {}).get("SnsTopicArn")
        arn = arn or topic_arn(_context(aws), spec_job.input["sns_topic"])
        ids = stream.send(aws.client("sns"), arn, lines)
    for message_id in ids:
        print(message_id)
    stderr(f"Sent {len(ids)} object(s) to {name} through {arn}")


def _context(aws):
    from gtops.jobs.prepare import Context
    from gtops.setup import Setup

    return Context(Setup(name="send"), aws.region, aws.account, aws.partition())


def register(app: typer.Typer) -> None:
    app.command("send")(with_connection(send))
