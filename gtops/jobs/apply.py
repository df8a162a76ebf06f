"""Apply steps for labeling jobs, their managed role and deployed Lambdas (looked up by the runner).

A job's create step uploads its files (content-addressed, so a retry re-uploads nothing), merges the
CORS rule into the input buckets, then calls CreateLabelingJob. Delete means StopLabelingJob: AWS has no
way to delete a job, and a stopped job keeps its partial results.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING

from gtops.aws import create_exactly_once, error_code
from gtops.errors import GtopsError
from gtops.jobs import live as jl
from gtops.jobs import roles
from gtops.jobs import s3 as s3u
from gtops.jobs.prepare import Prepared
from gtops.plan import Change

if TYPE_CHECKING:
    from gtops.apply.context import ApplyContext

# IAM is eventually consistent: a role created seconds ago may not be assumable yet.
PROPAGATION_WAITS = (2, 4, 8, 15)


def _prepared(ctx: ApplyContext, name: str) -> Prepared:
    """The plan's prepared job; prepared again from the spec when the plan came from elsewhere."""
    found: Prepared | None = ctx.ids.job_prepared.get(name.lower())
    if found is not None:
        return found
    from gtops.jobs.plan import context
    from gtops.jobs.prepare import prepare

    pctx = context(ctx.aws, ctx.setup, ctx.ids)
    for i, job in enumerate(ctx.setup.jobs):
        candidate = prepare(pctx, i, job)
        if candidate.name.lower() == name.lower():
            return candidate
    raise GtopsError(f"labeling job {name} is no longer in the spec; plan again")


def _upload(ctx: ApplyContext, prepared: Prepared) -> None:
    s3 = ctx.aws.client("s3")
    for upload in prepared.uploads:
        if s3u.exists(s3, upload.uri):
            continue
        bucket, key = s3u.split(upload.uri)
        try:
            s3.put_object(Bucket=bucket, Key=key, Body=upload.body, ContentType=upload.content_type)
        except Exception as err:
            if error_code(err) == "NoSuchBucket":
                raise GtopsError(
                    f"bucket {bucket} does not exist (needed for {upload.what} {upload.uri})"
                ) from None
            raise
    for bucket in prepared.cors_buckets:
        try:
            if s3u.ensure_cors(s3, bucket, prepared.spec.cors):
                ctx.say(f"  CORS rule for Ground Truth added to bucket {bucket}")
        except Exception as err:
            if error_code(err) == "NoSuchBucket":
                raise GtopsError(f"input bucket {bucket} does not exist") from None
            raise


def _create_topics(ctx: ApplyContext, prepared: Prepared) -> None:
    """A streaming job's topics that the spec names (not by ARN): CreateTopic returns an existing topic of
    that name unchanged (it is idempotent), so a re-run creates nothing twice."""
    if not prepared.topics:
        return
    sns = ctx.aws.client("sns")
    tags = [{"Key": k, "Value": v} for k, v in sorted(ctx.setup.ownership_tags().items())]
    for name in prepared.topics:
        try:
            sns.get_topic_attributes(
                TopicArn=f"arn:{ctx.aws.partition()}:sns:{ctx.aws.region}:{ctx.aws.account}:{name}"
            )
            continue  # it exists: someone else's, or ours from an earlier run; never re-tagged
        except Exception as err:
            if error_code(err) not in ("NotFound", "NotFoundException"):
                raise
        sns.create_topic(Name=name, Tags=tags)
        ctx.say(f"  SNS topic {name} created for {prepared.name}")


def _with_role_retry(call, managed: bool):
    """Retry a call that fails only because a just-created role has not propagated yet."""
    for wait in (*PROPAGATION_WAITS, None):
        try:
            return call()
        except Exception as err:
            message = str(getattr(err, "response", {}).get("Error", {}).get("Message", "")).lower()
            transient = error_code(err) in ("ValidationException", "InvalidParameterValueException") and (
                "role" in message or "assume" in message
            )
            if not (managed and transient) or wait is None:
                raise
            time.sleep(wait)
    return None


def job_create(ctx: ApplyContext, change: Change) -> None:
    prepared = _prepared(ctx, change.address.name)
    request = json.loads(json.dumps(prepared.request))
    human = request["HumanTaskConfig"]
    if not human.get("WorkteamArn"):
        team = prepared.spec.team
        arn = ctx.ids.team_arns.get(team or "")
        if not arn:
            raise GtopsError(f"work team {team} does not exist (it was not created)")
        human["WorkteamArn"] = arn
    _upload(ctx, prepared)
    _create_topics(ctx, prepared)

    def ours() -> str | None:
        return prepared.name if _is_our_job(ctx, prepared, request) else None

    try:
        answer = _with_role_retry(
            lambda: create_exactly_once(ctx.aws, "sagemaker", "create_labeling_job", request, ours),
            prepared.spec.role == "managed",
        )
    except Exception as err:
        if error_code(err) != "ResourceInUse":
            raise
        if not ours():  # a run that died after CreateLabelingJob, before it could say so, made ours
            raise GtopsError(
                f"the job name {prepared.name} is taken (AWS never reuses a labeling job name, in any "
                "letter case); rename the job or set relaunch: auto"
            ) from None
        answer = {"found": prepared.name}
    if isinstance(answer, dict) and "found" in answer:
        ctx.say(
            f"  {prepared.name}: created by this apply or an interrupted earlier one (its answer was lost)"
        )
        return
    ctx.say(
        f"  {prepared.name}: {'?' if prepared.objects is None else prepared.objects} objects sent to labeling"
    )


