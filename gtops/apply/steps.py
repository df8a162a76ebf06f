"""One small, idempotent step per (kind, action). Each re-checks AWS before acting, so a re-run after a
failure or a crash converges instead of duplicating."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from gtops.apply.context import ApplyContext
from gtops.apply.requests import (
    apply_client_fields,
    apply_invitation,
    apply_oauth_fields,
    apply_pool_fields,
    client_update_request,
    pool_update_request,
)
from gtops.aws import error_code
from gtops.errors import GtopsError
from gtops.live.cognito import custom_attributes, find_pool_id, split_description, with_marker
from gtops.live.sns import topic_arn
from gtops.plan import Change

POLICY_SID = "GtopsSageMakerPublish"
THROTTLING = frozenset(
    {"Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded"}
)


def _unclear(err: Exception) -> bool:
    """Did the call perhaps happen? (throttled, 5xx, or the connection broke before the answer)."""
    from botocore.exceptions import ClientError, ConnectionClosedError, ReadTimeoutError

    if isinstance(err, (ConnectionClosedError, ReadTimeoutError)):
        return True
    if isinstance(err, ClientError):
        status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return error_code(err) in THROTTLING or status >= 500
    return False


def create_exactly_once(ctx: ApplyContext, service: str, operation: str, request: dict, find) -> dict:
    """Cognito keeps neither pool names nor app-client names unique, so a create retried after a lost
    answer would make a second one. Retry only after looking for what was asked for: `find()` returns
    the id of an existing match or None. Returns the create's answer, or {"found": id}."""
    client = ctx.aws.client(service, retry=False)
    delay = 0.2
    for attempt in range(6):
        try:
            return getattr(client, operation)(**request)
        except Exception as err:
            if not _unclear(err) or attempt == 5:
                raise
            found = find()
            if found:
                return {"found": found}
            time.sleep(delay)
            delay = min(delay * 2, 5.0)
    raise AssertionError("unreachable")


def _idp(ctx: ApplyContext):
    return ctx.aws.client("cognito-idp")


def _sm(ctx: ApplyContext):
    return ctx.aws.client("sagemaker")


def _pool_id(ctx: ApplyContext) -> str:
    pool_id = ctx.ids.get("pool_id")
    if not pool_id:
        raise GtopsError("the user pool does not exist yet (its step failed or was skipped)")
    return pool_id


def _client_id(ctx: ApplyContext) -> str:
    client_id = ctx.ids.get("client_id")
    if not client_id:
        raise GtopsError("the app client does not exist yet (its step failed or was skipped)")
    return client_id


# --- SNS ---------------------------------------------------------------------------------------------


def topic_apply(ctx: ApplyContext, change: Change) -> None:
    sns = ctx.aws.client("sns")
    notif = ctx.data["notifications"]
    arn = topic_arn(ctx.aws, ctx.data)
    tags = (change.after or {}).get("tags")
    if not notif.get("topic_arn"):
        kwargs = {"Name": notif["topic"]}
        arn = sns.create_topic(**kwargs)["TopicArn"]  # idempotent for an existing name
        if tags:
            sns.tag_resource(ResourceArn=arn, Tags=[{"Key": k, "Value": v} for k, v in tags.items()])
    ctx.ids["topic_arn"] = arn
    current = sns.get_topic_attributes(TopicArn=arn)["Attributes"].get("Policy")
    policy = json.loads(current) if current else {"Version": "2008-10-17", "Statement": []}
    statements = [s for s in policy.get("Statement", []) if s.get("Sid") != POLICY_SID]
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


def topic_delete(ctx: ApplyContext, change: Change) -> None:
    ctx.aws.client("sns").delete_topic(TopicArn=topic_arn(ctx.aws, ctx.data))


# --- Cognito pool --------------------------------------------------------------------------------------


