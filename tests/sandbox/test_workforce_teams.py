"""Workforces and work teams follow AWS's rules, in process and over loopback."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError


def _error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = excinfo.value.response["Error"]
    return error["Code"], error["Message"]


def _members(setup: dict[str, Any], *groups: str) -> list[dict[str, Any]]:
    return [
        {"CognitoMemberDefinition": {"UserPool": setup["pool"], "UserGroup": g, "ClientId": setup["client"]}}
        for g in groups or setup["groups"]
    ]


def _workforce(sm: Any, setup: dict[str, Any], name: str = "default") -> str:
    config = {"UserPool": setup["pool"], "ClientId": setup["client"]}
    return sm.create_workforce(WorkforceName=name, CognitoConfig=config)["WorkforceArn"]


def test_workforce_create_describe_list_delete(sandbox: Any, cognito_setup: Any) -> None:
    setup = cognito_setup(sandbox)
    sm = sandbox.client("sagemaker")
    arn = _workforce(sm, setup, "gt-force")
    assert arn == "arn:aws:sagemaker:us-east-1:123456789012:workforce/gt-force"
    workforce = sm.describe_workforce(WorkforceName="gt-force")["Workforce"]
    assert workforce["CognitoConfig"] == {"UserPool": setup["pool"], "ClientId": setup["client"]}
    assert workforce["Status"] == "Active"
    assert workforce["SourceIpConfig"] == {"Cidrs": []}
    assert workforce["SubDomain"].endswith(".labeling.us-east-1.sagemaker.aws")
    assert len(workforce["SubDomain"].split(".")[0]) == 10
    assert [w["WorkforceName"] for w in sm.list_workforces()["Workforces"]] == ["gt-force"]
    sm.delete_workforce(WorkforceName="gt-force")
    with pytest.raises(ClientError) as missing:
        sm.describe_workforce(WorkforceName="gt-force")
    code, message = _error(missing)
    assert code == "ValidationException" and "No workforce" in message


def test_only_one_workforce_per_region(sandbox: Any, cognito_setup: Any) -> None:
    setup = cognito_setup(sandbox)
    sm = sandbox.client("sagemaker")
    _workforce(sm, setup)
    with pytest.raises(ClientError) as second:
        _workforce(sm, setup, "other")
    assert _error(second)[0] == "ValidationException"
    with pytest.raises(ClientError) as same:
        _workforce(sm, setup)
    assert "already exists" in _error(same)[1]
    # another region is another workforce scope
    other = sandbox.client("cognito-idp", region_name="eu-west-1")
    pool = other.create_user_pool(PoolName="p")["UserPool"]["Id"]
    client = other.create_user_pool_client(UserPoolId=pool, ClientName="c")["UserPoolClient"]["ClientId"]
    sandbox.client("sagemaker", region_name="eu-west-1").create_workforce(
        WorkforceName="default", CognitoConfig={"UserPool": pool, "ClientId": client}
    )


def test_workforce_needs_existing_pool_and_client(sandbox: Any, cognito_setup: Any) -> None:
    setup = cognito_setup(sandbox)
    sm = sandbox.client("sagemaker")
    with pytest.raises(ClientError) as pool:
        sm.create_workforce(
            WorkforceName="default", CognitoConfig={"UserPool": "us-east-1_nope", "ClientId": setup["client"]}
        )
    assert "us-east-1_nope" in _error(pool)[1]
    with pytest.raises(ClientError) as client:
        sm.create_workforce(
            WorkforceName="default", CognitoConfig={"UserPool": setup["pool"], "ClientId": "x"}
        )
    assert _error(client)[0] == "ValidationException"
    assert sm.list_workforces()["Workforces"] == []


def test_update_workforce_source_ips_and_cognito_is_fixed(sandbox: Any, cognito_setup: Any) -> None:
    setup = cognito_setup(sandbox)
    sm = sandbox.client("sagemaker")
    _workforce(sm, setup)
    updated = sm.update_workforce(WorkforceName="default", SourceIpConfig={"Cidrs": ["203.0.113.0/24"]})
    assert updated["Workforce"]["SourceIpConfig"] == {"Cidrs": ["203.0.113.0/24"]}
    assert updated["Workforce"]["CognitoConfig"]["UserPool"] == setup["pool"]
    with pytest.raises(ClientError) as bad_cidr:
        sm.update_workforce(WorkforceName="default", SourceIpConfig={"Cidrs": ["300.1.1.0/24"]})
    assert "300.1.1.0/24" in _error(bad_cidr)[1]
    with pytest.raises(ClientError) as too_many:
        sm.update_workforce(
            WorkforceName="default", SourceIpConfig={"Cidrs": [f"10.0.{i}.0/24" for i in range(11)]}
        )
    assert _error(too_many)[0] == "ValidationException"
    # CognitoConfig is not an UpdateWorkforce member: even sent raw, it changes nothing
    cognito = {"UserPool": "us-east-1_other", "ClientId": "c"}
    sandbox.raw("sagemaker", "UpdateWorkforce", {"WorkforceName": "default", "CognitoConfig": cognito})
    workforce = sm.describe_workforce(WorkforceName="default")["Workforce"]
    assert workforce["CognitoConfig"]["UserPool"] == setup["pool"]
    with pytest.raises(ClientError) as missing:
        sm.update_workforce(WorkforceName="nope", SourceIpConfig={"Cidrs": []})
    assert "No workforce" in _error(missing)[1]


def test_workteam_lifecycle_and_shared_subdomain(sandbox: Any, cognito_setup: Any) -> None:
    setup = cognito_setup(sandbox, groups=("a", "b"))
    sm = sandbox.client("sagemaker")
    _workforce(sm, setup)
    arn = sm.create_workteam(WorkteamName="team-a", MemberDefinitions=_members(setup, "a"), Description="A")
    assert arn["WorkteamArn"] == "arn:aws:sagemaker:us-east-1:123456789012:workteam/private-crowd/team-a"
    sm.create_workteam(WorkteamName="team-b", MemberDefinitions=_members(setup, "b"), Description="B")
    portal = sm.describe_workforce(WorkforceName="default")["Workforce"]["SubDomain"]
    team = sm.describe_workteam(WorkteamName="team-a")["Workteam"]
    assert team["SubDomain"] == portal
    assert sm.describe_workteam(WorkteamName="team-b")["Workteam"]["SubDomain"] == portal
    assert team["WorkforceArn"].endswith(":workforce/default")
    assert team["MemberDefinitions"] == _members(setup, "a")
    assert team["NotificationConfiguration"] == {}
    with pytest.raises(ClientError) as duplicate:
        sm.create_workteam(WorkteamName="team-a", MemberDefinitions=_members(setup, "a"), Description="A")
    assert _error(duplicate)[0] == "ResourceInUse"
    assert sm.delete_workteam(WorkteamName="team-a")["Success"] is True
    with pytest.raises(ClientError) as missing:
        sm.describe_workteam(WorkteamName="team-a")
    code, message = _error(missing)
    assert code == "ValidationException" and "The work team" in message and "does not exist" in message


def test_create_workteam_without_workforce_creates_default(sandbox: Any, cognito_setup: Any) -> None:
    setup = cognito_setup(sandbox)
    sm = sandbox.client("sagemaker")
    sm.create_workteam(WorkteamName="t", MemberDefinitions=_members(setup), Description="d")
    workforce = sm.describe_workforce(WorkforceName="default")["Workforce"]
    assert workforce["CognitoConfig"] == {"UserPool": setup["pool"], "ClientId": setup["client"]}


def test_failed_workteam_creates_no_implicit_workforce(sandbox: Any, cognito_setup: Any) -> None:
    setup = cognito_setup(sandbox)
    sm = sandbox.client("sagemaker")
    with pytest.raises(ClientError):
        sm.create_workteam(WorkteamName="t", MemberDefinitions=_members(setup, "missing"), Description="d")
    assert sm.list_workforces()["Workforces"] == []


def test_member_groups_checked_against_cognito(sandbox: Any, cognito_setup: Any) -> None:
    setup = cognito_setup(sandbox)
    other = cognito_setup(sandbox, name="other-pool")
    sm = sandbox.client("sagemaker")
    _workforce(sm, setup)
    with pytest.raises(ClientError) as group:
        sm.create_workteam(WorkteamName="t", MemberDefinitions=_members(setup, "nope"), Description="d")
    code, message = _error(group)
    assert code == "ValidationException" and "nope" in message
    with pytest.raises(ClientError) as foreign:
        sm.create_workteam(WorkteamName="t", MemberDefinitions=_members(other), Description="d")
    assert setup["pool"] in _error(foreign)[1]
    mixed = _members(setup) + [{"OidcMemberDefinition": {"Groups": ["x"]}}]
    with pytest.raises(ClientError) as oidc:
        sm.create_workteam(WorkteamName="t", MemberDefinitions=mixed, Description="d")
    assert _error(oidc)[0] == "ValidationException"
    assert sm.list_workteams()["Workteams"] == []


def test_member_definitions_count_is_1_to_10(sandbox: Any, cognito_setup: Any) -> None:
    groups = tuple(f"g{i}" for i in range(11))
    setup = cognito_setup(sandbox, groups=groups)
    sm = sandbox.client("sagemaker", parameter_validation=False)
    with pytest.raises(ClientError) as none:
        sm.create_workteam(WorkteamName="t", MemberDefinitions=[], Description="d")
    assert "greater than or equal to 1" in _error(none)[1]
    with pytest.raises(ClientError) as eleven:
        sm.create_workteam(WorkteamName="t", MemberDefinitions=_members(setup), Description="d")
    assert "less than or equal to 10" in _error(eleven)[1]
    sm.create_workteam(WorkteamName="t", MemberDefinitions=_members(setup, *groups[:10]), Description="d")


def test_update_workteam_replaces_members(sandbox: Any, cognito_setup: Any) -> None:
    setup = cognito_setup(sandbox, groups=("a", "b", "c"))
    sm = sandbox.client("sagemaker")
    sm.create_workteam(WorkteamName="t", MemberDefinitions=_members(setup, "a", "b"), Description="d")
    team = sm.update_workteam(WorkteamName="t", MemberDefinitions=_members(setup, "c"))["Workteam"]
    assert team["MemberDefinitions"] == _members(setup, "c")
    assert team["Description"] == "d"
    team = sm.update_workteam(WorkteamName="t", Description="new")["Workteam"]
    assert team["MemberDefinitions"] == _members(setup, "c") and team["Description"] == "new"
    with pytest.raises(ClientError) as bad:
        sm.update_workteam(WorkteamName="t", MemberDefinitions=_members(setup, "zzz"))
    assert _error(bad)[0] == "ValidationException"
    assert sm.describe_workteam(WorkteamName="t")["Workteam"]["MemberDefinitions"] == _members(setup, "c")
    with pytest.raises(ClientError) as missing:
        sm.update_workteam(WorkteamName="gone", Description="x")
    assert "The work team" in _error(missing)[1]


def test_notification_topic_must_exist(sandbox: Any, cognito_setup: Any) -> None:
    setup = cognito_setup(sandbox)
    sm = sandbox.client("sagemaker")
    ghost = "arn:aws:sns:us-east-1:123456789012:ghost"
    with pytest.raises(ClientError) as missing:
        sm.create_workteam(
            WorkteamName="t",
            MemberDefinitions=_members(setup),
            Description="d",
            NotificationConfiguration={"NotificationTopicArn": ghost},
        )
    assert ghost in _error(missing)[1]
    topic = sandbox.client("sns").create_topic(Name="AmazonSageMaker-notify")["TopicArn"]
    sm.create_workteam(
        WorkteamName="t",
        MemberDefinitions=_members(setup),
        Description="d",
        NotificationConfiguration={"NotificationTopicArn": topic},
    )
    team = sm.describe_workteam(WorkteamName="t")["Workteam"]
    assert team["NotificationConfiguration"] == {"NotificationTopicArn": topic}


def test_at_most_25_workteams(inprocess_sandbox: Any, cognito_setup: Any) -> None:
    setup = cognito_setup(inprocess_sandbox)
    sm = inprocess_sandbox.client("sagemaker")
    for i in range(25):
        sm.create_workteam(WorkteamName=f"t{i}", MemberDefinitions=_members(setup), Description="d")
    with pytest.raises(ClientError) as limit:
        sm.create_workteam(WorkteamName="t25", MemberDefinitions=_members(setup), Description="d")
    assert _error(limit)[0] == "ResourceLimitExceeded"
    assert sm.exceptions.ResourceLimitExceeded is type(limit.value)


def test_25_workteam_limit_over_loopback(server_sandbox: Any, cognito_setup: Any) -> None:
    setup = cognito_setup(server_sandbox)
    sm = server_sandbox.client("sagemaker")
    for i in range(25):
        sm.create_workteam(WorkteamName=f"t{i}", MemberDefinitions=_members(setup), Description="d")
    with pytest.raises(sm.exceptions.ResourceLimitExceeded):
        sm.create_workteam(WorkteamName="t25", MemberDefinitions=_members(setup), Description="d")


def test_delete_workforce_with_teams_is_refused(sandbox: Any, cognito_setup: Any) -> None:
    setup = cognito_setup(sandbox)
    sm = sandbox.client("sagemaker")
    sm.create_workteam(WorkteamName="t", MemberDefinitions=_members(setup), Description="d")
    with pytest.raises(ClientError) as busy:
        sm.delete_workforce(WorkforceName="default")
    assert _error(busy)[0] == "ResourceInUse"
    sm.delete_workteam(WorkteamName="t")
    sm.delete_workforce(WorkforceName="default")
    assert sm.list_workforces()["Workforces"] == []


def test_list_workteams_pagination_sorting_and_filter(sandbox: Any, cognito_setup: Any) -> None:
    setup = cognito_setup(sandbox)
    sm = sandbox.client("sagemaker")
    names = ["delta", "alpha", "charlie", "bravo", "alpha-two"]
    for name in names:
        sm.create_workteam(WorkteamName=name, MemberDefinitions=_members(setup), Description="d")
    first = sm.list_workteams(MaxResults=2)
    assert [t["WorkteamName"] for t in first["Workteams"]] == ["delta", "alpha"]  # default: creation order
    rest = sm.list_workteams(MaxResults=2, NextToken=first["NextToken"])
    assert [t["WorkteamName"] for t in rest["Workteams"]] == ["charlie", "bravo"]
    paged = [
        t["WorkteamName"]
        for page in sm.get_paginator("list_workteams").paginate(
            SortBy="Name", SortOrder="Descending", PaginationConfig={"PageSize": 2}
        )
        for t in page["Workteams"]
    ]
    assert paged == sorted(names, reverse=True)
    contains = sm.list_workteams(NameContains="ALPHA", SortBy="Name")["Workteams"]
    assert [t["WorkteamName"] for t in contains] == ["alpha", "alpha-two"]
    with pytest.raises(ClientError) as token:
        sm.list_workteams(NextToken="garbage")
    assert _error(token)[0] == "ValidationException"


def test_tags_on_workforce_and_workteam(sandbox: Any, cognito_setup: Any) -> None:
    setup = cognito_setup(sandbox)
    sm = sandbox.client("sagemaker")
    team_arn = sm.create_workteam(
        WorkteamName="t",
        MemberDefinitions=_members(setup),
        Description="d",
        Tags=[{"Key": "a", "Value": "1"}],
    )["WorkteamArn"]
    assert sm.list_tags(ResourceArn=team_arn)["Tags"] == [{"Key": "a", "Value": "1"}]
    added = sm.add_tags(ResourceArn=team_arn, Tags=[{"Key": "a", "Value": "2"}, {"Key": "b", "Value": "3"}])
    assert added["Tags"] == [{"Key": "a", "Value": "2"}, {"Key": "b", "Value": "3"}]
    sm.delete_tags(ResourceArn=team_arn, TagKeys=["a"])
    assert sm.list_tags(ResourceArn=team_arn)["Tags"] == [{"Key": "b", "Value": "3"}]
    force_arn = sm.describe_workforce(WorkforceName="default")["Workforce"]["WorkforceArn"]
    for call, extra in (
        (sm.list_tags, {}),
        (sm.add_tags, {"Tags": [{"Key": "owner", "Value": "gtops"}]}),
        (sm.delete_tags, {"TagKeys": ["owner"]}),
    ):  # AWS's tag operations do not take a workforce (hashicorp/terraform-provider-aws#20065)
        with pytest.raises(ClientError) as refused:
            call(ResourceArn=force_arn, **extra)
        assert _error(refused) == ("ValidationException", "Invalid resource type: workforce")
    with pytest.raises(ClientError) as missing:
        sm.list_tags(ResourceArn="arn:aws:sagemaker:us-east-1:123456789012:workteam/private-crowd/gone")
    assert _error(missing)[0] == "ValidationException"  # not ResourceNotFound (aws-truth.md 7a)
    for call in (sm.add_tags, sm.delete_tags):
        gone = "arn:aws:sagemaker:us-east-1:123456789012:labeling-job/gone"
        with pytest.raises(ClientError) as missing_job:
            call(
                ResourceArn=gone,
                **({"Tags": [{"Key": "a", "Value": "1"}]} if call == sm.add_tags else {"TagKeys": ["a"]}),
            )
        assert _error(missing_job) == ("ValidationException", f"Resource {gone} does not exist.")


def test_moto_sagemaker_operations_still_work(sandbox: Any) -> None:
    sm = sandbox.client("sagemaker")
    arn = sm.create_model(
        ModelName="m",
        ExecutionRoleArn="arn:aws:iam::123456789012:role/r",
        PrimaryContainer={"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/x:1"},
    )["ModelArn"]
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": "k", "Value": "v"}])
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "k", "Value": "v"}]
    assert [m["ModelName"] for m in sm.list_models()["Models"]] == ["m"]


def test_unimplemented_operation_is_a_clear_4xx(sandbox: Any) -> None:
    sm = sandbox.client("sagemaker")
    with pytest.raises(ClientError) as excinfo:
        sm.describe_human_task_ui(HumanTaskUiName="nope")
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "DescribeHumanTaskUi" in _error(excinfo)[1]


def test_state_is_cleared_by_reset(inprocess_sandbox: Any, cognito_setup: Any) -> None:
    from gtops.sandbox import reset

    setup = cognito_setup(inprocess_sandbox)
    sm = inprocess_sandbox.client("sagemaker")
    sm.create_workteam(WorkteamName="t", MemberDefinitions=_members(setup), Description="d")
    reset()
    assert sm.list_workteams()["Workteams"] == []
    assert sm.list_workforces()["Workforces"] == []
