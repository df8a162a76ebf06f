"""sagemaker_workteam: a private work team, the workers in its Cognito groups, optionally notified by SNS.

Every team of the region is read (a team outside the spec may use a group gtops would otherwise prune).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gtops.aws import error_code
from gtops.kinds import cognito, sagemaker
from gtops.kinds.base import APPLY, DESTROY, AwsHandle, Export, Kind, Use
from gtops.model import Address, Resource, user_tags
from gtops.spec import fields as f

if TYPE_CHECKING:
    from gtops.apply.context import ApplyContext
    from gtops.live import LiveState
    from gtops.plan import Change
    from gtops.preflight import Finding, Preflight
    from gtops.setup import Setup

NAME = "sagemaker_workteam"
SPEC_KEY = "teams"
ACCESS = {"source_ip": "SourceIp", "vpc_source_ip": "VpcSourceIp"}  # spec key -> IamPolicyConstraints key


@dataclass(frozen=True)
class TeamSpec:
    name: str
    groups: tuple[str, ...]
    description: str
    notifications: bool = False
    tags: Mapping[str, str] = field(default_factory=dict)
    # S3 presigned URLs workers get, bound to their IP / VPC source IP (None: unmanaged).
    worker_access: Mapping[str, bool] | None = None


def parse(raw: list[Mapping[str, Any]] | None, has_topic: bool) -> tuple[TeamSpec, ...]:
    return tuple(
        TeamSpec(
            name=t["name"],
            groups=tuple(t["groups"]),
            description=t.get("description") or f"{t['name']} work team",
            notifications=bool(t.get("notifications", has_topic)),
            tags=dict(t.get("tags") or {}),
            worker_access={k: bool(t["worker_access"].get(k, False)) for k in ACCESS}
            if "worker_access" in t
            else None,
        )
        for t in raw or []
    )


def schema() -> dict[str, Any]:
    team = f.obj(
        "A private work team: the workers in its Cognito groups.",
        {
            "name": f.text("Team name, 1-63 characters.", f.AWS_NAME, f.AWS_NAME_HINT),
            "description": f.text(
                "Team description, 1-200 characters. Default '<name> work team'.", minLength=1, maxLength=200
            ),
            "groups": f.array(
                "Cognito groups (from `groups`) whose members form the team; 1-10.",
                f.text("A group name.", minLength=1),
                minItems=1,
                maxItems=10,
                uniqueItems=True,
            ),
            "notifications": f.boolean(
                "Send new-task notifications to the `notifications` topic. Default true when a topic is set."
            ),
            "tags": f.tags("Tags on the work team (added to the common tags)."),
            "worker_access": f.obj(
                "Bind the S3 presigned URLs the team's workers receive to where they connect from "
                "(WorkerAccessConfiguration.S3Presign.IamPolicyConstraints). Unmanaged when absent; an "
                "omitted key means disabled.",
                {
                    "source_ip": f.boolean("Only the worker's own IP address may use the URL (SourceIp)."),
                    "vpc_source_ip": f.boolean(
                        "Only the worker's VPC source IP may use the URL (VpcSourceIp)."
                    ),
                },
            ),
        },
        ("name", "groups"),
    )
    return f.array("Private work teams (at most 25 per account and region).", team, maxItems=25)


def addresses(setup: Setup) -> list[Address]:
    return [Address(NAME, t.name) for t in setup.teams]


def desired(setup: Setup) -> list[Resource]:
    from gtops.kinds import app_client, sns_topic, user_group, workforce

    topic = setup.topic.name if setup.topic else None
    out = []
    for team in setup.teams:
        attrs: dict[str, Any] = {
            "name": team.name,
            "description": team.description,
            "groups": sorted(team.groups),
            "notifications": topic if team.notifications and topic else None,
        }
        if setup.workforce:
            attrs["workforce"] = setup.workforce.name
        attrs["tags"] = setup.ownership_tags(team.tags)
        if team.worker_access is not None:
            attrs["worker_access"] = dict(team.worker_access)
        deps = tuple(
            a for a in (workforce.address(setup), app_client.address(setup), sns_topic.address(setup)) if a
        )
        deps += tuple(user_group.address(g) for g in team.groups)
        out.append(Resource(Address(NAME, team.name), attrs, depends_on=deps))
    return out


def live_attrs(team: Mapping[str, Any]) -> dict[str, Any]:
    topic = sagemaker.notification_topic(team)
    return {
        "name": team["WorkteamName"],
        "description": team.get("Description"),
        "groups": sagemaker.cognito_groups(team),
        "notifications": topic.rsplit(":", 1)[-1] if topic else None,
        "workforce": (team.get("WorkforceArn") or "").rsplit("/", 1)[-1] or None,
        "worker_access": worker_access(team),
    }


def worker_access(team: Mapping[str, Any]) -> dict[str, bool]:
    """The team's presigned-URL constraints in the spec's words (absent in AWS: both disabled)."""
    constraints = ((team.get("WorkerAccessConfiguration") or {}).get("S3Presign") or {}).get(
        "IamPolicyConstraints"
    ) or {}
    return {key: constraints.get(name) == "Enabled" for key, name in ACCESS.items()}


def read(aws: AwsHandle, setup: Setup, state: LiveState) -> None:
    # Teams are read for prune.groups too: a group a team outside the spec uses is never pruned.
    if not (setup.workforce or setup.teams or setup.prune.groups):
        return
    for team in sagemaker.workteams(aws):
        attrs = live_attrs(team)
        attrs["tags"] = sagemaker.tags(aws, team["WorkteamArn"])
        state.ids.team_arns[team["WorkteamName"]] = team["WorkteamArn"]
        if team.get("SubDomain") and not state.ids.subdomain:
            state.ids.subdomain = team["SubDomain"]
        state.add(
            Resource(
                Address(NAME, team["WorkteamName"]),
                attrs,
                meta={"arn": team["WorkteamArn"], "subdomain": team.get("SubDomain")},
            )
        )
    # The portal subdomain may only be known from a team (real AWS fills it on the workforce too).
    for res in state.resources.values():
        if res.kind == "sagemaker_workforce" and not res.meta.get("subdomain") and state.ids.subdomain:
            res.meta["subdomain"] = state.ids.subdomain


def export(run: Export) -> dict[str, Any] | None:
    """The setup's teams (every team of the region is read; the pool's are the setup's), by name."""
    teams = []
    for team in sorted(run.setup.teams, key=lambda t: t.name):
        res = run.live.get(Address(NAME, team.name))
        if res is None:
            continue
        attrs = res.attrs
        entry: dict[str, Any] = {
            "name": attrs["name"],
            "description": attrs.get("description") or f"{attrs['name']} work team",
            "groups": attrs["groups"],
            "notifications": bool(attrs.get("notifications")),
        }
        if user_tags(attrs.get("tags")):
            entry["tags"] = user_tags(attrs.get("tags"))
        if any((attrs.get("worker_access") or {}).values()):
            entry["worker_access"] = attrs["worker_access"]
        teams.append(entry)
    return {SPEC_KEY: teams} if teams else None