def pool_create(ctx: ApplyContext, change: Change) -> None:
    attrs = change.after or {}
    existing = find_pool_id(ctx.aws, attrs["name"], None)
    if existing:  # created by an interrupted earlier run: converge by updating instead
        ctx.ids["pool_id"] = existing
        pool_update(ctx, change)
        return
    request: dict = {"PoolName": attrs["name"]}
    sign_in = attrs.get("sign_in", "email")
    if sign_in != "username":
        request["UsernameAttributes"] = [sign_in]
        request["AutoVerifiedAttributes"] = [sign_in]
    request["UsernameConfiguration"] = {"CaseSensitive": bool(attrs.get("case_sensitive", False))}
    if attrs.get("custom_attributes"):
        request["Schema"] = [_custom_attribute(n) for n in attrs["custom_attributes"]]
    apply_pool_fields(request, attrs)
    answer = create_exactly_once(
        ctx, "cognito-idp", "create_user_pool", request, lambda: find_pool_id(ctx.aws, attrs["name"], None)
    )
    if "found" in answer:  # it was created, but the answer was lost: make it match the spec
        ctx.ids["pool_id"] = answer["found"]
        pool_update(ctx, change)
        return
    ctx.ids["pool_id"] = answer["UserPool"]["Id"]
    ctx.ids["pool_raw"] = answer["UserPool"]


def _describe_pool(ctx: ApplyContext) -> dict:
    pool = _idp(ctx).describe_user_pool(UserPoolId=_pool_id(ctx))["UserPool"]
    ctx.ids["pool_raw"] = pool
    return pool


def _custom_attribute(name: str) -> dict:
    return {"Name": name, "AttributeDataType": "String", "Mutable": True}


def pool_update(ctx: ApplyContext, change: Change) -> None:
    idp = _idp(ctx)
    pool = _describe_pool(ctx)
    have = set(custom_attributes(pool))
    missing = [n for n in (change.after or {}).get("custom_attributes", []) if n not in have]
    if missing:  # AddCustomAttributes only adds; Cognito cannot remove a custom attribute
        idp.add_custom_attributes(
            UserPoolId=pool["Id"], CustomAttributes=[_custom_attribute(n) for n in missing]
        )
    request = pool_update_request(idp, pool)
    apply_pool_fields(request, change.after or {})
    idp.update_user_pool(**request)


def pool_delete(ctx: ApplyContext, change: Change) -> None:
    idp = _idp(ctx)
    pool = _describe_pool(ctx)
    if pool.get("DeletionProtection") == "ACTIVE":
        request = pool_update_request(idp, pool)
        request["DeletionProtection"] = "INACTIVE"
        idp.update_user_pool(**request)
    if pool.get("Domain"):
        idp.delete_user_pool_domain(Domain=pool["Domain"], UserPoolId=pool["Id"])
    idp.delete_user_pool(UserPoolId=pool["Id"])
    for key in ("pool_id", "pool_raw", "client_id", "domain"):
        ctx.ids.pop(key, None)


def invitation_apply(ctx: ApplyContext, change: Change) -> None:
    idp = _idp(ctx)
    attrs = ctx.resolve(change.after or {})
    unresolved = [k for k, v in attrs.items() if not isinstance(v, str)]
    if unresolved:
        raise GtopsError("the worker portal URL is not known yet (the workforce step failed or was skipped)")
    request = pool_update_request(idp, _describe_pool(ctx))
    apply_invitation(request, attrs)
    idp.update_user_pool(**request)


# --- groups ----------------------------------------------------------------------------------------------


def group_apply(ctx: ApplyContext, change: Change) -> None:
    idp = _idp(ctx)
    attrs = change.after or {}
    pool_id = _pool_id(ctx)
    try:
        current = idp.get_group(GroupName=attrs["name"], UserPoolId=pool_id)["Group"]
    except idp.exceptions.ResourceNotFoundException:
        current = None
    request = {"GroupName": attrs["name"], "UserPoolId": pool_id}
    for key, field in (("precedence", "Precedence"), (None, "RoleArn")):
        value = attrs.get(key) if key and key in attrs else (current or {}).get(field)
        if value is not None:
            request[field] = value
    live_description, _ = split_description((current or {}).get("Description"))
    description = attrs["description"] if "description" in attrs else live_description
    if attrs.get("managed_by"):
        description = with_marker(description, attrs["managed_by"])
    if description is not None:
        request["Description"] = description
    if current is None:
        idp.create_group(**request)
    else:
        idp.update_group(**request)


