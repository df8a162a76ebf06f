"""What CreateLabelingJob refuses at once, beyond the request's shape, as the sandbox models it.

AWS documents none of these checks: CreateLabelingJob's modelled errors are only ResourceInUse and
ResourceLimitExceeded, and everything else surfaces as ValidationException. Each rule says where the evidence
comes from (the research notes, /work/notes/aws-truth.md of the project, collect it) and how sure it is:
"documented" limits with an assumed refusal code, "behaviour evidence" from public issue threads and
Terraform, or "assumed" where no source says either way and the sandbox takes the stricter side (so gtops is
tested against the harder case). What AWS accepts and fails later (the job goes Failed with a FailureReason)
is modelled in gtops/sandbox/labeling.py instead.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

from moto.core.exceptions import JsonRESTError

SAGEMAKER_PRINCIPAL = "sagemaker.amazonaws.com"
PUBLIC_CROWD_ACCOUNT = "394669845002"
# Model, UiConfig.HumanTaskUiArn: the worker task UIs AWS publishes, in account 394669845002 of each region.
HUMAN_TASK_UIS = (
    "NamedEntityRecognition",
    "PointCloudObjectDetection",
    "PointCloudObjectTracking",
    "PointCloudSemanticSegmentation",
    "VideoObjectDetection",
    "VideoObjectTracking",
)
# Model, HumanTaskConfig.TaskTimeLimitInSeconds: "For image and text labeling jobs [and custom ones], the
# maximum is 8 hours (28,800 seconds). For 3D point cloud and video frame labeling jobs, the maximum is
# 30 days".
MAX_TASK_TIME = 8 * 3600
MAX_TASK_TIME_3D_VIDEO = 30 * 86400
# Model, HumanTaskConfig.TaskAvailabilityLifetimeInSeconds: "If you choose the Amazon Mechanical Turk
# workforce, the maximum is 12 hours (43,200 seconds) ... If you choose a private or vendor workforce ... the
# maximum is also 30 days."
MAX_AVAILABILITY_PUBLIC = 12 * 3600
MAX_AVAILABILITY = 30 * 86400


def _invalid(message: str) -> JsonRESTError:
    return JsonRESTError("ValidationException", message)


def _arn_parts(arn: str) -> list[str]:
    return arn.split(":", 6) if arn.count(":") >= 5 else []


def _builtin_accounts() -> dict[str, str]:
    from gtops.spec.lambdas import _table

    table: dict[str, str] = _table()["region_account"]
    return table


def _is_3d_or_video(task: str) -> bool:
    base = task.removeprefix("Adjustment")
    return base.startswith("3DPointCloud") or base.startswith("Video")


def task_of(human: dict[str, Any]) -> str:
    """The built-in task type the request names (its PRE- Lambda or AWS's task UI), or "custom"."""
    name = _arn_parts(human.get("PreHumanTaskLambdaArn") or "")[-1:] or [""]
    function = name[0].removeprefix("function:")
    if function.startswith("PRE-"):
        return function.removeprefix("PRE-")
    ui = (human.get("UiConfig") or {}).get("HumanTaskUiArn") or ""
    return ui.rsplit("/", 1)[-1] if ui else "custom"


def check_role(role_arn: str, account: str) -> None:
    """Behaviour evidence (medium): Terraform's aws_sagemaker_labeling_job retries CreateLabelingJob on
    ValidationException while a new role propagates (internal/service/sagemaker/labeling_job.go), so a role
    SageMaker cannot assume is refused at create time; the wording is CreateTransformJob's real one
    (awslabs/predictive-maintenance-using-machine-learning#3). A role of another account cannot be passed
    (iam:PassRole does not cross accounts)."""
    from moto.iam.models import iam_backends

    from gtops.sandbox.hooks import LOCKS

    message = (
        f"Could not assume role {role_arn}. Please ensure that the role exists and allows principal "
        f"'{SAGEMAKER_PRINCIPAL}' to assume the role."
    )
    parts = _arn_parts(role_arn)
    if len(parts) < 6 or parts[2] != "iam" or parts[4] != account:
        raise _invalid(message)
    name = parts[5].rsplit("/", 1)[-1]
    with LOCKS["iam"]:
        try:
            role = iam_backends[account]["global"].get_role(name)
        except Exception:  # noqa: BLE001 - moto's NotFoundException: the role does not exist
            raise _invalid(message) from None
        document = role.assume_role_policy_document
    if not _trusts(document, SAGEMAKER_PRINCIPAL):
        raise _invalid(message)


def _trusts(document: Any, service: str) -> bool:
    try:
        policy = json.loads(unquote(document)) if isinstance(document, str) else document
    except ValueError:
        return False
    statements = policy.get("Statement") if isinstance(policy, dict) else None
    if isinstance(statements, dict):
        statements = [statements]
    for statement in statements or []:
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        actions = statement.get("Action")
        actions = [actions] if isinstance(actions, str) else actions or []
        if not any(a in ("sts:AssumeRole", "sts:*", "*") for a in actions):
            continue
        principal = statement.get("Principal") or {}
        services = principal.get("Service") if isinstance(principal, dict) else None
        services = [services] if isinstance(services, str) else services or []
        if service in services:
            return True
    return False


def check_ui(human: dict[str, Any], region: str) -> None:
    """Behaviour evidence (medium): an unknown HumanTaskUiArn (3DPointCloudObjectDetection for
    PointCloudObjectDetection) was refused with a ValidationException at create time
    (aws/amazon-sagemaker-examples#1936). Only the model's list, in the job's region, is accepted."""
    arn = (human.get("UiConfig") or {}).get("HumanTaskUiArn")
    if not arn:
        return
    parts = _arn_parts(arn)
    ok = (
        len(parts) == 6
        and parts[2] == "sagemaker"
        and parts[3] == region
        and parts[4] == PUBLIC_CROWD_ACCOUNT
        and parts[5].startswith("human-task-ui/")
        and parts[5].removeprefix("human-task-ui/") in HUMAN_TASK_UIS
    )
    if not ok:
        raise _invalid(
            f"HumanTaskUiArn {arn} is not a worker task UI of Ground Truth in {region}: use "
            f"arn:aws:sagemaker:{region}:{PUBLIC_CROWD_ACCOUNT}:human-task-ui/<{'|'.join(HUMAN_TASK_UIS)}>."
        )


def check_lambdas(human: dict[str, Any], account: str, region: str) -> None:
    """AWS's own PRE-/ACS- Lambdas belong to one account per region (the model's tables, gtops/data/
    builtin_lambdas.json); one of another account was refused with a ValidationException at create time
    (behaviour evidence, medium: aws/amazon-sagemaker-examples#1936). A pre-annotation and a consolidation
    Lambda of different task types, and a Lambda of another region (AWS's or the account's own), are refused
    too (assumed, low: no source either way; a Lambda of another region is never one SageMaker calls in the
    job's region, and mismatched task types cannot consolidate what the UI collects)."""
    pre = human.get("PreHumanTaskLambdaArn") or ""
    acs = (human.get("AnnotationConsolidationConfig") or {}).get("AnnotationConsolidationLambdaArn") or ""
    builtin_accounts = _builtin_accounts()
    kinds: dict[str, str] = {}
    named = (("PreHumanTaskLambdaArn", pre, "PRE-"), ("AnnotationConsolidationLambdaArn", acs, "ACS-"))
    for role, arn, prefix in named:
        if not arn:
            continue
        parts = _arn_parts(arn)
        if len(parts) < 7 or parts[2] != "lambda":
            continue  # the model's pattern already refused what is not a Lambda ARN
        function = parts[6].removeprefix("function:").split(":", 1)[0]
        if parts[3] != region:
            raise _invalid(f"{role} {arn} is in region {parts[3]}; the labeling job runs in {region}.")
        if parts[4] == account or not function.startswith(prefix):
            continue  # the account's own Lambda (custom task)
        expected = builtin_accounts.get(region)
        if parts[4] != expected:
            where = f"account {expected}" if expected else "no account (the region has none)"
            raise _invalid(
                f"{role} {arn} is not a Ground Truth built-in Lambda: in {region} they belong to {where}."
            )
        kinds[prefix] = function.removeprefix(prefix)
    if len(kinds) == 2 and kinds["PRE-"] != kinds["ACS-"]:
        raise _invalid(
            f"PreHumanTaskLambdaArn ({kinds['PRE-']}) and AnnotationConsolidationLambdaArn "
            f"({kinds['ACS-']}) are for different task types."
        )


def check_limits(human: dict[str, Any], public: bool) -> None:
    """The documented maxima (model, HumanTaskConfig; quoted beside the constants). AWS's model sets only the
    minimum, so a larger value is a service-side check: refused here with a ValidationException (the code is
    assumed; the limits themselves are documented)."""
    task = task_of(human)
    limit = MAX_TASK_TIME_3D_VIDEO if _is_3d_or_video(task) else MAX_TASK_TIME
    seconds = human.get("TaskTimeLimitInSeconds")
    if isinstance(seconds, int) and seconds > limit:
        raise _invalid(
            f"TaskTimeLimitInSeconds {seconds} is more than the maximum of {limit} seconds for "
            f"{'3D point cloud and video frame' if limit != MAX_TASK_TIME else 'image, text and custom'} "
            "labeling jobs."
        )
    available = human.get("TaskAvailabilityLifetimeInSeconds")
    most = MAX_AVAILABILITY_PUBLIC if public else MAX_AVAILABILITY
    if isinstance(available, int) and available > most:
        who = "the Amazon Mechanical Turk workforce" if public else "a private or vendor workforce"
        raise _invalid(
            f"TaskAvailabilityLifetimeInSeconds {available} is more than the maximum of {most} seconds "
            f"for {who}."
        )


def check_public(human: dict[str, Any]) -> None:
    """The public workforce (Amazon Mechanical Turk). Documented: "You cannot use Amazon Mechanical Turk
    workers for 3D point cloud labeling jobs" (DG, point cloud labeling job pages), nor for video frame jobs.
    A job without PublicWorkforceTaskPrice: no source says what AWS does; workers cannot be paid nothing, so
    the sandbox refuses it (assumed). Codes assumed (ValidationException)."""
    task = task_of(human)
    if _is_3d_or_video(task):
        raise _invalid(f"Amazon Mechanical Turk workers cannot work on {task} labeling jobs.")
    price = (human.get("PublicWorkforceTaskPrice") or {}).get("AmountInUsd")
    if not price or not any(price.get(k) for k in ("Dollars", "Cents", "TenthFractionsOfACent")):
        raise _invalid("A labeling job for the public workforce needs a PublicWorkforceTaskPrice.")