# Removing a team's topic: AWS documents no way to do it (UpdateWorkteam says only "Configures SNS topic
# notifications"; NotificationTopicArn is optional, so `{}` is a valid request whose effect is undocumented;
# "" breaks the ARN pattern; omitting NotificationConfiguration keeps the topic, which Terraform's acceptance
# test shows on real AWS). gtops ASSUMES `{}` clears the topic, here only; the sandbox does the same
# (gtops/sandbox/sagemaker.py, _check_topic) and apply's verification would report a team that kept it.
CLEAR_TOPIC: dict[str, Any] = {}


def _request(ctx: ApplyContext, attrs: Mapping[str, Any]) -> dict[str, Any]:
    pool_id, client_id = cognito.pool_id(ctx), cognito.client_id(ctx)
    request: dict[str, Any] = {
        "WorkteamName": attrs["name"],
        "Description": attrs["description"],
        "MemberDefinitions": [
            {"CognitoMemberDefinition": {"UserPool": pool_id, "UserGroup": g, "ClientId": client_id}}
            for g in attrs["groups"]
        ],
    }
    if attrs.get("notifications"):
        request["NotificationConfiguration"] = {"NotificationTopicArn": ctx.ids.topic_arn}
    if "worker_access" in attrs:
        states = {
            name: "Enabled" if attrs["worker_access"].get(key) else "Disabled" for key, name in ACCESS.items()
        }
        request["WorkerAccessConfiguration"] = {"S3Presign": {"IamPolicyConstraints": states}}
    return request


