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
    "verification_bounding_box": (
        "Verify bounding boxes",
        "Review the boxes drawn on the image and choose the option that describes them.",
    ),
    "adjustment_bounding_box": (
        "Adjust bounding boxes",
        "Correct the boxes drawn on the image: move, resize, add or remove boxes as needed.",
    ),
    "verification_semantic_segmentation": (
        "Verify image segments",
        "Review the painted segments of the image and choose the option that describes them.",
    ),
    "adjustment_semantic_segmentation": (
        "Adjust image segments",
        "Correct the painted segments of the image so every region carries the right label.",
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
LAMBDA_RUNTIMES = ("python3.9", "python3.10", "python3.11", "python3.12", "python3.13")


@dataclass(frozen=True)
class LambdaOptions:
    """Settings of a Lambda gtops deploys from a local file (None: gtops's default)."""

    name: str | None = None  # function name; default gtops-<setup>-<file stem>
    runtime: str | None = None  # default python3.12
    memory: int | None = None  # MB, default 128 (Lambda's)
    timeout: int | None = None  # seconds, default 60
    environment: Mapping[str, str] | None = None  # None: unmanaged
    role: str | None = None  # an existing execution role ARN; default gtops-<setup>-lambda


@dataclass(frozen=True)
class AutoLabeling:
    """Automated data labeling (LabelingJobAlgorithmsConfig) with AWS's built-in algorithm."""

    initial_model: str | None = None  # InitialActiveLearningModelArn
    volume_kms_key: str | None = None  # LabelingJobResourceConfig.VolumeKmsKeyId


@dataclass(frozen=True)
class CorsSpec:
    """The CORS rule gtops keeps on the buckets of a job's images; manage=False leaves CORS alone."""

    manage: bool = True
    id: str = "gtops-ground-truth"
    allowed_origins: tuple[str, ...] = ("*",)
    allowed_methods: tuple[str, ...] = ("GET",)
    allowed_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ("Access-Control-Allow-Origin",)
    max_age: int | None = None


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
    label_attribute_given: bool = True  # False: the default (the job name, or a chained job's source's)
    label_file: str | None = None  # an existing label category file in S3, used as it is
    lambda_options: Mapping[str, LambdaOptions] = field(default_factory=dict)
    audit_label_attribute: str | None = None  # verification/adjustment: the labels shown to workers
    automated_labeling: AutoLabeling | None = None
    output_topic: str | None = None  # streaming: an SNS topic (name or ARN) labeled objects go to
    cors: CorsSpec = CorsSpec()

    @property
    def public(self) -> bool:
        return self.workforce == "public"

    @property
    def source_job(self) -> str | None:
        """A chained job's source job (input.job)."""
        return self.input.get("job")

    @property
    def streaming(self) -> bool:
        return "sns_topic" in self.input


def parse(raw: list[Mapping[str, Any]] | None) -> tuple[JobSpec, ...]:
    return tuple(parse_one(job) for job in raw or [])


def parse_one(job: Mapping[str, Any]) -> JobSpec:
    from gtops.spec.durations import parse_duration

    task = job["task_type"]
    workforce = job.get("workforce", "private")
    public = workforce == "public"
    label_attribute = job.get("label_attribute", job["name"])
    if task in REF_TASKS and not label_attribute.endswith("-ref"):
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
        lambdas={k: _lambda_source(v) for k, v in job["lambdas"].items()} if job.get("lambdas") else None,
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
        label_attribute_given="label_attribute" in job,
        label_file=job.get("label_file"),
        lambda_options={
            role: _lambda_options(value)
            for role, value in (job.get("lambdas") or {}).items()
            if isinstance(value, Mapping)
        },
        audit_label_attribute=job.get("audit_label_attribute"),
        automated_labeling=_auto_labeling(job.get("automated_labeling")),
        output_topic=job.get("output_topic"),
        cors=_cors(job.get("cors")),
    )


REF_TASKS = ("semantic_segmentation", "adjustment_semantic_segmentation")


