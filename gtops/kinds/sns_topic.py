"""sns_topic: the topic work-team notifications go to, and the access policy that lets SageMaker publish.

The spec names a topic gtops creates (`topic`) or an existing one (`topic_arn`, of which gtops manages only
the policy statement). gtops's statement allows only this account's work teams to publish.

`policy_statements` adds statements of the user's own (e.g. letting a monitoring account subscribe) to the
topic's access policy; gtops keeps each one, by its Sid, as the spec writes it, and leaves every other
statement of the policy alone (a statement removed from the spec stays on the topic until removed by hand).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gtops.kinds.base import APPLY, DESTROY, AwsHandle, Export, Kind, Use
from gtops.model import Address, Resource, user_tags
from gtops.spec import fields as f

if TYPE_CHECKING:
    from gtops.apply.context import ApplyContext
    from gtops.live import LiveState
    from gtops.plan import Change
    from gtops.setup import Setup

NAME = "sns_topic"
SPEC_KEY = "notifications"
POLICY_SID = "GtopsSageMakerPublish"
ACTION = r"^(?i:sns):[A-Za-z*]{1,64}$"


@dataclass(frozen=True)
class TopicSpec:
    name: str
    existing_arn: str | None = None  # notifications.topic_arn: a topic gtops does not own
    tags: Mapping[str, str] = field(default_factory=dict)
    statements: tuple[Mapping[str, Any], ...] = ()  # policy_statements: the user's own, by Sid

    def arn(self, aws: AwsHandle) -> str:
        return self.existing_arn or f"arn:{aws.partition()}:sns:{aws.region}:{aws.account}:{self.name}"


def parse(raw: Mapping[str, Any] | None) -> TopicSpec | None:
    if not raw:
        return None
    statements = tuple(dict(s) for s in raw.get("policy_statements") or ())
    if raw.get("topic"):
        return TopicSpec(raw["topic"], None, dict(raw.get("tags") or {}), statements)
    if raw.get("topic_arn"):
        return TopicSpec(raw["topic_arn"].rsplit(":", 1)[-1], raw["topic_arn"], statements=statements)
    return None


def _statement(stmt: Mapping[str, Any], arn: str) -> dict[str, Any]:
    """A spec statement as gtops writes it into the policy (Resource defaults to the topic)."""
    out = dict(stmt)
    out.setdefault("Resource", arn)
    return out


def _statements_by_sid(policy_text: str | None, sids: set[str]) -> dict[str, Any]:
    try:
        policy = json.loads(policy_text) if policy_text else {}
    except ValueError:
        return {}
    return {s["Sid"]: s for s in policy.get("Statement", []) if isinstance(s, dict) and s.get("Sid") in sids}


def schema() -> dict[str, Any]:
    return f.obj(
        "SNS topic that work-team notifications (new and expiring tasks) are sent to. Give `topic` (gtops "
        "creates and manages the topic) or `topic_arn` (an existing topic; gtops manages only its access "
        "policy so SageMaker may publish).",
        {
            "topic": f.text(
                "Name of the SNS topic gtops creates, e.g. AmazonSageMaker-label-notify.",
                r"^[A-Za-z0-9_-]{1,256}$",
                "topic names are 1-256 letters, digits, hyphens and underscores",
            ),
            "topic_arn": f.text("ARN of an existing SNS topic.", f.SNS_ARN, "must be an SNS topic ARN"),
            "tags": f.tags("Tags on the topic (only when gtops creates it)."),
            "policy_statements": f.array(
                "Statements of your own for the topic's access policy (SNS access policy language), kept "
                "by Sid as written here; gtops's own publish statement and any other statements stay. "
                "Resource defaults to the topic.",
                f.obj(
                    "An SNS access policy statement.",
                    {
                        "Sid": f.text(
                            "Statement id, unique in the policy.",
                            r"^[A-Za-z0-9]{1,100}$",
                            "letters and digits only",
                        ),
                        "Effect": {"description": "Allow or Deny.", "enum": ["Allow", "Deny"]},
                        "Principal": {
                            "description": "Who: '*', or {AWS: [...]} / {Service: [...]}.",
                            "anyOf": [{"const": "*"}, {"type": "object", "minProperties": 1}],
                        },
                        "Action": {
                            "description": "SNS actions, e.g. SNS:Subscribe or [SNS:Subscribe, SNS:Receive].",
                            "anyOf": [
                                f.text("An SNS action.", ACTION, "an SNS action such as SNS:Subscribe"),
                                f.array(
                                    "SNS actions.",
                                    f.text("An SNS action.", ACTION, "an SNS action such as SNS:Subscribe"),
                                    minItems=1,
                                ),
                            ],
                        },
                        "Resource": f.text("The topic ARN (default: this topic).", f.SNS_ARN, "an SNS ARN"),
                        "Condition": {"type": "object", "description": "Policy conditions."},
                    },
                    ("Sid", "Effect", "Principal", "Action"),
                ),
                maxItems=50,
            ),
        },
    )


def address(setup: Setup) -> Address | None:
    return Address(NAME, setup.topic.name) if setup.topic else None


def desired(setup: Setup) -> list[Resource]:
    topic = setup.topic
    if topic is None:
        return []
    attrs: dict[str, Any] = {"name": topic.name, "sagemaker_can_publish": True}
    if topic.existing_arn is None:
        attrs["tags"] = setup.ownership_tags(topic.tags)
    if topic.statements:
        arn = topic.existing_arn or "<topic>"
        attrs["policy_statements"] = {s["Sid"]: _statement(s, arn) for s in topic.statements}
    return [Resource(Address(NAME, topic.name), attrs, meta={"existing_arn": topic.existing_arn})]


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


def read(aws: AwsHandle, setup: Setup, state: LiveState) -> None:
    from gtops.aws import error_code

    topic = setup.topic
    if topic is None:
        return
    arn = topic.arn(aws)
    state.ids.topic_arn = arn
    client = aws.client("sns")
    try:
        attrs = client.get_topic_attributes(TopicArn=arn)["Attributes"]
    except Exception as err:
        if error_code(err) in ("NotFound", "NotFoundException"):
            return
        raise
    tags = {t["Key"]: t["Value"] for t in client.list_tags_for_resource(ResourceArn=arn).get("Tags", [])}
    state.add(
        Resource(
            Address(NAME, topic.name),
            {
                "name": topic.name,
                "sagemaker_can_publish": sagemaker_can_publish(attrs.get("Policy")),
                "tags": tags,
                **(
                    {"policy_statements": _read_statements(attrs.get("Policy"), topic, arn)}
                    if topic.statements
                    else {}
                ),
            },
            meta={"arn": arn, "policy": attrs.get("Policy")},
        )
    )


def _read_statements(policy_text: str | None, topic: TopicSpec, arn: str) -> dict[str, Any]:
    """The spec's statements as they are on the topic (the topic's ARN written as in `desired`)."""
    found = _statements_by_sid(policy_text, {s["Sid"] for s in topic.statements})
    shown = "<topic>" if topic.existing_arn is None else arn
    return {
        sid: {**s, "Resource": shown if s.get("Resource") == arn else s.get("Resource")}
        for sid, s in found.items()
    }


def export(run: Export) -> dict[str, Any] | None:
    """A topic this setup owns by name (`topic`), any other by ARN (`topic_arn`: gtops borrows it)."""
    topic = run.setup.topic
    if topic is None:
        return None
    res = run.live.get(Address(NAME, topic.name))
    if res is None:
        run.notes.append(f"the teams notify the topic {topic.arn(run.aws)}, which does not exist")
    elif run.setup.owns(res.attrs.get("tags")):
        owned: dict[str, Any] = {"topic": topic.name}
        if user_tags(res.attrs.get("tags")):
            owned["tags"] = user_tags(res.attrs.get("tags"))
        return {SPEC_KEY: owned}
    return {SPEC_KEY: {"topic_arn": topic.arn(run.aws)}}


def apply(ctx: ApplyContext, change: Change) -> None:
    """Create the topic (idempotent for an existing name); merge gtops's publish statement into its policy."""
    topic = ctx.setup.topic
    assert topic is not None
    sns = ctx.aws.client("sns")
    arn = topic.arn(ctx.aws)
    tags = (change.after or {}).get("tags")
    if topic.existing_arn is None:
        arn = sns.create_topic(Name=topic.name)["TopicArn"]
        if tags:
            sns.tag_resource(ResourceArn=arn, Tags=[{"Key": k, "Value": v} for k, v in tags.items()])
    ctx.ids.topic_arn = arn
    current = sns.get_topic_attributes(TopicArn=arn)["Attributes"].get("Policy")
    policy: dict[str, Any] = json.loads(current) if current else {"Version": "2008-10-17", "Statement": []}
    own = {s["Sid"]: _statement(s, arn) for s in topic.statements}
    statements = [s for s in policy.get("Statement", []) if s.get("Sid") not in (POLICY_SID, *own)]
    statements += own.values()
    partition, account, region = ctx.aws.partition(), ctx.aws.account, ctx.aws.region
    statements.append(
        {
            "Sid": POLICY_SID,
            "Effect": "Allow",
            "Principal": {"Service": "sagemaker.amazonaws.com"},
            "Action": "SNS:Publish",
            "Resource": arn,
            # Only this account's work teams may publish (never "*:*:*" as hand-made policies often do).
            "Condition": {
                "ArnLike": {"aws:SourceArn": f"arn:{partition}:sagemaker:{region}:{account}:workteam/*"},
                "StringEquals": {"aws:SourceAccount": account},
            },
        }
    )
    policy["Statement"] = statements
    sns.set_topic_attributes(TopicArn=arn, AttributeName="Policy", AttributeValue=json.dumps(policy))


