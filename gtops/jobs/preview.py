"""`gtops preview`: a job's worker UI rendered with the first objects of its manifest, as a local page."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gtops.errors import GtopsError
from gtops.jobs import s3 as s3u
from gtops.jobs import templates
from gtops.jobs.prepare import Context, Prepared, builtin_template, label_names, prepare, render_builtin

if TYPE_CHECKING:
    from gtops.kinds.labeling_job import JobSpec
    from gtops.setup import Setup


def find_job(setup: Setup, name: str) -> tuple[int, JobSpec]:
    for i, job in enumerate(setup.jobs):
        if job.name.lower() == name.lower():
            return i, job
    known = ", ".join(j.name for j in setup.jobs) or "none"
    raise GtopsError(f"no job named {name} in the spec (jobs: {known})")


def needs_s3(job: JobSpec) -> bool:
    named = (job.template or "").startswith("s3://") or bool(job.label_file)
    return named or any(k in job.input for k in ("manifest", "s3_prefix", "job"))


def _pre_lambda_input(job: JobSpec, line: dict, job_arn: str) -> dict | None:
    """Run a local pre-annotation Lambda on one manifest line, as Ground Truth would, for its taskInput."""
    pre = (job.lambdas or {}).get("pre")
    if not pre or pre.startswith("arn:") or not Path(pre).is_file():
        return None
    import importlib.util

    from gtops.jobs.package import handler_of

    handler = handler_of(Path(pre)).rsplit(".", 1)[1]
    spec = importlib.util.spec_from_file_location(f"gtops_preview_{Path(pre).stem}", pre)
    if spec is None or spec.loader is None:  # a file Python cannot import (not a .py source)
        raise GtopsError(f"{pre}: the pre-annotation Lambda is not a Python file gtops can load")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
        answer = getattr(module, handler)(
            {"version": "2018-10-16", "labelingJobArn": job_arn, "dataObject": line}, None
        )
    except Exception as err:
        raise GtopsError(f"{pre}: the pre-annotation Lambda failed on the first objects: {err}") from None
    if not isinstance(answer, dict) or not isinstance(answer.get("taskInput"), dict):
        raise GtopsError(f"{pre}: the pre-annotation Lambda must return {{'taskInput': {{...}}}}")
    return answer["taskInput"]


def task_input(prepared: Prepared, line: dict) -> dict:
    """What `task.input` holds for one object: what AWS's built-in pre-annotation Lambdas pass, or the
    user's pre-annotation Lambda's answer (run locally when it is a .py file), else the manifest line."""
    job = prepared.spec
    source = line.get("source-ref", line.get("source"))
    if prepared.task.suffix:
        if prepared.task.name == "named_entity_recognition":
            labels: list[Any] = [
                {
                    "label": i["label"],
                    **({"shortDisplayName": i["short_name"]} if i.get("short_name") else {}),
                }
                if isinstance(i, Mapping)
                else {"label": str(i)}
                for i in job.labels or ()
            ]
        else:
            labels = prepared.label_list or label_names(job)
        if prepared.task.audits:  # verification and adjustment show the labels of the input manifest
            return {"taskObject": source, "labels": labels, "manifestLine": line}
        return {"taskObject": source, "labels": labels}
    arn = f"arn:aws:sagemaker:local:000000000000:labeling-job/{prepared.name.lower()}"
    ran = _pre_lambda_input(job, line, arn)
    if ran is not None:
        return ran
    return {**line, "taskObject": source, "labels": prepared.label_list or label_names(job)}


class _Reader:
    """grant_read_access for a local page: data: URIs for objects gtops has, presigned URLs otherwise."""

    def __init__(self, prepared: Prepared, s3: Any):
        self.local = {u.uri: u.body for u in prepared.uploads}
        self.s3 = s3
        self.notes: list[str] = []

    def __call__(self, uri: str) -> str:
        if uri in self.local:
            return templates.data_uri(self.local[uri], uri)
        if self.s3 is not None:
            bucket, key = s3u.split(uri)
            try:
                head = self.s3.head_object(Bucket=bucket, Key=key)
                if head.get("ContentLength", 0) <= templates.MAX_INLINE_BYTES:
                    return templates.data_uri(s3u.read(self.s3, uri), key)
                return self.s3.generate_presigned_url(
                    "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=3600
                )
            except Exception as err:
                if not s3u.missing(err):
                    raise
                self.notes.append(f"{uri} does not exist; the page shows a broken image for it")
                return uri
        self.notes.append(f"{uri} is not readable offline; the page links to it")
        bucket, key = s3u.split(uri)
        return f"https://{bucket}.s3.amazonaws.com/{key}"


def build_preview(ctx: Context, name: str, objects: int = 3, offline: bool = False) -> tuple[str, list[str]]:
    """(HTML page, notes) for the first `objects` objects of the job's manifest (a job of `ctx.setup`)."""
    index, job = find_job(ctx.setup, name)
    prepared = prepare(ctx, index, job)
    if prepared.template_text is not None:
        source = prepared.template_text
    elif job.template:  # a template in S3 that could not be read offline
        raise GtopsError(f"the worker UI template {job.template} is in S3: preview it with AWS access")
    else:  # AWS hosts this UI; preview gtops's equivalent so the objects and labels can be checked
        source = render_builtin(job) if prepared.task.element else builtin_template(prepared.task.name)
    problems = templates.template_errors(source, job.template or f"built-in {prepared.task.name} template")
    fatal = [p for p in problems if "crowd-form" not in p]
    if fatal:
        raise GtopsError("the worker UI template has errors:\n" + "\n".join(f"  {p}" for p in fatal))
    lines = _lines(ctx, prepared, objects)
    reader = _Reader(prepared, ctx.s3)
    sections = []
    for n, line in enumerate(lines, 1):
        what = line.get("source-ref") or _short(line.get("source"))
        rendered = templates.render(source, task_input(prepared, line), reader)
        sections.append((f"{prepared.name}: object {n} of {len(lines)}: {what}", rendered))
    page = templates.preview_page(f"gtops preview: {prepared.name}", sections, offline)
    return page, problems + reader.notes + prepared.warnings


def _short(text: Any) -> str:
    value = str(text or "")
    return value if len(value) <= 60 else value[:57] + "..."


def _lines(ctx: Context, prepared: Prepared, count: int) -> list[dict]:
    if prepared.sample:
        if len(prepared.sample) >= count or prepared.objects == len(prepared.sample):
            return prepared.sample[:count]
    if prepared.objects is None or ctx.s3 is None:
        if prepared.sample:
            return prepared.sample[:count]
        raise GtopsError(f"the input manifest of {prepared.name} is not readable: nothing to preview")
    uri = prepared.request["InputConfig"]["DataSource"]["S3DataSource"]["ManifestS3Uri"]
    body = next((u.body for u in prepared.uploads if u.uri == uri), None)
    if body is None:
        body = s3u.read(ctx.s3, uri)
    return [json.loads(x) for x in body.decode().splitlines() if x.strip()][:count]