def _lambda_source(value: Any) -> str:
    return str(value["file"]) if isinstance(value, Mapping) else str(value)


def _lambda_options(value: Mapping[str, Any]) -> LambdaOptions:
    from gtops.spec.durations import parse_duration

    timeout = value.get("timeout")
    env = value.get("environment")
    return LambdaOptions(
        name=value.get("name"),
        runtime=value.get("runtime"),
        memory=value.get("memory"),
        timeout=int(parse_duration(timeout) or 0) if timeout is not None else None,
        environment={str(k): str(v) for k, v in env.items()} if env is not None else None,
        role=value.get("role"),
    )


def _auto_labeling(value: Any) -> AutoLabeling | None:
    if not value:
        return None
    if value is True:
        return AutoLabeling()
    return AutoLabeling(value.get("initial_model"), value.get("volume_kms_key"))


def _cors(value: Any) -> CorsSpec:
    if value is False:
        return CorsSpec(manage=False)
    if not isinstance(value, Mapping):
        return CorsSpec()
    base = CorsSpec()
    return CorsSpec(
        manage=True,
        id=value.get("id", base.id),
        allowed_origins=tuple(value.get("allowed_origins", base.allowed_origins)),
        allowed_methods=tuple(value.get("allowed_methods", base.allowed_methods)),
        allowed_headers=tuple(value.get("allowed_headers", base.allowed_headers)),
        expose_headers=tuple(value.get("expose_headers", base.expose_headers)),
        max_age=value.get("max_age"),
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
                    "Where the data objects come from: one of manifest, manifest_file, s3_prefix, folder, "
                    "job (chained: another job's output manifest); or sns_topic (a streaming job), with "
                    "at most one of manifest, manifest_file, s3_prefix, folder for its first objects.",
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
                        "job": f.text(
                            "Chain this job to another (in the spec or live): its input is that job's output "
                            "manifest, so it is created once that job has finished.",
                            f.AWS_NAME,
                            f.AWS_NAME_HINT,
                        ),
                        "sns_topic": f.text(
                            "Streaming job: the SNS topic new objects arrive on, a name (gtops creates the "
                            "topic) or an existing topic's ARN. The job runs until it is stopped; send "
                            "objects with `gtops send`.",
                            r"^(arn:aws[a-z\-]*:sns:[a-z0-9\-]*:[0-9]{12}:)?[a-zA-Z0-9_.-]{1,256}$",
                            "a topic name (letters, digits, - _ .) or an SNS topic ARN",
                        ),
                    },
                    minProperties=1,
                    maxProperties=2,
                ),
                # Merged here rather than passed as **extra: obj() could take that dict's str values
                # for its `required` parameter.
                "x-message": "give one of manifest, manifest_file, s3_prefix, folder, job (or sns_topic)",
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
                "Worker UI template: a local Liquid HTML file (relative to this spec file; never passed "
                "through spec variables), or the s3:// URI of a template already in S3, used as it is. "
                "Required for custom.",
                minLength=1,
            ),
            "label_file": f.text(
                "The s3:// URI of an existing label category file, used as it is (instead of labels and "
                "instructions, which gtops writes into a file of its own).",
                f.S3_URI,
                "must be an s3:// URI",
                maxLength=1024,
            ),
            "lambdas": f.obj(
                "Custom jobs only: the pre-annotation and consolidation Lambdas, each an ARN, a local .py "
                "file (relative to this spec file) that gtops deploys, or {file: ..., name, runtime, memory, "
                "timeout, environment, role} to set how it is deployed.",
                {"pre": _lambda_schema("Pre-annotation"), "consolidation": _lambda_schema("Consolidation")},
                ("pre", "consolidation"),
            ),
            "audit_label_attribute": f.text(
                "Verification and adjustment jobs: the label attribute (in the input manifest) of the labels "
                "workers check. Default: the label attribute of input.job.",
                r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,126}$",
                "use letters, digits and hyphens, at most 127 characters",
            ),
            "automated_labeling": {
                "description": "Automated data labeling with AWS's built-in algorithm for the task type "
                "(image_classification, text_classification, bounding_box, semantic_segmentation): true, "
                "or {initial_model: <model ARN>, volume_kms_key: <KMS key>}. Needs at least 1,250 objects; "
                "not for streaming jobs.",
                "anyOf": [
                    {"type": "boolean"},
                    f.obj(
                        "Automated data labeling settings.",
                        {
                            "initial_model": f.text(
                                "ARN of a model from an earlier automated labeling job "
                                "(InitialActiveLearningModelArn).",
                                r"^arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]*:[0-9]{12}:model/.+$",
                                "must be a SageMaker model ARN",
                                maxLength=2048,
                            ),
                            "volume_kms_key": f.text(
                                "KMS key that encrypts the training and inference volumes.",
                                r"^[a-zA-Z0-9:/_-]+$",
                                "a KMS key id, ARN or alias/name",
                                maxLength=2048,
                            ),
                        },
                    ),
                ],
                "x-message": "must be true, false, or {initial_model: ..., volume_kms_key: ...}",
            },
            "output_topic": f.text(
                "Streaming jobs: an SNS topic (name: gtops creates it; or an existing topic's ARN) that "
                "receives each object as soon as it is labeled.",
                r"^(arn:aws[a-z\-]*:sns:[a-z0-9\-]*:[0-9]{12}:)?[a-zA-Z0-9_.-]{1,256}$",
                "a topic name (letters, digits, - _ .) or an SNS topic ARN",
            ),
            "cors": {
                "description": "The CORS rule gtops keeps on the buckets that hold the job's images "
                "(workers' browsers fetch them). Default: GET from any origin, exposing "
                "Access-Control-Allow-Origin, "
                "with the id gtops-ground-truth. Give your own rule (or just its id), or false to leave the "
                "buckets' CORS alone. Other rules on a bucket are always kept.",
                "anyOf": [
                    {"const": False},
                    f.obj(
                        "A CORS rule (S3 CORSRule).",
                        {
                            "id": f.text("Rule ID, at most 255 characters.", minLength=1, maxLength=255),
                            "allowed_origins": f.array(
                                "Origins, e.g. '*' or https://*.labeling.us-east-1.sagemaker.aws.",
                                f.text("An origin.", minLength=1),
                                minItems=1,
                            ),
                            "allowed_methods": f.array(
                                "HTTP methods (GET is what workers need).",
                                {"enum": ["GET", "PUT", "POST", "DELETE", "HEAD"]},
                                minItems=1,
                                uniqueItems=True,
                            ),
                            "allowed_headers": f.array("Allowed request headers.", f.text("A header.")),
                            "expose_headers": f.array("Headers exposed to the page.", f.text("A header.")),
                            "max_age": f.integer("Seconds a browser may cache the preflight answer.", 0),
                        },
                    ),
                ],
                "x-message": "must be false or a rule {id, allowed_origins, allowed_methods, ...}",
            },
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


