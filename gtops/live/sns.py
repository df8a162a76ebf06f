"""SNS reader: the notifications topic and whether SageMaker may publish to it."""

from __future__ import annotations

import json

from gtops.aws import error_code
from gtops.desired import topic_name
from gtops.model import Address, Resource


def topic_arn(aws, data: dict) -> str:
    notif = data.get("notifications") or {}
    if notif.get("topic_arn"):
        return notif["topic_arn"]
    return f"arn:{aws.partition()}:sns:{aws.region}:{aws.account}:{notif['topic']}"


def sagemaker_can_publish(policy_text: str | None) -> bool:
    if not policy_text:
        return False
    try:
        policy = json.loads(policy_text)
    except ValueError:
        return False
    for stmt in policy.get("Statement", []):
        principal = stmt.get("Principal") or {}
        services = principal.get("Service") if isinstance(principal, dict) else None
        services = [services] if isinstance(services, str) else (services or [])
        actions = stmt.get("Action")
        actions = [actions] if isinstance(actions, str) else (actions or [])
        if (
            stmt.get("Effect") == "Allow"
            and "sagemaker.amazonaws.com" in services
            and any(a.lower() in ("sns:publish", "sns:*") for a in actions)
        ):
            return True
    return False


def read_topic(aws, data: dict, state) -> None:
    from botocore.exceptions import ClientError

    name = topic_name(data)
    arn = topic_arn(aws, data)
    state.ids["topic_arn"] = arn
    client = aws.client("sns")
    try:
        attrs = client.get_topic_attributes(TopicArn=arn)["Attributes"]
    except ClientError as err:
        if error_code(err) in ("NotFound", "NotFoundException"):
            return
        raise
    tags = {t["Key"]: t["Value"] for t in client.list_tags_for_resource(ResourceArn=arn).get("Tags", [])}
    state.add(
        Resource(
            Address("sns_topic", name),
            {"name": name, "sagemaker_can_publish": sagemaker_can_publish(attrs.get("Policy")), "tags": tags},
            meta={"arn": arn, "policy": attrs.get("Policy")},
        )
    )
