"""Turn one spec job into what gtops will do: the CreateLabelingJob request and the files it needs.

Everything gtops uploads is content-addressed (the key holds a sha256 prefix of the bytes), so re-running
uploads nothing new, and a changed file means a changed job configuration that the plan can show.
The `view` is the job in the spec's vocabulary; it is built from the request by `view_of`, the same
function that reads a live job, so desired and live compare field by field.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gtops.errors import GtopsError
from gtops.files import (
    ANYWHERE,
    MAX_MANIFEST_FILE,
    MAX_TEMPLATE_FILE,
    MAX_UPLOAD_FILE,
    Confinement,
    read_bounded,
    walk_files,
)
from gtops.jobs import s3 as s3u
from gtops.jobs.tasks import (
    IMAGE_EXTENSIONS,
    MIN_AUTO_LABELING_OBJECTS,
    TEXT_EXTENSIONS,
    TaskType,
    algorithm_arn,
    human_task_ui_arn,
    public_workteam_arn,
    task,
    task_of_lambda,
)

if TYPE_CHECKING:
    from gtops.kinds.labeling_job import JobSpec
    from gtops.setup import Setup

LABEL_FILE_VERSION = "2018-11-28"
BUILTIN_KEY = re.compile(r"(?:^|/)template-builtin-([a-z_]+)-[0-9a-f]{16}\.html$")
SAMPLE_SIZE = 5


@dataclass
class Upload:
    uri: str
    body: bytes
    what: str
    content_type: str = "application/octet-stream"


@dataclass
class LocalLambda:
    """A consolidation or pre-annotation Lambda gtops deploys from a local .py file."""

    role: str  # "pre" or "consolidation"
    path: str
    function_name: str
    arn: str
    runtime: str = "python3.12"
    memory: int = 128
    timeout: int = 60
    environment: dict[str, str] | None = None  # None: unmanaged
    execution_role: str | None = None  # an existing role ARN; None: gtops's lambda role


@dataclass
class Context:
    """What preparing a job needs to know about the setup and the account."""

    setup: Setup
    region: str
    account: str
    partition: str = "aws"
    team_arns: dict[str, str] = field(default_factory=dict)
    s3: Any = None  # an S3 client, or None to prepare offline (no S3 reads)
    confinement: Confinement = ANYWHERE  # where local inputs may live (the spec's)
    sagemaker: Any = None  # a SageMaker client to look up a chained job's source, or None (offline)
    sources: dict[str, Prepared] = field(default_factory=dict)  # spec jobs prepared so far, lower-case name


@dataclass
class Prepared:
    index: int
    spec: JobSpec
    task: TaskType
    name: str
    view: dict
    request: dict
    uploads: list[Upload] = field(default_factory=list)
    cors_buckets: list[str] = field(default_factory=list)
    objects: int | None = None
    sample: list[dict] = field(default_factory=list)
    reads: list[str] = field(default_factory=list)  # S3 prefixes the execution role reads
    writes: list[str] = field(default_factory=list)  # S3 prefixes it writes
    lambdas: list[str] = field(default_factory=list)  # custom Lambda ARNs it invokes
    local_lambdas: list[LocalLambda] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    template_text: str | None = None  # the worker UI gtops uploads (None: AWS-hosted UI)
    where: str = ""  # spec file:line of the job, for messages
    # What the label file, template and manifest hold (None: unknown), to compare jobs by content.
    contents: dict[str, bytes | None] = field(default_factory=dict)
    waits_for: str | None = None  # a chained job: its source job, while that has no output manifest yet
    source_status: str | None = None  # a chained job: its source job's status (None: not created)
    label_list: list[str] = field(default_factory=list)  # the label names (from the spec or its label_file)
    topics: list[str] = field(default_factory=list)  # SNS topics gtops creates for a streaming job


def sha(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def managed_role_name(setup: str, purpose: str = "labeling") -> str:
    base = re.sub(r"[^\w+=,.@-]", "-", setup)
    return f"gtops-{base[: 64 - len(purpose) - 7]}-{purpose}"


def role_arn(ctx: Context, name: str) -> str:
    return f"arn:{ctx.partition}:iam::{ctx.account}:role/{name}"


def lambda_function_name(setup: str, path: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9_-]", "-", Path(path).stem)
    base = re.sub(r"[^A-Za-z0-9_-]", "-", setup)
    name = f"gtops-{base}-{stem}"
    if len(name) > 64:
        name = name[:55] + "-" + hashlib.sha256(name.encode()).hexdigest()[:8]
    return name


def assets_prefix(job: JobSpec) -> str:
    if job.assets:
        return job.assets if job.assets.endswith("/") else job.assets + "/"
    bucket, key = s3u.split(job.output)
    if not key.strip("/"):  # output at the bucket's root: "<bucket>.gtops" would name another bucket
        return f"s3://{bucket}/gtops-assets/"
    return job.output.rstrip("/") + ".gtops/"


def label_file(job: JobSpec) -> dict | None:
    """The label category configuration file; None for a custom job without labels or instructions."""
    labels = []
    for item in job.labels or ():
        if isinstance(item, Mapping):
            entry = {"label": item["label"]}
            if item.get("short_name"):
                entry["shortDisplayName"] = item["short_name"]
            labels.append(entry)
        else:
            labels.append({"label": str(item)})
    instructions = job.instructions or {}
    if not labels and not instructions:
        return None
    body: dict[str, Any] = {"document-version": LABEL_FILE_VERSION, "labels": labels}
    if instructions:
        body["instructions"] = {}
        if instructions.get("short"):
            body["instructions"]["shortInstruction"] = instructions["short"]
        if instructions.get("full"):
            body["instructions"]["fullInstruction"] = instructions["full"]
    return body


def label_names(job: JobSpec) -> list[str]:
    return [i["label"] if isinstance(i, Mapping) else str(i) for i in job.labels or ()]


def builtin_template(task_name: str) -> str:
    return resources.files("gtops.jobs").joinpath(f"templates/{task_name}.html").read_text(encoding="utf-8")


def _raw(text: str) -> str:
    """Spec text placed into a Liquid template verbatim (never evaluated as Liquid)."""
    return "{% raw %}" + text.replace("{% endraw %}", "") + "{% endraw %}" if text else ""


def render_builtin(job: JobSpec, audited: str | None = None) -> str:
    """gtops's template for a built-in task type, with the job's header and instructions filled in (and,
    for verification and adjustment, the label attribute whose labels workers check)."""
    import html

    instructions = job.instructions or {}
    text = builtin_template(job.task_type)
    # A label attribute is letters, digits and hyphens (the schema's pattern): safe inside a Liquid string.
    text = text.replace("@@AUDIT@@", audited or job.audit_label_attribute or "")
    text = text.replace("@@HEADER@@", _raw(html.escape(job.description or job.title or "")))
    text = text.replace("@@SHORT@@", _raw(instructions.get("short", "")))
    return text.replace("@@FULL@@", _raw(instructions.get("full", "")))


def _json_bytes(obj: Any) -> bytes:
    return (json.dumps(obj, indent=2, ensure_ascii=False) + "\n").encode()


def _manifest_bytes(lines: list[dict]) -> bytes:
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines).encode()


def _bucket_prefix(uri: str) -> str:
    """s3://b/a/b/c.jpg -> s3://b/a/b/ (the folder the role must read)."""
    return uri.rsplit("/", 1)[0] + "/"