def create(ctx: ApplyContext, change: Change) -> None:
    attrs = change.after or {}
    sm = ctx.aws.client("sagemaker")
    try:
        sm.describe_workteam(WorkteamName=attrs["name"])
        update(ctx, change)  # created by an interrupted earlier run
        return
    except Exception as err:
        if error_code(err) != "ValidationException":
            raise
    request = _request(ctx, attrs)
    if attrs.get("workforce"):
        request["WorkforceName"] = attrs["workforce"]
    request["Tags"] = sagemaker.tag_list(attrs.get("tags"))
    arn = sm.create_workteam(**request)["WorkteamArn"]
    team = sm.describe_workteam(WorkteamName=attrs["name"])["Workteam"]
    ctx.ids.team_arns[attrs["name"]] = arn
    if team.get("SubDomain") and not ctx.ids.subdomain:
        ctx.ids.subdomain = team["SubDomain"]


def update(ctx: ApplyContext, change: Change) -> None:
    attrs = change.after or {}
    sm = ctx.aws.client("sagemaker")
    request = _request(ctx, attrs)
    if not attrs.get("notifications"):
        request["NotificationConfiguration"] = dict(CLEAR_TOPIC)
    team = sm.update_workteam(**request)["Workteam"]
    if attrs.get("tags"):
        sm.add_tags(ResourceArn=team["WorkteamArn"], Tags=sagemaker.tag_list(attrs["tags"]))


def delete(ctx: ApplyContext, change: Change) -> None:
    try:
        ctx.aws.client("sagemaker").delete_workteam(WorkteamName=change.address.name)
    except Exception as err:
        if error_code(err) != "ValidationException":
            raise


# "You cannot create more than 25 work teams in an account and region." (SageMaker API reference,
# CreateWorkteam; the 26th fails with ResourceLimitExceeded.)
MAX_TEAMS = 25


def preflight(run: Preflight) -> list[Finding]:
    """The region's work teams after this plan (every team of the region is read) stay within 25."""
    from gtops.plan import Action
    from gtops.preflight import error

    creates = run.changes(NAME, Action.CREATE)
    if not creates:
        return []
    existing = run.live.of_kind(NAME)
    total = len(existing) - len(run.changes(NAME, Action.DELETE)) + len(creates)
    if total <= MAX_TEAMS:
        return []
    names = ", ".join(c.address.name for c in creates)
    return [
        error(
            f"{NAME} ({names})",
            f"the plan creates {len(creates)} work team{'s' if len(creates) != 1 else ''} where "
            f"{run.aws.region} already has {len(existing)}: {total} in all, but AWS allows at most "
            f"{MAX_TEAMS} work teams per account and Region (CreateWorkteam fails with "
            "ResourceLimitExceeded).",
            "delete work teams no longer used (aws sagemaker delete-workteam --workteam-name NAME), or put "
            "these teams' groups on existing teams (a team takes up to 10 groups).",
        )
    ]


KIND = Kind(
    NAME,
    spec_key=SPEC_KEY,
    schema=schema,
    create_only=frozenset({"workforce"}),
    cascades=True,
    prune_key="teams",
    tagged=True,
    desired=desired,
    read=read,
    reads_after=("sagemaker_workforce",),
    export=export,
    preflight=preflight,
    steps={"create": create, "update": update, "delete": delete},
    iam=(
        Use("gtops.kinds.sagemaker:workteams", "sagemaker", ("ListWorkteams",), "any", "workforce_or_teams"),
        Use(f"{__name__}:create", "sagemaker", ("DescribeWorkteam",), "teams", "teams", APPLY),
        Use(
            f"{__name__}:create",
            "sagemaker",
            ("CreateWorkteam", "UpdateWorkteam", "AddTags"),
            "teams",
            "teams",
            APPLY,
        ),
        Use(f"{__name__}:delete", "sagemaker", ("DeleteWorkteam",), "owned_teams", "prune_teams", DESTROY),
        Use(f"{__name__}:delete", "sagemaker", ("DeleteWorkteam",), "owned_named_teams", "teams", DESTROY),
    ),
)
