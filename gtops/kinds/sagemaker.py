"""What the SageMaker kinds share: the region's private workforce (one per region), the work teams, tags,
and the bounded wait for a workforce to settle."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from gtops.errors import GtopsError
from gtops.kinds.base import AwsHandle


def private_workforces(aws: AwsHandle) -> list[dict[str, Any]]:
    """The region's private workforces (at most one): Cognito or OIDC, never the public crowd."""
    sm = aws.client("sagemaker")
    found: list[dict[str, Any]] = []
    for page in sm.get_paginator("list_workforces").paginate():
        found += [w for w in page.get("Workforces", []) if w.get("CognitoConfig") or w.get("OidcConfig")]
    return found


def workteams(aws: AwsHandle) -> list[dict[str, Any]]:
    """Every private work team of the region."""
    sm = aws.client("sagemaker")
    return [t for page in sm.get_paginator("list_workteams").paginate() for t in page.get("Workteams", [])]


def tags(aws: AwsHandle, arn: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for page in aws.client("sagemaker").get_paginator("list_tags").paginate(ResourceArn=arn):
        out.update({t["Key"]: t["Value"] for t in page.get("Tags", [])})
    return out


def tag_list(values: Mapping[str, str] | None) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in sorted((values or {}).items())]


def cognito_groups(team: Mapping[str, Any]) -> list[str]:
    return sorted(m["UserGroup"] for m in cognito_members(team))


def cognito_members(team: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The team's Cognito member definitions (UserPool, UserGroup, ClientId); none for an OIDC team."""
    members = team.get("MemberDefinitions") or []
    return [m["CognitoMemberDefinition"] for m in members if m.get("CognitoMemberDefinition")]


def built_on(team: Mapping[str, Any], pool_id: str) -> bool:
    """Whether the team is made of groups of this user pool (and only of them)."""
    found = cognito_members(team)
    return bool(found) and all(m.get("UserPool") == pool_id for m in found)


def notification_topic(team: Mapping[str, Any]) -> str | None:
    """The ARN of the SNS topic the team notifies its workers through, or None."""
    return (team.get("NotificationConfiguration") or {}).get("NotificationTopicArn") or None


# AWS has no waiter for workforces. Its states (WorkforceStatus) are Initializing, Updating, Deleting, Failed
# and Active; Terraform's provider (internal/service/sagemaker/wait.go) waits Initializing/Updating -> Active
# after a create or an update, and Deleting -> gone after a delete, 10 minutes at most each. So does gtops.
WAIT_TIMEOUT = 600.0


def _poll(
    aws: AwsHandle, name: str, say: Callable[[str], None], timeout: float, done: Callable[[Any], bool]
) -> dict[str, Any] | None:
    """Describe the workforce until `done(workforce or None when gone)`; bounded, and said every poll."""
    started = time.monotonic()
    delay = 2.0
    while True:
        try:
            wf: dict[str, Any] | None = aws.client("sagemaker").describe_workforce(WorkforceName=name)[
                "Workforce"
            ]
        except Exception as err:
            if not workforce_missing(err):
                raise
            wf = None
        if done(wf):
            return wf
        assert wf is not None  # gone is always done
        status = str(wf.get("Status"))
        if status == "Failed":
            raise GtopsError(f"workforce {name} failed: {wf.get('FailureReason', 'no reason given')}")
        elapsed = time.monotonic() - started
        if elapsed > timeout:
            raise GtopsError(f"workforce {name} is still {status} after {timeout:.0f}s")
        say(f"sagemaker_workforce.{name}: Still {status.lower()}... [{elapsed:.0f}s elapsed]")
        time.sleep(delay)
        delay = min(delay * 1.5, 15)


def workforce_missing(err: Exception) -> bool:
    """DescribeWorkforce/DeleteWorkforce of a workforce that is not there: ValidationException, "No workforce"
    (the check Terraform's provider makes)."""
    from gtops.aws import error_code, error_message

    return error_code(err) == "ValidationException" and "No workforce" in error_message(err)


def wait_for_workforce(
    aws: AwsHandle,
    name: str,
    say: Callable[[str], None],
    timeout: float = WAIT_TIMEOUT,
) -> dict[str, Any]:
    """Poll until the workforce is Active (bounded, and said on the way)."""
    found = _poll(aws, name, say, timeout, lambda wf: wf is None or wf.get("Status") in (None, "Active"))
    if found is None:
        raise GtopsError(f"workforce {name} disappeared while gtops waited for it to become Active")
    return found


def wait_for_workforce_gone(
    aws: AwsHandle, name: str, say: Callable[[str], None], timeout: float = WAIT_TIMEOUT
) -> None:
    """DeleteWorkforce is asynchronous: poll until the workforce is gone (bounded, and said on the way)."""
    _poll(aws, name, say, timeout, lambda wf: wf is None)
