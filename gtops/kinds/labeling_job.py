"""labeling_job: a Ground Truth labeling job, planned by gtops.jobs from what the spec describes.

Jobs cannot be changed once created: a changed job is reported (relaunch: manual) or stopped and relaunched
under a name that hashes its configuration (relaunch: auto). "Delete" means StopLabelingJob: AWS keeps a
job's record and partial results. The job's files (label file, UI template, manifest) are prepared and
content-addressed by gtops.jobs.prepare.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gtops.kinds.base import APPLY, DESTROY, AwsHandle, Export, Kind, Use
from gtops.model import SETUP_TAG, user_tags
from gtops.spec import fields as f
from gtops.spec.durations import format_duration

if TYPE_CHECKING:
    from gtops.apply.context import ApplyContext
    from gtops.kinds.base import AwsHandle
    from gtops.live import LiveState
    from gtops.plan import Change
    from gtops.preflight import Finding, Preflight
    from gtops.spec import Spec

NAME = "labeling_job"
SPEC_KEY = "jobs"

# task_type -> (default title, default description) shown to workers.
TASK_TEXT = {
    "bounding_box": (
        "Draw bounding boxes",
        "Draw a box around each object of the listed labels in the image.",
    ),
    "image_classification": ("Classify the image", "Choose the one label that best describes the image."),
    "image_classification_multi": (
        "Classify the image (several labels)",
        "Choose every label that applies to the image.",
    ),
    "semantic_segmentation": (
        "Paint image segments",
        "Paint every region of the image with the label it belongs to.",
    ),
    "text_classification": ("Classify the text", "Choose the one label that best describes the text."),
    "text_classification_multi": (
        "Classify the text (several labels)",
        "Choose every label that applies to the text.",
    ),
    "named_entity_recognition": (
        "Label named entities",
        "Highlight each word or phrase that names an entity and choose its label.",
    ),
    "custom": ("Labeling task", "Complete the labeling task as the instructions describe."),
}
# AWS's suggested public-workforce price per task per worker (USD), from the Ground Truth pricing page.
SUGGESTED_PRICE = {
    "bounding_box": 0.036,
    "image_classification": 0.012,
    "image_classification_multi": 0.012,
    "semantic_segmentation": 0.84,
    "text_classification": 0.012,
    "text_classification_multi": 0.012,
    "named_entity_recognition": 0.024,
}
PRIVATE_AVAILABILITY = 10 * 86400
PUBLIC_AVAILABILITY = 6 * 3600


@dataclass(frozen=True)
class JobSpec:
    """One job of the spec, defaults filled in, durations in seconds, local paths absolute."""

    name: str
    task_type: str
    input: Mapping[str, str]  # exactly one of manifest, manifest_file, s3_prefix, folder
    output: str
    role: str  # a role ARN or "managed"
    label_attribute: str
    title: str
    description: str
    team: str | None = None
    workforce: str = "private"
    price_per_task: float | None = None
    labels: tuple[Any, ...] | None = None  # names, or {label, short_name} mappings
    instructions: Mapping[str, str] | None = None
    assets: str | None = None
    template: str | None = None
    lambdas: Mapping[str, str] | None = None
    workers_per_object: int = 1
    task_time_limit: int = 300
    task_availability: int = PRIVATE_AVAILABILITY
    max_concurrent_tasks: int = 1000
    keywords: tuple[str, ...] | None = None
    content_classifiers: tuple[str, ...] | None = None
    stopping: Mapping[str, int] | None = None
    kms_key: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    relaunch: str = "manual"

    @property
    def public(self) -> bool:
        return self.workforce == "public"


def parse(raw: list[Mapping[str, Any]] | None) -> tuple[JobSpec, ...]:
    return tuple(parse_one(job) for job in raw or [])


def parse_one(job: Mapping[str, Any]) -> JobSpec:
    from gtops.spec.durations import parse_duration

    task = job["task_type"]
    workforce = job.get("workforce", "private")
    public = workforce == "public"
    label_attribute = job.get("label_attribute", job["name"])
    if task == "semantic_segmentation" and not label_attribute.endswith("-ref"):
        label_attribute += "-ref"
    title, description = TASK_TEXT[task]
    price = job.get("price_per_task")
    if public and price is None:
        price = SUGGESTED_PRICE.get(task)
    availability = job.get("task_availability")
    return JobSpec(
        name=job["name"],
        task_type=task,
        input=dict(job["input"]),
        output=job["output"],
        role=job["role"],
        label_attribute=label_attribute,
        title=job.get("title", title),
        description=job.get("description", description),
        team=job.get("team"),
        workforce=workforce,
        price_per_task=price,
        labels=tuple(job["labels"]) if job.get("labels") is not None else None,
        instructions=dict(job["instructions"]) if job.get("instructions") else None,
        assets=job.get("assets"),
        template=job.get("template"),
        lambdas=dict(job["lambdas"]) if job.get("lambdas") else None,
        workers_per_object=job.get("workers_per_object", 1),
        task_time_limit=int(parse_duration(job.get("task_time_limit", 300)) or 0),
        task_availability=int(parse_duration(availability) or 0)
        if availability is not None
        else (PUBLIC_AVAILABILITY if public else PRIVATE_AVAILABILITY),
        max_concurrent_tasks=job.get("max_concurrent_tasks", 1000),
        keywords=tuple(job["keywords"]) if job.get("keywords") else None,
        content_classifiers=tuple(job["content_classifiers"]) if job.get("content_classifiers") else None,
        stopping=dict(job["stopping"]) if job.get("stopping") else None,
        kms_key=job.get("kms_key"),
        tags={str(k): str(v) for k, v in (job.get("tags") or {}).items()},
        relaunch=job.get("relaunch", "manual"),
    )


def job_schema() -> dict[str, Any]:
    label = {
        "description": "A label: its name, or {label, short_name} (short_name for named entity recognition).",
        "anyOf": [
            {"type": "string", "minLength": 1, "maxLength": 256},
            f.obj(
                "A label with a short display name.",
                {
                    "label": f.text("Label name.", minLength=1, maxLength=256),
                    "short_name": f.text("Short display name.", minLength=1, maxLength=256),
                },
                ("label",),
            ),
        ],
        "x-message": "must be a label name (1-256 characters) or {label: ..., short_name: ...}",
    }
    return f.obj(
        "A labeling job. Jobs cannot be changed once created: a changed job is stopped and relaunched "
        "under a new name (relaunch: auto) or reported (relaunch: manual).",
        {
            "name": f.text(
                "Job name, 1-63 characters, unique in the account and region (case-insensitive, "
                "never reusable).",
                f.AWS_NAME,
                f.AWS_NAME_HINT,
            ),
            "task_type": {"description": "The kind of labeling task.", "enum": list(f.TASK_TYPES)},
            "team": f.text("Name of a team in `teams` (private jobs).", minLength=1),
            "workforce": {
                "description": "private (a spec team, the default) or public (Amazon Mechanical "
                "Turk; needs no team).",
                "enum": ["private", "public"],
            },
            "price_per_task": {
                "type": "number",
                "description": "USD paid per task per worker, public workforce only, e.g. 0.036 "
                "(0.001-2.999, in steps of 0.001). Default: AWS's suggested price for the task type.",
                "exclusiveMinimum": 0,
                "maximum": 2.999,
            },
            "labels": f.array("The labels workers choose from.", label, minItems=1),
            "instructions": f.obj(
                "Worker instructions (HTML allowed); required for named_entity_recognition.",
                {
                    "short": f.text("Short instructions.", minLength=1),
                    "full": f.text("Full instructions.", minLength=1),
                },
            ),
            "input": {
                **f.obj(
                    "Where the data objects come from: exactly one of manifest, manifest_file, s3_prefix, "
                    "folder.",
                    {
                        "manifest": f.text(
                            "S3 URI of a JSON Lines input manifest.",
                            f.S3_URI,
                            "must be an s3:// URI",
                            maxLength=1024,
                        ),
                        "manifest_file": f.text(
                            "Local manifest file (relative to this spec file); gtops uploads it.", minLength=1
                        ),
                        "s3_prefix": f.text(
                            "S3 prefix ending in / whose objects gtops lists into a manifest.",
                            f.S3_PREFIX,
                            "must be an s3:// URI ending in /",
                            maxLength=1024,
                        ),
                        "folder": f.text(
                            "Local folder (relative to this spec file) whose files gtops uploads "
                            "and lists into a manifest.",
                            minLength=1,
                        ),
                    },
                    minProperties=1,
                    maxProperties=1,
                ),
                # Merged here rather than passed as **extra: obj() could take that dict's str values
                # for its `required` parameter.
                "x-message": "give exactly one of manifest, manifest_file, s3_prefix, folder",
            },
            "assets": f.text(
                "S3 prefix where gtops uploads the label file, template and manifest (default: "
                "<output>.gtops/).",
                f.S3_URI,
                "must be an s3:// URI",
                maxLength=1024,
            ),
            "output": f.text(
                "S3 prefix for the job's output.", f.S3_URI, "must be an s3:// URI", maxLength=1024
            ),
            "role": {
                "type": "string",
                "description": "IAM role SageMaker uses for the job: a role ARN, or 'managed' (gtops "
                "creates a least-privilege role).",
                "anyOf": [{"const": "managed"}, {"pattern": f.ROLE_ARN, "maxLength": 2048}],
                "x-message": "must be an IAM role ARN (arn:aws:iam::123456789012:role/Name) or 'managed'",
            },
            "template": f.text(
                "Worker UI template file (Liquid HTML), relative to this spec file. Required "
                "for custom; never passed through spec variables.",
                minLength=1,
            ),
            "lambdas": f.obj(
                "Custom jobs only: the pre-annotation and consolidation Lambdas, each an ARN or a local "
                ".py file (relative to this spec file) that gtops deploys.",
                {
                    "pre": f.text("Pre-annotation Lambda: ARN or .py file.", minLength=1),
                    "consolidation": f.text("Annotation-consolidation Lambda: ARN or .py file.", minLength=1),
                },
                ("pre", "consolidation"),
            ),
            "label_attribute": f.text(
                "Output manifest key for the labels, 1-127 characters; not ending in -metadata. Default: "
                "the job name; '-ref' is appended for semantic_segmentation.",
                r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,126}$",
                "use letters, digits and hyphens, start and end with a letter or digit, at most 127 "
                "characters",
            ),
            "workers_per_object": f.integer("Workers who label each object, 1-9. Default 1.", 1, 9),
            "task_time_limit": f.duration("Time a worker has for one task. Default 5m.", "30s", "8h"),
            "task_availability": f.duration(
                "How long a task waits for a worker. Default 10d (public: 6h).", "1m", "30d (public: 12h)"
            ),
            "max_concurrent_tasks": f.integer(
                "Tasks available to workers at once, 1-5000. Default 1000.", 1, 5000
            ),
            "title": f.text(
                "Task title shown to workers, 1-128 characters. Default from the task type.",
                minLength=1,
                maxLength=128,
            ),
            "description": f.text(
                "Task description shown to workers, 1-255 characters. Default from the task type.",
                minLength=1,
                maxLength=255,
            ),
            "keywords": f.array(
                "Search keywords, 1-5, each 1-30 letters/digits in words.",
                f.text(
                    "A keyword.",
                    f.KEYWORD,
                    "keywords are words of letters and digits separated by single spaces",
                    minLength=1,
                    maxLength=30,
                ),
                minItems=1,
                maxItems=5,
            ),
            "content_classifiers": f.array(
                "Declare the data free of personal information and/or adult "
                "content (needed for the public workforce).",
                {"enum": list(f.CONTENT_CLASSIFIERS)},
                uniqueItems=True,
            ),
            "stopping": f.obj(
                "Stop the job automatically when a limit is reached.",
                {
                    "max_human_labeled_objects": f.integer(
                        "Stop after this many objects were labeled by people.", 1
                    ),
                    "max_percentage_labeled": f.integer(
                        "Stop after this percentage (1-100) of the input is labeled.", 1, 100
                    ),
                },
                minProperties=1,
            ),
            "kms_key": f.text(
                "KMS key (id, ARN or alias/...) that encrypts the output.",
                r"^[a-zA-Z0-9:/_-]+$",
                "a KMS key id, ARN or alias/name",
                maxLength=2048,
            ),
            "tags": f.tags("Tags on the job (added to the common tags)."),
            "relaunch": {
                "description": "manual (default): a changed job is reported; auto: the job name "
                "gets a hash suffix of its configuration and a changed job is relaunched.",
                "enum": ["manual", "auto"],
            },
        },
        ("name", "task_type", "input", "output", "role"),
    )


def schema() -> dict[str, Any]:
    return f.array("Labeling jobs.", job_schema())


def plan(aws: AwsHandle, spec: Spec, live: LiveState) -> tuple[list[Change], list[str]] | None:
    """Jobs, with the roles and functions they need (gtops.jobs.plan)."""
    from gtops.jobs.plan import plan_jobs

    if not spec.setup.jobs:
        return None
    return plan_jobs(aws, spec, live)


def export(run: Export) -> dict[str, Any] | None:
    """The jobs of the exported teams that gtops made; jobs made by hand are named in the header."""
    arns = run.live.ids.team_arns
    teams = {arns[t.name]: t.name for t in run.setup.teams if t.name in arns}
    data: dict[str, Any] = {"name": run.setup.name}
    _jobs_of(run.aws, data, teams, run)
    return {SPEC_KEY: data[SPEC_KEY]} if SPEC_KEY in data else None


def _jobs_of(aws: AwsHandle, data: dict[str, Any], team_names: dict[str, str], out: Export) -> None:
    """Jobs gtops created export as entries that plan to no changes; hand-made ones are only listed.

    A gtops job's label file and UI template sit under its assets prefix, named by their content's hash, so
    the same labels and template give the same request. A job made by hand points at files of its own, which
    no spec entry can reproduce (jobs are immutable), so it is named in the header, not exported.
    """
    from gtops.jobs import live as jl
    from gtops.jobs import s3 as s3u
    from gtops.jobs.prepare import BUILTIN_KEY, view_of
    from gtops.jobs.results import label_categories

    if not team_names:
        return
    sm = aws.client("sagemaker")
    s3 = aws.client("s3")
    jobs = []
    for summary in sorted(jl.list_jobs(sm).values(), key=lambda s: s["LabelingJobName"]):
        job = jl.describe(sm, summary["LabelingJobName"])
        human = (job or {}).get("HumanTaskConfig") or {}
        if not job or human.get("WorkteamArn") not in team_names:
            continue
        name, status = job["LabelingJobName"], job.get("LabelingJobStatus")
        view = view_of(job, team_names)
        labels_uri = job.get("LabelCategoryConfigS3Uri") or ""
        template_uri = (human.get("UiConfig") or {}).get("UiTemplateS3Uri") or ""
        made_by_gtops = (
            jl.tags_of(job).get(SETUP_TAG) == data["name"]
            and (not labels_uri or re.search(r"/labels-[0-9a-f]{16}\.json$", labels_uri))
            and (
                not template_uri
                or re.search(r"/template-(builtin-[a-z_]+-)?[0-9a-f]{16}\.html$", template_uri)
            )
        )
        if not made_by_gtops:
            out.notes.append(
                f"labeling job {name} ({status}) was made outside gtops: its files cannot be expressed in a "
                "spec, so it is not exported (jobs are immutable; a new job in the spec needs a new name)"
            )
            continue
        entry: dict[str, Any] = {"name": name, "task_type": view["task_type"], "team": view.get("team")}
        if view["workforce"] == "public":
            entry.pop("team")
            entry["workforce"] = "public"
            entry["price_per_task"] = view.get("price_per_task")
        if labels_uri:
            body = json.loads(s3u.read(s3, labels_uri))
            entry["labels"] = [
                {"label": x["label"], "short_name": x["shortDisplayName"]}
                if x.get("shortDisplayName")
                else x["label"]
                for x in body.get("labels") or []
            ] or label_categories(json.dumps(body).encode())
            instructions = body.get("instructions") or {}
            if instructions:
                entry["instructions"] = {
                    k: instructions[v]
                    for k, v in (("short", "shortInstruction"), ("full", "fullInstruction"))
                    if instructions.get(v)
                }
        entry["input"] = {"manifest": view["input"]}
        assets = (labels_uri or template_uri).rsplit("/", 1)[0] + "/"
        entry["assets"] = assets
        entry["output"] = view["output"]
        entry["role"] = view["role"]
        if template_uri and not BUILTIN_KEY.search(template_uri):
            rel = f"ui/{name}.liquid.html"
            out.files[rel] = s3u.read(s3, template_uri).decode()
            entry["template"] = rel
        if view["task_type"] == "custom":
            entry["lambdas"] = {
                "pre": view["lambdas"]["pre"],
                "consolidation": view["lambdas"]["consolidation"],
            }
        entry["label_attribute"] = view["label_attribute"]
        entry["workers_per_object"] = view["workers_per_object"]
        entry["task_time_limit"] = format_duration(view["task_time_limit"])
        entry["task_availability"] = format_duration(view["task_availability"])
        entry["max_concurrent_tasks"] = view["max_concurrent_tasks"]
        entry["title"] = view["title"]
        entry["description"] = view["description"]
        for key in ("keywords", "content_classifiers", "stopping", "kms_key"):
            if view.get(key):
                entry[key] = view[key]
        tags = user_tags(jl.tags_of(job))
        if tags:
            entry["tags"] = tags
        jobs.append(entry)
    if jobs:
        data["jobs"] = jobs


def preflight(run: Preflight) -> list[Finding]:
    """Buckets, job roles, KMS keys and Lambdas of the jobs the plan creates (gtops.jobs.preflight)."""
    from gtops.jobs.preflight import check

    return check(run)


def create(ctx: ApplyContext, change: Change) -> None:
    from gtops.jobs.apply import job_create

    job_create(ctx, change)


def stop(ctx: ApplyContext, change: Change) -> None:
    from gtops.jobs.apply import job_stop

    job_stop(ctx, change)


A = "gtops.jobs.apply"
KIND = Kind(
    NAME,
    spec_key=SPEC_KEY,
    schema=schema,
    protected=True,
    stops=True,
    bulk=True,
    implies=("sagemaker_workteam",),
    plan=plan,
    export=export,
    preflight=preflight,
    steps={"create": create, "delete": stop},
    iam=(
        # gtops finds this setup's jobs (and names taken in any letter case) among all the region's jobs.
        Use("gtops.jobs.live:list_jobs", "sagemaker", ("ListLabelingJobs",), "any", "jobs"),
        Use("gtops.jobs.live:describe", "sagemaker", ("DescribeLabelingJob",), "all_jobs", "jobs"),
        Use("gtops.jobs.prepare:_Input._read_s3_manifest", "s3", ("GetObject",), "job_inputs", "jobs"),
        Use(
            "gtops.jobs.prepare:_Input._from_s3_prefix",
            "s3",
            ("ListObjectsV2", "GetObject"),
            "job_inputs",
            "jobs",
        ),
        # Checks before apply (gtops.jobs.preflight): buckets, the job role, the KMS key, Lambdas by ARN.
        Use("gtops.jobs.preflight:bucket_region", "s3", ("HeadBucket",), "all_job_buckets", "jobs"),
        Use("gtops.jobs.preflight:get_role", "iam", ("GetRole",), "named_job_roles", "named_job_roles"),
        Use("gtops.jobs.preflight:keys", "kms", ("DescribeKey",), "job_keys", "job_keys"),
        Use(
            "gtops.jobs.preflight:function_exists",
            "lambda",
            ("GetFunctionConfiguration",),
            "named_functions",
            "named_functions",
        ),
        Use("gtops.jobs.plan:plan_jobs", "s3", ("GetObject",), "job_assets", "jobs"),
        Use("gtops.jobs.s3:cors_rules", "s3", ("GetBucketCors",), "cors_buckets", "jobs"),
        Use(f"{A}:_upload", "s3", ("HeadObject", "PutObject"), "job_assets", "jobs", APPLY),
        Use("gtops.jobs.s3:ensure_cors", "s3", ("PutBucketCors",), "cors_buckets", "jobs", APPLY),
        Use(f"{A}:job_create", "sagemaker", ("CreateLabelingJob", "AddTags"), "jobs", "jobs", APPLY),
        Use(f"{A}:job_create", "iam", ("PassRole",), "job_roles", "jobs", APPLY),
        Use(f"{A}:job_stop", "sagemaker", ("StopLabelingJob",), "jobs", "relaunch_auto", APPLY),
        Use(f"{A}:job_stop", "sagemaker", ("StopLabelingJob",), "owned_jobs", "always", DESTROY),
    ),
)