def group_delete(ctx: ApplyContext, change: Change) -> None:
    idp = _idp(ctx)
    try:
        idp.delete_group(GroupName=change.address.name, UserPoolId=_pool_id(ctx))
    except idp.exceptions.ResourceNotFoundException:
        pass


# --- app client --------------------------------------------------------------------------------------------


def _find_client(ctx: ApplyContext, name: str) -> str | None:
    idp = _idp(ctx)
    for page in idp.get_paginator("list_user_pool_clients").paginate(
        UserPoolId=_pool_id(ctx), PaginationConfig={"PageSize": 60}
    ):
        for c in page.get("UserPoolClients", []):
            if c.get("ClientName") == name:
                return c["ClientId"]
    return None


def _describe_client(ctx: ApplyContext) -> dict:
    client = _idp(ctx).describe_user_pool_client(UserPoolId=_pool_id(ctx), ClientId=_client_id(ctx))
    client = client["UserPoolClient"]
    client.pop("ClientSecret", None)  # never kept, never logged
    return client


def client_create(ctx: ApplyContext, change: Change) -> None:
    attrs = change.after or {}
    existing = _find_client(ctx, attrs["name"])
    if existing:
        ctx.ids["client_id"] = existing
        client_update(ctx, change)
        return
    request = {
        "UserPoolId": _pool_id(ctx),
        "ClientName": attrs["name"],
        "GenerateSecret": bool(attrs.get("generate_secret", True)),
    }
    apply_client_fields(request, attrs)
    answer = create_exactly_once(
        ctx, "cognito-idp", "create_user_pool_client", request, lambda: _find_client(ctx, attrs["name"])
    )
    if "found" in answer:
        ctx.ids["client_id"] = answer["found"]
        client_update(ctx, change)
        return
    ctx.ids["client_id"] = answer["UserPoolClient"]["ClientId"]


def client_update(ctx: ApplyContext, change: Change) -> None:
    idp = _idp(ctx)
    request = client_update_request(idp, _describe_client(ctx))
    apply_client_fields(request, change.after or {})
    idp.update_user_pool_client(**request)


def client_delete(ctx: ApplyContext, change: Change) -> None:
    client_id = ctx.ids.get("client_id") or _find_client(ctx, change.address.name)
    if client_id:
        _idp(ctx).delete_user_pool_client(UserPoolId=_pool_id(ctx), ClientId=client_id)
    ctx.ids.pop("client_id", None)


def oauth_apply(ctx: ApplyContext, change: Change) -> None:
    idp = _idp(ctx)
    attrs = ctx.resolve(change.after or {})
    for key in ("callback_urls", "logout_urls"):
        if any(not isinstance(u, str) for u in attrs.get(key, [])):
            raise GtopsError(
                "the worker portal URL is not known yet (the workforce step failed or was skipped)"
            )
    request = client_update_request(idp, _describe_client(ctx))
    apply_oauth_fields(request, attrs)
    idp.update_user_pool_client(**request)


# --- domain ----------------------------------------------------------------------------------------------


def domain_create(ctx: ApplyContext, change: Change) -> None:
    idp = _idp(ctx)
    domain = change.address.name
    found = idp.describe_user_pool_domain(Domain=domain).get("DomainDescription") or {}
    if found.get("UserPoolId") == _pool_id(ctx):
        return
    if found.get("UserPoolId"):
        raise GtopsError(f"the domain prefix {domain!r} belongs to another user pool ({found['UserPoolId']})")
    idp.create_user_pool_domain(Domain=domain, UserPoolId=_pool_id(ctx))
    ctx.ids["domain"] = domain