def delete(ctx: ApplyContext, change: Change) -> None:
    topic = ctx.setup.topic
    arn = topic.arn(ctx.aws) if topic else ctx.ids.topic_arn
    ctx.aws.client("sns").delete_topic(TopicArn=arn)


def destroy_keeps(setup: Setup) -> str | None:
    if setup.topic and setup.topic.existing_arn:
        return "an existing topic (notifications.topic_arn): it is kept"
    return None


KIND = Kind(
    NAME,
    spec_key=SPEC_KEY,
    schema=schema,
    destroy_keeps=destroy_keeps,
    tagged=True,
    desired=desired,
    read=read,
    export=export,
    steps={"create": apply, "update": apply, "delete": delete},
    iam=(
        Use(f"{__name__}:read", "sns", ("GetTopicAttributes", "ListTagsForResource"), "topic", "topic"),
        Use(
            f"{__name__}:apply",
            "sns",
            ("CreateTopic", "TagResource", "SetTopicAttributes"),
            "topic",
            "managed_topic",
            APPLY,
        ),
        Use(
            f"{__name__}:apply", "sns", ("GetTopicAttributes", "SetTopicAttributes"), "topic", "topic", APPLY
        ),
        Use(f"{__name__}:delete", "sns", ("DeleteTopic",), "owned_topic", "managed_topic", DESTROY),
    ),
)