def _data_locations(lines: list[dict]) -> list[str]:
    folders = sorted(
        {
            _bucket_prefix(v)
            for line in lines
            for k, v in line.items()
            if k == "source-ref" and isinstance(v, str) and v.startswith("s3://")
        }
    )
    # Collapse folders under a common parent so the policy stays short.
    out: list[str] = []
    for f in folders:
        if not any(f.startswith(o) for o in out):
            out.append(f)
    return out


def _wanted(key: str, media: str) -> bool:
    low = key.lower()
    if media == "image":
        return low.endswith(IMAGE_EXTENSIONS)
    if media == "text":
        return low.endswith(TEXT_EXTENSIONS)
    return not Path(low).name.startswith(".")


def _text_lines(body: bytes) -> list[dict]:
    return [{"source": line.strip()} for line in body.decode("utf-8").splitlines() if line.strip()]


class _Input:
    """The input manifest: where it lives, which files gtops must upload, what the objects are."""

    def __init__(self, ctx: Context, job: JobSpec, tt: TaskType, assets: str, where: str):
        self.ctx, self.job, self.tt, self.assets, self.where = ctx, job, tt, assets, where
        self.uploads: list[Upload] = []
        self.lines: list[dict] | None = None
        self.body: bytes | None = None  # the manifest's bytes, when known
        self.warnings: list[str] = []
        self.uri = ""
        self.topic_arn: str | None = None  # streaming: the input topic
        self.waits_for: str | None = None  # chained: the source job, while it has no output manifest
        self.source_status: str | None = None
        self.source_attribute: str | None = None  # chained: the label attribute the source job writes
        self.source_labels: list[Any] = []  # chained: the source job's labels, when known

    def resolve(self) -> None:
        source = self.job.input
        if "sns_topic" in source:
            self.topic_arn = topic_arn(self.ctx, source["sns_topic"])
        if "manifest" in source:
            self.uri = source["manifest"]
            self._read_s3_manifest()
        elif "manifest_file" in source:
            path = Path(source["manifest_file"])
            body = read_bounded(path, MAX_MANIFEST_FILE, f"{self.where}: input.manifest_file")
            self.lines = self._parse(body, str(path))
            self._add_manifest(body)
        elif "s3_prefix" in source:
            self._from_s3_prefix(source["s3_prefix"])
        elif "folder" in source:
            self._from_folder(Path(source["folder"]))
        elif "job" in source:
            self._from_job(source["job"])
        elif self.topic_arn is not None:
            self.lines = []  # a streaming job with no first objects: they arrive on its topic
        else:
            raise GtopsError(
                f"{self.where}: input needs one of manifest, manifest_file, s3_prefix, folder, job"
            )

    def _from_job(self, name: str) -> None:
        """Chaining (DG: Chaining Labeling Jobs): the input is the source job's output manifest."""
        from gtops.jobs import live as jl

        spec_source = self.ctx.sources.get(name.lower())
        live_name = spec_source.name if spec_source is not None else name
        described = jl.describe(self.ctx.sagemaker, live_name) if self.ctx.sagemaker is not None else None
        if spec_source is None and described is None:
            if self.ctx.sagemaker is None:
                raise GtopsError(f"{self.where}: input.job: {name} is not in the spec; reading it needs AWS")
            raise GtopsError(
                f"{self.where}: input.job: there is no job named {name} in the spec or in {self.ctx.region}"
            )
        if spec_source is not None:
            self.source_attribute = spec_source.request["LabelAttributeName"]
            self.source_labels = list(spec_source.spec.labels or spec_source.label_list)
            self.uri = s3u.join(
                spec_source.spec.output.rstrip("/") + "/", f"{live_name}/manifests/output/output.manifest"
            )
        if described is not None:
            self.source_attribute = described.get("LabelAttributeName") or self.source_attribute
            self.source_status = described.get("LabelingJobStatus")
            out = (described.get("LabelingJobOutput") or {}).get("OutputDatasetS3Uri")
            if not self.source_labels and described.get("LabelCategoryConfigS3Uri") and self.ctx.s3:
                from gtops.jobs.results import label_categories

                try:
                    self.source_labels = label_categories(
                        s3u.read(self.ctx.s3, described["LabelCategoryConfigS3Uri"])
                    )
                except Exception as err:
                    if not s3u.missing(err):
                        raise
            if out:
                self.uri = out
            elif not self.uri:
                self.uri = s3u.join(
                    (described.get("OutputConfig") or {}).get("S3OutputPath", "").rstrip("/") + "/",
                    f"{described['LabelingJobName']}/manifests/output/output.manifest",
                )
            if self.source_status == "Failed" and not out:
                reason = described.get("FailureReason") or "no reason given"
                raise GtopsError(
                    f"{self.where}: input.job: {live_name} failed ({reason}) and has no output manifest to "
                    "chain; chain a job that completed or was stopped"
                )
        if self.source_status not in ("Completed", "Stopped") or described is None:
            self.waits_for = live_name  # created once the source has finished (an apply after that)
            return
        if self.ctx.s3 is not None:
            self._read_s3_manifest()

    def _parse(self, body: bytes, name: str) -> list[dict]:
        lines = s3u.data_object_lines(body, f"{self.where}: {name}")
        for n, line in enumerate(lines, 1):
            ref = line.get("source-ref")
            if ref is not None and not (isinstance(ref, str) and ref.startswith("s3://")):
                raise GtopsError(
                    f"{self.where}: {name}: line {n}: source-ref must be an s3:// URI (Ground Truth reads "
                    f"objects from S3), not {str(ref)[:80]!r}"
                )
        if not lines:
            raise GtopsError(f"{self.where}: the input manifest {name} has no objects")
        return lines

    def _add_manifest(self, body: bytes) -> None:
        self.body = body
        self.uri = s3u.join(self.assets, f"manifest-{sha(body)[:16]}.manifest")
        self.uploads.append(Upload(self.uri, body, "input manifest", "application/x-ndjson"))

    def _read_s3_manifest(self) -> None:
        if self.ctx.s3 is None:
            return
        try:
            body = s3u.read(self.ctx.s3, self.uri)
        except Exception as err:
            if s3u.missing(err):
                self.warnings.append(f"{self.where}: the input manifest {self.uri} does not exist (yet)")
                return
            raise
        self.lines = self._parse(body, self.uri)
        self.body = body

    def _from_s3_prefix(self, prefix: str) -> None:
        if self.ctx.s3 is None:
            raise GtopsError(f"{self.where}: building a manifest from {prefix} needs S3 access")
        try:
            keys = sorted(k for k in s3u.list_keys(self.ctx.s3, prefix) if _wanted(k, self.tt.media))
        except Exception as err:
            if s3u.missing(err):
                raise GtopsError(
                    f"{self.where}: input.s3_prefix: the bucket of {prefix} does not exist"
                ) from None
            raise
        bucket, _ = s3u.split(prefix)
        if self.tt.media == "text":
            lines = []
            for key in keys:
                lines += _text_lines(s3u.read(self.ctx.s3, f"s3://{bucket}/{key}"))
        else:
            lines = [{"source-ref": f"s3://{bucket}/{key}"} for key in keys]
        if not lines:
            kind = {"image": "images", "text": ".txt files"}.get(self.tt.media, "objects")
            raise GtopsError(f"{self.where}: input.s3_prefix {prefix} holds no {kind} to label")
        self.lines = lines
        self._add_manifest(_manifest_bytes(lines))

    def _from_folder(self, folder: Path) -> None:
        if not folder.is_dir():
            raise GtopsError(f"{self.where}: input.folder {folder} is not a folder")
        what = f"{self.where}: input.folder"
        found = walk_files(folder, self.ctx.confinement, what)
        files = sorted(p for p in found if _wanted(p.name, self.tt.media))
        if self.tt.media == "text":
            lines = []
            for p in files:
                lines += _text_lines(read_bounded(p, MAX_MANIFEST_FILE, what))
        else:
            bodies = [
                (p.relative_to(folder).as_posix(), read_bounded(p, MAX_UPLOAD_FILE, what)) for p in files
            ]
            digest = sha(b"".join(name.encode() + b"\0" + sha(body).encode() for name, body in bodies))[:16]
            base = s3u.join(self.assets, f"data/{digest}/")
            lines = []
            for name, body in bodies:
                uri = base + name
                self.uploads.append(Upload(uri, body, f"data {name}", _content_type(name)))
                lines.append({"source-ref": uri})
        if not lines:
            kind = {"image": "images", "text": ".txt files"}.get(self.tt.media, "files")
            raise GtopsError(f"{self.where}: input.folder {folder} holds no {kind} to label")
        self.lines = lines
        self._add_manifest(_manifest_bytes(lines))