def domain_delete(ctx: ApplyContext, change: Change) -> None:
    idp = _idp(ctx)
    found = idp.describe_user_pool_domain(Domain=change.address.name).get("DomainDescription") or {}
    if found.get("UserPoolId"):
        idp.delete_user_pool_domain(Domain=change.address.name, UserPoolId=found["UserPoolId"])


# --- workforce and teams -------------------------------------------------------------------------------


def _tag_list(tags: dict | None) -> list[dict]:
    return [{"Key": k, "Value": v} for k, v in sorted((tags or {}).items())]


def _wait_workforce(ctx: ApplyContext, name: str, timeout: float = 600) -> dict:
    """AWS has no waiter for workforces: poll until Active (the sandbox is Active at once)."""
    deadline = time.monotonic() + timeout
    delay = 2.0
    while True:
        wf = _sm(ctx).describe_workforce(WorkforceName=name)["Workforce"]
        if wf.get("Status") in (None, "Active"):
            return wf
        if wf.get("Status") == "Failed":
            raise GtopsError(f"workforce {name} failed: {wf.get('FailureReason', 'no reason given')}")
        if time.monotonic() > deadline:
            raise GtopsError(f"workforce {name} is still {wf.get('Status')} after {timeout:.0f}s")
        ctx.say(f"sagemaker_workforce.{name}: Still {wf['Status'].lower()}...")
        time.sleep(delay)
        delay = min(delay * 1.5, 15)


def _record_workforce(ctx: ApplyContext, wf: dict) -> None:
    ctx.ids["workforce_name"] = wf["WorkforceName"]
    ctx.ids["workforce_arn"] = wf["WorkforceArn"]
    if wf.get("SubDomain"):
        ctx.ids["subdomain"] = wf["SubDomain"]


def workforce_create(ctx: ApplyContext, change: Change) -> None:
    attrs = change.after or {}
    sm = _sm(ctx)
    existing = [
        w for w in sm.list_workforces().get("Workforces", []) if w.get("CognitoConfig") or w.get("OidcConfig")
    ]
    if existing:
        if existing[0]["WorkforceName"] != attrs["name"]:
            raise GtopsError(
                f"this region already has the private workforce {existing[0]['WorkforceName']!r} and AWS "
                "allows only one; name it in the spec to adopt it"
            )
        workforce_update(ctx, change)
        return
    request = {
        "WorkforceName": attrs["name"],
        "CognitoConfig": {"UserPool": _pool_id(ctx), "ClientId": _client_id(ctx)},
        "Tags": _tag_list(attrs.get("tags")),
    }
    if attrs.get("source_ips"):
        request["SourceIpConfig"] = {"Cidrs": list(attrs["source_ips"])}
    sm.create_workforce(**request)
    _record_workforce(ctx, _wait_workforce(ctx, attrs["name"]))


def workforce_update(ctx: ApplyContext, change: Change) -> None:
    attrs = change.after or {}
    sm = _sm(ctx)
    wf = sm.describe_workforce(WorkforceName=attrs["name"])["Workforce"]
    if (
        "source_ips" in attrs
        and sorted((wf.get("SourceIpConfig") or {}).get("Cidrs") or []) != attrs["source_ips"]
    ):
        sm.update_workforce(WorkforceName=attrs["name"], SourceIpConfig={"Cidrs": list(attrs["source_ips"])})
        wf = _wait_workforce(ctx, attrs["name"])
    if attrs.get("tags"):
        sm.add_tags(ResourceArn=wf["WorkforceArn"], Tags=_tag_list(attrs["tags"]))
    _record_workforce(ctx, wf)


def workforce_delete(ctx: ApplyContext, change: Change) -> None:
    name = ctx.ids.get("workforce_name") or change.address.name
    try:
        _sm(ctx).delete_workforce(WorkforceName=name)
    except Exception as err:
        if "No workforce" not in str(err):
            raise
    for key in ("workforce_name", "workforce_arn", "subdomain"):
        ctx.ids.pop(key, None)