def _lambda_schema(what: str) -> dict[str, Any]:
    settings = f.obj(
        f"{what} Lambda deployed from a local file, with its settings.",
        {
            "file": f.text("Local .py file (relative to this spec file) with a lambda_handler.", minLength=1),
            "name": f.text(
                "Function name, 1-64 letters, digits, hyphens and underscores. Default gtops-<setup>-<file>.",
                r"^[a-zA-Z0-9_-]{1,64}$",
                "use letters, digits, hyphens and underscores, at most 64 characters",
            ),
            "runtime": {"description": "Python runtime. Default python3.12.", "enum": list(LAMBDA_RUNTIMES)},
            "memory": f.integer("Memory in MB, 128-10240. Default 128.", 128, 10240),
            "timeout": f.duration("Longest run of one invocation. Default 1m.", "1s", "15m"),
            "environment": {
                "type": "object",
                "description": "Environment variables of the function (values are text; at most 4 KB in "
                "all). Pass secrets with --var or GTOPS_VAR_* so that plans mask them.",
                "propertyNames": {
                    "pattern": r"^[a-zA-Z][a-zA-Z0-9_]*$",
                    "x-hint": "names start with a letter; letters, digits and underscores",
                },
                "additionalProperties": {"type": "string"},
            },
            "role": {
                "type": "string",
                "description": "An existing execution role ARN. Default: gtops's least-privilege role "
                "gtops-<setup>-lambda.",
                "pattern": f.ROLE_ARN,
                "maxLength": 2048,
            },
        },
        ("file",),
    )
    return {
        "description": f"{what} Lambda: an ARN, a local .py file, or {{file: ..., and settings}}.",
        "anyOf": [f.text("An ARN or a local .py file.", minLength=1), settings],
        "x-message": "must be a Lambda ARN, a local .py file, or {file: ..., name, runtime, memory, timeout, "
        "environment, role}",
    }


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
    """Every job of the exported teams, as an entry that plans to no changes.

    A gtops job's label file and UI template sit under its assets prefix, named by their content's hash, so
    its labels and template are written into the spec. A job made by hand points at files of its own: the
    spec names them where they are (label_file, template and input.manifest as s3:// URIs), so the job is
    adopted as it is.
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
        name = job["LabelingJobName"]
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
        entry: dict[str, Any] = {"name": name, "task_type": view["task_type"], "team": view.get("team")}
        if view["workforce"] == "public":
            entry.pop("team")
            entry["workforce"] = "public"
            entry["price_per_task"] = view.get("price_per_task")
        if labels_uri and not made_by_gtops:  # a file of its own: named as it is (adopted, not copied)
            entry["label_file"] = labels_uri
        elif labels_uri:
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
        entry["input"] = {
            k: v for k, v in (("manifest", view["input"]), ("sns_topic", view.get("sns_topic"))) if v
        }
        if made_by_gtops and (labels_uri or template_uri):
            entry["assets"] = (labels_uri or template_uri).rsplit("/", 1)[0] + "/"
        entry["output"] = view["output"]
        entry["role"] = view["role"]
        if template_uri and not made_by_gtops:
            entry["template"] = template_uri  # the job's own template in S3, used as it is
        elif template_uri and not BUILTIN_KEY.search(template_uri):
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
        for key in ("keywords", "content_classifiers", "stopping", "kms_key", "output_topic"):
            if view.get(key):
                entry[key] = view[key]
        auto = view.get("automated_labeling")
        if auto:
            settings = {k: auto[k] for k in ("initial_model", "volume_kms_key") if auto.get(k)}
            entry["automated_labeling"] = settings or True
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
        Use("gtops.jobs.prepare:_read_named", "s3", ("GetObject",), "job_inputs", "jobs"),
        Use("gtops.jobs.prepare:_Input._from_job", "sagemaker", ("DescribeLabelingJob",), "all_jobs", "jobs"),
        Use("gtops.jobs.plan:_live_bytes", "s3", ("GetObject",), "job_inputs", "jobs"),
        Use(
            "gtops.jobs.plan:external_teams",
            "sagemaker",
            ("DescribeWorkteam",),
            "job_teams",
            "external_teams",
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
        Use(
            f"{A}:_create_topics",
            "sns",
            ("GetTopicAttributes", "CreateTopic", "TagResource"),
            "job_topics",
            "job_topics_created",
            APPLY,
        ),
        Use("gtops.jobs.stream:send", "sns", ("Publish",), "job_topics", "streaming", APPLY),
        Use(f"{A}:job_create", "iam", ("PassRole",), "job_roles", "jobs", APPLY),
        Use(f"{A}:job_stop", "sagemaker", ("StopLabelingJob",), "jobs", "relaunch_auto", APPLY),
        Use(f"{A}:job_stop", "sagemaker", ("StopLabelingJob",), "owned_jobs", "always", DESTROY),
    ),
)