def topic_arn(ctx: Context, value: str) -> str:
    """An SNS topic given by ARN, or by name in the job's account and region."""
    if value.startswith("arn:"):
        return value
    return f"arn:{ctx.partition}:sns:{ctx.region}:{ctx.account}:{value}"


def _content_type(name: str) -> str:
    import mimetypes

    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def _price(amount: float) -> dict:
    tenths = round(amount * 1000)
    return {
        "AmountInUsd": {
            "Dollars": tenths // 1000,
            "Cents": (tenths // 10) % 100,
            "TenthFractionsOfACent": tenths % 10,
        }
    }


def _amount(price: dict | None) -> float | None:
    usd = (price or {}).get("AmountInUsd")
    if not usd:
        return None
    return round(
        usd.get("Dollars", 0) + usd.get("Cents", 0) / 100 + usd.get("TenthFractionsOfACent", 0) / 1000, 3
    )


def tags_of(ctx: Context, job: JobSpec) -> dict[str, str]:
    tags = ctx.setup.ownership_tags(job.tags)
    tags["gtops:job"] = job.name
    return tags


def auto_name(base: str, view: dict) -> str:
    """`relaunch: auto`: the name carries a hash of the configuration, so a changed job gets a new name."""
    digest = hashlib.sha256(json.dumps(view, sort_keys=True, default=str).encode()).hexdigest()[:8]
    return f"{base[:54].rstrip('-')}-{digest}"


def prepare(ctx: Context, index: int, job: JobSpec, where: str = "") -> Prepared:
    """Everything about one spec job that gtops can know before calling CreateLabelingJob."""
    where = where or f"jobs[{index}] ({job.name})"
    tt = task(job.task_type)
    assets = assets_prefix(job)
    uploads: list[Upload] = []
    contents: dict[str, bytes | None] = {}
    reads_extra: list[str] = []

    # Input manifest (first: a chained job takes its source's label attribute and labels).
    source = _Input(ctx, job, tt, assets, where)
    source.resolve()
    uploads += source.uploads
    contents["input"] = source.body
    label_attribute = job.label_attribute
    audited = job.audit_label_attribute
    if job.source_job and source.source_attribute:
        if tt.audits:
            audited = audited or source.source_attribute
        elif not job.label_attribute_given:
            label_attribute = source.source_attribute  # the chain carries the label attribute over
    labels = job.labels
    if not labels and not job.label_file and tt.name.startswith("adjustment_") and source.source_labels:
        labels = tuple(source.source_labels)  # AWS: an adjustment job keeps the original job's labels

    # Label categories: gtops's own file, or an existing one named by the spec.
    label_uri = None
    label_list: list[str] = []
    if job.label_file:
        label_uri = job.label_file
        contents["labels_file"] = _read_named(ctx, label_uri, where, "label_file")
        if contents["labels_file"] is not None:
            from gtops.jobs.results import label_categories

            label_list = label_categories(contents["labels_file"])
        reads_extra.append(label_uri)
    else:
        from dataclasses import replace

        body = label_file(replace(job, labels=labels) if labels != job.labels else job)
        if body is not None:
            raw = _json_bytes(body)
            label_uri = s3u.join(assets, f"labels-{sha(raw)[:16]}.json")
            uploads.append(Upload(label_uri, raw, "label categories", "application/json"))
            contents["labels_file"] = raw
        label_list = [i["label"] if isinstance(i, Mapping) else str(i) for i in labels or ()]

    if tt.audits:
        _check_audit(where, label_attribute, audited, label_list, source.source_labels)

    # Worker UI: the user's template (local or in S3), gtops's built-in one, or AWS's hosted UI (NER).
    ui: dict[str, str]
    template_text = None
    if tt.human_task_ui and not job.template:
        ui = {"HumanTaskUiArn": human_task_ui_arn(ctx.partition, ctx.region, tt.human_task_ui)}
    elif job.template and job.template.startswith("s3://"):
        ui = {"UiTemplateS3Uri": job.template}
        raw_template = _read_named(ctx, job.template, where, "template")
        contents["ui"] = raw_template
        if raw_template is not None:
            try:
                template_text = raw_template.decode("utf-8")
            except UnicodeDecodeError:
                raise GtopsError(f"{where}: template {job.template} is not UTF-8 text") from None
        reads_extra.append(job.template)
    else:
        if job.template:
            path = Path(job.template)
            try:
                template_text = read_bounded(path, MAX_TEMPLATE_FILE, f"{where}: template").decode("utf-8")
            except UnicodeDecodeError:
                raise GtopsError(f"{where}: template {path} is not UTF-8 text") from None
            raw = template_text.encode()
            key = f"template-{sha(raw)[:16]}.html"
        else:
            if tt.audits and not audited:
                raise GtopsError(
                    f"{where}: which labels workers check is unknown: chain the job (input: {{job: ...}}) or "
                    "set audit_label_attribute"
                )
            template_text = render_builtin(job, audited)
            raw = template_text.encode()
            key = f"template-builtin-{tt.name}-{sha(raw)[:16]}.html"
        uri = s3u.join(assets, key)
        uploads.append(Upload(uri, raw, "worker UI template", "text/html"))
        ui = {"UiTemplateS3Uri": uri}
        contents["ui"] = raw

    # Lambdas.
    local: list[LocalLambda] = []
    if tt.suffix:
        from gtops.spec.lambdas import builtin_lambda_arns

        arns = builtin_lambda_arns(ctx.region, tt.suffix)
        if arns is None:
            raise GtopsError(
                f"{where}: region {ctx.region} has no built-in Ground Truth Lambdas for {tt.name}; "
                "use task_type custom with your own lambdas"
            )
        pre, acs = arns
    else:
        given = job.lambdas or {}
        resolved = {}
        for role in ("pre", "consolidation"):
            value = given.get(role)
            if not value:
                raise GtopsError(f"{where}: custom jobs need lambdas.{role}")
            if value.startswith("arn:"):
                resolved[role] = value
            else:
                local.append(_local_lambda(ctx, job, role, value))
                resolved[role] = local[-1].arn
        pre, acs = resolved["pre"], resolved["consolidation"]

    # Who works on it.
    public = job.public
    team_arn = public_workteam_arn(ctx.partition, ctx.region) if public else ctx.team_arns.get(job.team or "")
    if not public and not team_arn and (job.team or "").startswith("arn:"):
        team_arn = job.team

    role = job.role
    role = role_arn(ctx, managed_role_name(ctx.setup.name)) if role == "managed" else role

    human: dict[str, Any] = {
        "WorkteamArn": team_arn,
        "UiConfig": ui,
        "PreHumanTaskLambdaArn": pre,
        "TaskTitle": job.title,
        "TaskDescription": job.description,
        "NumberOfHumanWorkersPerDataObject": job.workers_per_object,
        "TaskTimeLimitInSeconds": job.task_time_limit,
        "TaskAvailabilityLifetimeInSeconds": job.task_availability,
        "MaxConcurrentTaskCount": job.max_concurrent_tasks,
        "AnnotationConsolidationConfig": {"AnnotationConsolidationLambdaArn": acs},
    }
    if job.keywords:
        human["TaskKeywords"] = list(job.keywords)
    if public:
        if job.price_per_task is None:  # the spec checks require it where there is no suggested price
            raise GtopsError(f"{where}: public jobs need price_per_task")
        human["PublicWorkforceTaskPrice"] = _price(job.price_per_task)

    data_source: dict[str, Any] = {}
    if source.uri:
        data_source["S3DataSource"] = {"ManifestS3Uri": source.uri}
    if source.topic_arn:
        data_source["SnsDataSource"] = {"SnsTopicArn": source.topic_arn}
    input_config: dict[str, Any] = {"DataSource": data_source}
    if job.content_classifiers:
        input_config["DataAttributes"] = {"ContentClassifiers": list(job.content_classifiers)}
    output: dict[str, Any] = {"S3OutputPath": job.output}
    if job.kms_key:
        output["KmsKeyId"] = job.kms_key
    topics = [v for v in (job.input.get("sns_topic"), job.output_topic) if v and not v.startswith("arn:")]
    if job.output_topic:
        output["SnsTopicArn"] = topic_arn(ctx, job.output_topic)

    request: dict[str, Any] = {
        "LabelingJobName": job.name,
        "LabelAttributeName": label_attribute,
        "InputConfig": input_config,
        "OutputConfig": output,
        "RoleArn": role,
        "HumanTaskConfig": human,
    }
    if label_uri:
        request["LabelCategoryConfigS3Uri"] = label_uri
    stopping = job.stopping or {}
    if stopping:
        request["StoppingConditions"] = {}
        if "max_human_labeled_objects" in stopping:
            request["StoppingConditions"]["MaxHumanLabeledObjectCount"] = stopping[
                "max_human_labeled_objects"
            ]
        if "max_percentage_labeled" in stopping:
            request["StoppingConditions"]["MaxPercentageOfInputDatasetLabeled"] = stopping[
                "max_percentage_labeled"
            ]
    if job.automated_labeling is not None:
        if not tt.algorithm:
            raise GtopsError(f"{where}: AWS offers no automated data labeling for {tt.name}")
        algorithms: dict[str, Any] = {
            "LabelingJobAlgorithmSpecificationArn": algorithm_arn(ctx.partition, ctx.region, tt.algorithm)
        }
        if job.automated_labeling.initial_model:
            algorithms["InitialActiveLearningModelArn"] = job.automated_labeling.initial_model
        if job.automated_labeling.volume_kms_key:
            algorithms["LabelingJobResourceConfig"] = {
                "VolumeKmsKeyId": job.automated_labeling.volume_kms_key
            }
        request["LabelingJobAlgorithmsConfig"] = algorithms

    names_by_arn = {arn: name for name, arn in ctx.team_arns.items()}
    view = view_of(request, names_by_arn)
    if not public:
        view["team"] = team_name(job.team or "")  # known by name even before the team exists
    name = auto_name(job.name, view) if job.relaunch == "auto" else job.name
    request["LabelingJobName"] = name
    request["Tags"] = [{"Key": k, "Value": v} for k, v in sorted(tags_of(ctx, job).items())]

    lines = source.lines
    reads = [assets]
    if source.uri and not source.uri.startswith(assets):
        reads.append(source.uri)
    if lines is not None:
        reads += [p for p in _data_locations(lines) if not p.startswith(assets)]
    elif "manifest" in job.input or "job" in job.input:
        reads.append(_bucket_prefix(source.uri))  # unreadable now: at least the manifest's folder
    if "s3_prefix" in job.input and job.input["s3_prefix"] not in reads:
        reads.append(job.input["s3_prefix"])
    reads += [r for r in reads_extra if not r.startswith(assets)]
    # CORS goes where the images are: the buckets of the manifest's source-refs (the manifest's own
    # bucket when it cannot be read yet, as the console does).
    cors: list[str] = []
    wants_cors = tt.needs_cors or (tt.media == "any" and any("source-ref" in ln for ln in lines or []))
    if job.cors.manage and wants_cors:
        buckets = _ref_buckets(lines)
        if lines is None and source.uri:
            buckets.add(s3u.split(source.uri)[0])
        if "s3_prefix" in job.input:
            buckets.add(s3u.split(job.input["s3_prefix"])[0])
        cors = sorted(buckets)
    warnings = list(source.warnings)
    if job.automated_labeling is not None and lines is not None and len(lines) < MIN_AUTO_LABELING_OBJECTS:
        raise GtopsError(
            f"{where}: automated data labeling needs at least {MIN_AUTO_LABELING_OBJECTS:,} objects (AWS "
            f"recommends 5,000); the input has {len(lines):,}"
        )
    return Prepared(
        index=index,
        spec=job,
        task=tt,
        name=name,
        view=view,
        request=request,
        uploads=uploads,
        cors_buckets=cors,
        objects=len(lines) if lines is not None else None,
        sample=(lines or [])[:SAMPLE_SIZE],
        reads=_dedupe(reads),
        writes=[job.output if job.output.endswith("/") else job.output + "/"],
        lambdas=[a for a in (pre, acs) if task_of_lambda(a) == "custom"] if not tt.suffix else [],
        local_lambdas=local,
        warnings=warnings,
        template_text=template_text,
        where=where,
        contents=contents,
        waits_for=source.waits_for,
        source_status=source.source_status,
        label_list=label_list,
        topics=topics,
    )


def team_name(team: str) -> str:
    """A work team given by name or ARN, by name (…:workteam/private-crowd/<name>)."""
    return team.rsplit("/", 1)[-1] if team.startswith("arn:") else team


def _check_audit(
    where: str, attribute: str, audited: str | None, labels: list[str], source_labels: list[Any]
) -> None:
    """What AWS requires of a verification or adjustment job (DG: Start a label verification or adjustment
    job (API)): a LabelAttributeName other than the original job's, and a label category file that holds
    every label of the original job (new ones may be added)."""
    if audited and attribute == audited:
        raise GtopsError(
            f"{where}: label_attribute '{attribute}' is the attribute of the labels this job checks; a "
            "verification or adjustment job must write its own (AWS)"
        )
    names = [str(x.get("label")) if isinstance(x, Mapping) else str(x) for x in source_labels]
    missing = [n for n in names if n not in labels]
    if labels and missing:
        raise GtopsError(
            f"{where}: labels must hold every label of the job it checks; missing: {', '.join(missing)} "
            "(AWS: the same labels as the original job; new ones may be added)"
        )


def _read_named(ctx: Context, uri: str, where: str, what: str) -> bytes | None:
    """An existing S3 object the spec names (template, label_file): its bytes, None offline or missing."""
    if ctx.s3 is None:
        return None
    try:
        return s3u.read_bounded(ctx.s3, uri, MAX_TEMPLATE_FILE, f"{where}: {what}")
    except GtopsError:
        raise
    except Exception as err:
        if s3u.missing(err):
            raise GtopsError(f"{where}: {what}: {uri} does not exist") from None
        raise


def _local_lambda(ctx: Context, job: JobSpec, role: str, path: str) -> LocalLambda:
    options = job.lambda_options.get(role)
    fn = (options.name if options else None) or lambda_function_name(ctx.setup.name, path)
    arn = f"arn:{ctx.partition}:lambda:{ctx.region}:{ctx.account}:function:{fn}"
    out = LocalLambda(role, path, fn, arn)
    if options:
        out.runtime = options.runtime or out.runtime
        out.memory = options.memory or out.memory
        out.timeout = options.timeout or out.timeout
        out.environment = dict(options.environment) if options.environment is not None else None
        out.execution_role = options.role
    return out


def _ref_buckets(lines: list[dict] | None) -> set[str]:
    return {
        s3u.split(v)[0]
        for line in lines or []
        for k, v in line.items()
        if k == "source-ref" and isinstance(v, str) and v.startswith("s3://")
    }


def _dedupe(items: list[str]) -> list[str]:
    out: list[str] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


def view_of(request: dict, team_names: dict[str, str]) -> dict:
    """A CreateLabelingJob request or a DescribeLabelingJob answer, in the spec's vocabulary."""
    human = request.get("HumanTaskConfig") or {}
    data_source = (request.get("InputConfig") or {}).get("DataSource") or {}
    ui = human.get("UiConfig") or {}
    pre = human.get("PreHumanTaskLambdaArn")
    acs = (human.get("AnnotationConsolidationConfig") or {}).get("AnnotationConsolidationLambdaArn")
    team_arn = human.get("WorkteamArn") or ""
    public = ":workteam/public-crowd/" in team_arn
    template = ui.get("UiTemplateS3Uri")
    builtin = BUILTIN_KEY.search(template or "")
    view: dict[str, Any] = {
        "task_type": task_of_lambda(pre),
        "workforce": "public" if public else "private",
        "label_attribute": request.get("LabelAttributeName"),
        "labels_file": request.get("LabelCategoryConfigS3Uri"),
        "input": (data_source.get("S3DataSource") or {}).get("ManifestS3Uri"),
        "output": (request.get("OutputConfig") or {}).get("S3OutputPath"),
        "role": request.get("RoleArn"),
        "ui": f"built-in {builtin.group(1)} template" if builtin else template or ui.get("HumanTaskUiArn"),
        "lambdas": {"pre": pre, "consolidation": acs},
        "workers_per_object": human.get("NumberOfHumanWorkersPerDataObject"),
        "task_time_limit": human.get("TaskTimeLimitInSeconds"),
        "task_availability": human.get("TaskAvailabilityLifetimeInSeconds"),
        "max_concurrent_tasks": human.get("MaxConcurrentTaskCount"),
        "title": human.get("TaskTitle"),
        "description": human.get("TaskDescription"),
    }
    if not public:
        view["team"] = team_names.get(team_arn, team_arn)
    if human.get("TaskKeywords"):
        view["keywords"] = list(human["TaskKeywords"])
    if public:
        view["price_per_task"] = _amount(human.get("PublicWorkforceTaskPrice"))
    classifiers = ((request.get("InputConfig") or {}).get("DataAttributes") or {}).get("ContentClassifiers")
    if classifiers:
        view["content_classifiers"] = sorted(classifiers)
    kms = (request.get("OutputConfig") or {}).get("KmsKeyId")
    if kms:
        view["kms_key"] = kms
    topic = (data_source.get("SnsDataSource") or {}).get("SnsTopicArn")
    if topic:
        view["sns_topic"] = topic
    output_topic = (request.get("OutputConfig") or {}).get("SnsTopicArn")
    if output_topic:
        view["output_topic"] = output_topic
    algorithms = request.get("LabelingJobAlgorithmsConfig") or {}
    if algorithms:
        view["automated_labeling"] = {
            "algorithm": str(algorithms.get("LabelingJobAlgorithmSpecificationArn", "")).rsplit("/", 1)[-1],
            "initial_model": algorithms.get("InitialActiveLearningModelArn"),
            "volume_kms_key": (algorithms.get("LabelingJobResourceConfig") or {}).get("VolumeKmsKeyId"),
        }
    stopping = request.get("StoppingConditions") or {}
    if stopping:
        view["stopping"] = {
            k: stopping[a]
            for k, a in (
                ("max_human_labeled_objects", "MaxHumanLabeledObjectCount"),
                ("max_percentage_labeled", "MaxPercentageOfInputDatasetLabeled"),
            )
            if a in stopping
        }
    return view
