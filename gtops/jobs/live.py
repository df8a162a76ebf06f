"""Read labeling jobs, roles and functions from AWS for the jobs planner and `gtops status`."""

from __future__ import annotations

from typing import Any

from gtops.aws import error_code

RUNNING = frozenset({"Initializing", "InProgress"})
FINISHED = frozenset({"Completed", "Failed", "Stopped"})


def list_jobs(sm) -> dict[str, dict[str, Any]]:
    """Every labeling job of the account and region by lower-cased name (names are case-insensitive)."""
    out: dict[str, dict[str, Any]] = {}
    for page in sm.get_paginator("list_labeling_jobs").paginate(PaginationConfig={"PageSize": 100}):
        for summary in page.get("LabelingJobSummaryList") or []:
            out[summary["LabelingJobName"].lower()] = summary
    return out


def describe(sm, name: str) -> dict[str, Any] | None:
    try:
        return sm.describe_labeling_job(LabelingJobName=name)
    except Exception as err:
        if error_code(err) in ("ResourceNotFound", "ValidationException"):
            return None
        raise


def tags_of(job: dict[str, Any]) -> dict[str, str]:
    return {t["Key"]: t.get("Value", "") for t in job.get("Tags") or []}


def get_role(iam, name: str, policy_name: str) -> dict[str, Any] | None:
    """{'trust': doc, 'policy': doc or None, 'arn': ..., 'boundary': policy ARN or None} of a role, or None
    when it does not exist."""
    try:
        role = iam.get_role(RoleName=name)["Role"]
    except Exception as err:
        if error_code(err) == "NoSuchEntity":
            return None
        raise
    trust = role.get("AssumeRolePolicyDocument")
    try:
        policy = iam.get_role_policy(RoleName=name, PolicyName=policy_name)["PolicyDocument"]
    except Exception as err:
        if error_code(err) != "NoSuchEntity":
            raise
        policy = None
    boundary = (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
    return {"arn": role["Arn"], "trust": _doc(trust), "policy": _doc(policy), "boundary": boundary}


def _doc(value: Any) -> Any:
    """IAM documents arrive as dicts or (URL-encoded) JSON text depending on the client."""
    if isinstance(value, str):
        import json
        from urllib.parse import unquote

        return json.loads(unquote(value))
    return value


def get_function(lam, name: str) -> dict[str, Any] | None:
    try:
        return lam.get_function(FunctionName=name)["Configuration"]
    except Exception as err:
        if error_code(err) == "ResourceNotFoundException":
            return None
        raise