def _is_our_job(ctx: ApplyContext, prepared: Prepared, request: dict) -> bool:
    """Whether the live job of this name is the one this request creates: tagged as this setup's job of
    this name, with the same configuration."""
    from gtops.jobs.prepare import view_of
    from gtops.model import SETUP_TAG

    job = jl.describe(ctx.aws.client("sagemaker"), prepared.name)
    if job is None:
        return False
    tags = jl.tags_of(job)
    wanted = {t["Key"]: t["Value"] for t in request.get("Tags") or []}
    if tags.get(SETUP_TAG) != wanted.get(SETUP_TAG) or tags.get("gtops:job") != wanted.get("gtops:job"):
        return False
    return view_of(job, {}) == view_of(request, {})


def job_stop(ctx: ApplyContext, change: Change) -> None:
    sm = ctx.aws.client("sagemaker")
    job = jl.describe(sm, change.address.name)
    if job is None or job.get("LabelingJobStatus") not in jl.RUNNING:
        return  # already finished: nothing to stop
    try:
        sm.stop_labeling_job(LabelingJobName=change.address.name)
    except Exception as err:
        again = jl.describe(sm, change.address.name) or {}
        if again.get("LabelingJobStatus") in ("Stopping", "Stopped", "Completed", "Failed"):
            return
        raise err


def _tag_list(tags: dict | None) -> list[dict[str, str]]:
    return [{"Key": k, "Value": str(v)} for k, v in sorted((tags or {}).items())]


def role_create(ctx: ApplyContext, change: Change) -> None:
    after = change.after or {}
    iam = ctx.aws.client("iam")
    name = after["name"]
    request = {
        "RoleName": name,
        "AssumeRolePolicyDocument": json.dumps(roles.trust(after["trusted_service"])),
        "Description": "Managed by gtops: least-privilege role for Ground Truth labeling",
        "Tags": _tag_list(after.get("tags")),
    }
    if after.get("permissions_boundary"):  # born with it: the pipeline may create roles only so
        request["PermissionsBoundary"] = after["permissions_boundary"]
    try:
        iam.create_role(**request)
    except Exception as err:
        if error_code(err) != "EntityAlreadyExists":  # an interrupted earlier run
            raise
        _converge_role(iam, after, boundary_set=False)
        return
    _converge_role(iam, after, boundary_set=True)


def role_update(ctx: ApplyContext, change: Change) -> None:
    after = change.after or {}
    before = change.before or {}
    same = before.get("permissions_boundary") == after.get("permissions_boundary")
    _converge_role(ctx.aws.client("iam"), after, boundary_set=same)


def _converge_role(iam, after: dict, boundary_set: bool) -> None:
    """Boundary first: a least-privilege pipeline may write a role's trust and policy only once the role
    carries the spec's boundary (iam:PermissionsBoundary, see gtops.iam)."""
    name = after["name"]
    if after.get("permissions_boundary") and not boundary_set:
        iam.put_role_permissions_boundary(RoleName=name, PermissionsBoundary=after["permissions_boundary"])
    policy_name = (
        roles.POLICY_NAME if after["trusted_service"] == roles.LABELING_SERVICE else roles.LAMBDA_POLICY_NAME
    )
    iam.update_assume_role_policy(
        RoleName=name, PolicyDocument=json.dumps(roles.trust(after["trusted_service"]))
    )
    iam.put_role_policy(RoleName=name, PolicyName=policy_name, PolicyDocument=json.dumps(after["policy"]))


def _zip(change: Change) -> bytes:
    from gtops.jobs.package import build_zip, code_sha256

    after = change.after or {}
    body = build_zip(Path(after["source"]))
    if code_sha256(body) != after["code_sha256"]:
        raise GtopsError(f"{after['source']} changed since the plan; plan again")
    return body


def lambda_create(ctx: ApplyContext, change: Change) -> None:
    after = change.after or {}
    lam = ctx.aws.client("lambda")
    if jl.get_function(lam, after["name"]) is not None:
        lambda_update(ctx, change)
        return
    body = _zip(change)
    request = {
        "FunctionName": after["name"],
        "Code": {"ZipFile": body},
        "Description": "Ground Truth task Lambda deployed by gtops",
        "Tags": {k: str(v) for k, v in (after.get("tags") or {}).items()},
        **_configuration(after),
    }
    _with_role_retry(lambda: lam.create_function(**request), managed=True)


def _configuration(after: dict) -> dict:
    """The function's settings as Lambda's CreateFunction/UpdateFunctionConfiguration take them."""
    config = {
        "Runtime": after["runtime"],
        "Handler": after["handler"],
        "Role": after["role"],
        "MemorySize": after.get("memory", 128),
        "Timeout": after.get("timeout", 60),
    }
    if "environment" in after:
        config["Environment"] = {"Variables": dict(after["environment"])}
    return config


def lambda_update(ctx: ApplyContext, change: Change) -> None:
    from gtops.jobs.plan import SETTINGS

    after = change.after or {}
    before = change.before or {}
    lam = ctx.aws.client("lambda")
    if before.get("code_sha256") != after["code_sha256"]:
        lam.update_function_code(FunctionName=after["name"], ZipFile=_zip(change))
        _wait_updated(lam, after["name"])
    if any(before.get(k) != after.get(k) for k in SETTINGS if k in after):
        _with_role_retry(
            lambda: lam.update_function_configuration(FunctionName=after["name"], **_configuration(after)),
            managed=True,
        )


def _wait_updated(lam, name: str) -> None:
    """Lambda refuses a configuration update while a code update is in progress."""
    from botocore.exceptions import WaiterError

    try:
        lam.get_waiter("function_updated_v2").wait(
            FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
        )
    except WaiterError as err:
        status = (err.last_response or {}).get("Configuration") or {}
        why = status.get("LastUpdateStatusReason") or err.kwargs.get("reason") or str(err)
        raise GtopsError(f"Lambda function {name}: its code update did not finish: {why}") from None