def _team_request(ctx: ApplyContext, attrs: dict) -> dict:
    pool_id, client_id = _pool_id(ctx), _client_id(ctx)
    request = {
        "WorkteamName": attrs["name"],
        "Description": attrs["description"],
        "MemberDefinitions": [
            {"CognitoMemberDefinition": {"UserPool": pool_id, "UserGroup": g, "ClientId": client_id}}
            for g in attrs["groups"]
        ],
    }
    if attrs.get("notifications"):
        request["NotificationConfiguration"] = {"NotificationTopicArn": ctx.ids["topic_arn"]}
    return request


def team_create(ctx: ApplyContext, change: Change) -> None:
    attrs = change.after or {}
    sm = _sm(ctx)
    try:
        sm.describe_workteam(WorkteamName=attrs["name"])
        team_update(ctx, change)  # created by an interrupted earlier run
        return
    except Exception as err:
        if error_code(err) != "ValidationException":
            raise
    request = _team_request(ctx, attrs)
    if attrs.get("workforce"):
        request["WorkforceName"] = attrs["workforce"]
    request["Tags"] = _tag_list(attrs.get("tags"))
    arn = sm.create_workteam(**request)["WorkteamArn"]
    team = sm.describe_workteam(WorkteamName=attrs["name"])["Workteam"]
    ctx.ids.setdefault("team_arns", {})[attrs["name"]] = arn
    if team.get("SubDomain") and not ctx.ids.get("subdomain"):
        ctx.ids["subdomain"] = team["SubDomain"]


def team_update(ctx: ApplyContext, change: Change) -> None:
    attrs = change.after or {}
    sm = _sm(ctx)
    request = _team_request(ctx, attrs)
    if not attrs.get("notifications"):
        request["NotificationConfiguration"] = {}
    team = sm.update_workteam(**request)["Workteam"]
    if attrs.get("tags"):
        sm.add_tags(ResourceArn=team["WorkteamArn"], Tags=_tag_list(attrs["tags"]))


def team_delete(ctx: ApplyContext, change: Change) -> None:
    try:
        _sm(ctx).delete_workteam(WorkteamName=change.address.name)
    except Exception as err:
        if error_code(err) != "ValidationException":
            raise


Step = Callable[[ApplyContext, Change], None]

# (kind, phase) -> step. Phases: "create", "update", "delete"; a replacement runs delete then create.
STEPS: dict[tuple[str, str], Step] = {
    ("sns_topic", "create"): topic_apply,
    ("sns_topic", "update"): topic_apply,
    ("sns_topic", "delete"): topic_delete,
    ("cognito_user_pool", "create"): pool_create,
    ("cognito_user_pool", "update"): pool_update,
    ("cognito_user_pool", "delete"): pool_delete,
    ("cognito_user_group", "create"): group_apply,
    ("cognito_user_group", "update"): group_apply,
    ("cognito_user_group", "delete"): group_delete,
    ("cognito_user_pool_client", "create"): client_create,
    ("cognito_user_pool_client", "update"): client_update,
    ("cognito_user_pool_client", "delete"): client_delete,
    ("cognito_user_pool_domain", "create"): domain_create,
    ("cognito_user_pool_domain", "update"): domain_create,
    ("cognito_user_pool_domain", "delete"): domain_delete,
    ("sagemaker_workforce", "create"): workforce_create,
    ("sagemaker_workforce", "update"): workforce_update,
    ("sagemaker_workforce", "delete"): workforce_delete,
    ("sagemaker_workteam", "create"): team_create,
    ("sagemaker_workteam", "update"): team_update,
    ("sagemaker_workteam", "delete"): team_delete,
    ("cognito_client_oauth", "create"): oauth_apply,
    ("cognito_client_oauth", "update"): oauth_apply,
    ("cognito_invitation", "create"): invitation_apply,
    ("cognito_invitation", "update"): invitation_apply,
}
