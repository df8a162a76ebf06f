"""Requests are checked against botocore's service model the way AWS's front end checks them."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from gtops.sandbox.validation import coral_message, output_for, validate_params
from gtops.sandbox.wire import ApiError


def _error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    response = excinfo.value.response
    return (
        response["Error"]["Code"],
        response["Error"]["Message"],
        response["ResponseMetadata"]["HTTPStatusCode"],
    )


def _problem(service: str, operation: str, params: dict[str, Any]) -> ApiError:
    with pytest.raises(ApiError) as excinfo:
        validate_params(service, operation, params)
    return excinfo.value


def test_required_members_are_all_reported() -> None:
    error = _problem("sagemaker", "CreateWorkteam", {"WorkteamName": "t"})
    assert error.code == "ValidationException"
    assert error.message == (
        "2 validation errors detected: Value null at 'memberDefinitions' failed to satisfy constraint: "
        "Member must not be null; Value null at 'description' failed to satisfy constraint: "
        "Member must not be null"
    )


def test_nested_paths_lengths_ranges_enums_patterns() -> None:
    members = [{"CognitoMemberDefinition": {"UserPool": "bad", "UserGroup": "g", "ClientId": "c"}}]
    error = _problem(
        "sagemaker", "CreateWorkteam", {"WorkteamName": "t", "Description": "d", "MemberDefinitions": members}
    )
    assert error.message == (
        "1 validation error detected: Value 'bad' at "
        "'memberDefinitions.1.member.cognitoMemberDefinition.userPool' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\w-]+_[0-9a-zA-Z]+"
    )
    error = _problem(
        "sagemaker", "ListWorkteams", {"SortOrder": "Sideways", "MaxResults": 500, "NameContains": "x" * 64}
    )
    assert error.message.startswith("4 validation errors detected: ")
    assert (
        "Value 'Sideways' at 'sortOrder' failed to satisfy constraint: Member must satisfy enum value set: "
        in error.message
    )
    assert (
        "Value '500' at 'maxResults' failed to satisfy constraint: "
        "Member must have value less than or equal to 100" in error.message
    )
    assert (
        "at 'nameContains' failed to satisfy constraint: Member must have length less than or equal to 63"
        in error.message
    )
    assert (
        "[]"
        in _problem(
            "sagemaker", "CreateWorkteam", {"WorkteamName": "t", "Description": "d", "MemberDefinitions": []}
        ).message
    )


def test_patterns_are_whole_string_matches() -> None:
    # `[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}` would match a prefix of "team_1" with search(); AWS anchors it
    assert "workteamName" in _problem("sagemaker", "DescribeWorkteam", {"WorkteamName": "team_1"}).message
    validate_params("sagemaker", "DescribeWorkteam", {"WorkteamName": "team-1"})


def test_java_style_patterns_compile() -> None:
    # Cognito's group-name pattern uses \p{L}..., which the stdlib re module cannot compile
    error = _problem("cognito-idp", "CreateGroup", {"UserPoolId": "us-east-1_abc", "GroupName": "has space"})
    assert error.code == "InvalidParameterException"
    assert "groupName" in error.message
    validate_params("cognito-idp", "CreateGroup", {"UserPoolId": "us-east-1_abc", "GroupName": "Label-group"})


def test_sensitive_values_are_hidden() -> None:
    error = _problem("cognito-idp", "AdminCreateUser", {"UserPoolId": "us-east-1_abc", "Username": "a b"})
    assert "a b" not in error.message
    assert "Value at 'username' failed to satisfy constraint" in error.message


def test_wrong_json_types_are_serialization_errors() -> None:
    error = _problem(
        "sagemaker",
        "CreateWorkteam",
        {"WorkteamName": "t", "Description": "d", "MemberDefinitions": "notalist"},
    )
    assert (error.code, error.message) == (
        "SerializationException",
        "Unexpected value type at 'memberDefinitions'",
    )
    assert _problem("sagemaker", "ListWorkteams", {"MaxResults": "10"}).code == "SerializationException"
    assert _problem("sagemaker", "ListWorkteams", {"MaxResults": True}).code == "SerializationException"


def test_coral_message_counts() -> None:
    assert coral_message(["a"]) == "1 validation error detected: a"
    assert coral_message(["a", "b"]) == "2 validation errors detected: a; b"


def test_output_keeps_only_modeled_members_and_epoch_times() -> None:
    import datetime as dt

    when = dt.datetime(2024, 1, 2, tzinfo=dt.UTC)
    shaped = output_for(
        "sagemaker",
        "DescribeWorkforce",
        {
            "Workforce": {
                "WorkforceName": "w",
                "CreateDate": when,
                "secret": "x",
                "OidcConfig": {"ClientId": "c"},
            }
        },
    )
    assert shaped == {
        "Workforce": {"WorkforceName": "w", "CreateDate": when.timestamp(), "OidcConfig": {"ClientId": "c"}}
    }


# -- on the wire, both modes -------------------------------------------------------------------------


def test_sagemaker_validation_on_the_wire(sandbox: Any) -> None:
    sm = sandbox.client("sagemaker")
    with pytest.raises(ClientError) as excinfo:
        sm.describe_workteam(WorkteamName="bad_name!")
    code, message, status = _error(excinfo)
    assert (code, status) == ("ValidationException", 400)
    assert message == (
        "1 validation error detected: Value 'bad_name!' at 'workteamName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}"
    )
    with pytest.raises(ClientError) as too_many:
        sm.list_workteams(MaxResults=101)
    assert "less than or equal to 100" in _error(too_many)[1]


def test_missing_required_member_on_the_wire(sandbox: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        sandbox.raw("sagemaker", "CreateWorkteam", {"WorkteamName": "t", "MemberDefinitions": []})
    code, message, _ = _error(excinfo)
    assert code == "ValidationException"
    assert "Value null at 'description' failed to satisfy constraint: Member must not be null" in message
    assert "Value '[]' at 'memberDefinitions'" in message


def test_serialization_errors_on_the_wire(sandbox: Any) -> None:
    body = {"WorkteamName": "t", "Description": "d", "MemberDefinitions": "notalist"}
    with pytest.raises(ClientError) as wrong_type:
        sandbox.raw("sagemaker", "CreateWorkteam", body)
    assert _error(wrong_type)[:2] == (
        "SerializationException",
        "Unexpected value type at 'memberDefinitions'",
    )
    with pytest.raises(ClientError) as not_json:
        sandbox.raw("cognito-idp", "ListUserPools", "{not json")
    assert _error(not_json)[0] == "SerializationException"


def test_cognito_validation_on_the_wire(sandbox: Any) -> None:
    idp = sandbox.client("cognito-idp")
    pool = idp.create_user_pool(PoolName="p", UsernameAttributes=["email"])["UserPool"]["Id"]
    with pytest.raises(idp.exceptions.InvalidParameterException) as limit:
        idp.list_users(UserPoolId=pool, Limit=61)
    assert (
        "Value '61' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 60"
        in _error(limit)[1]
    )
    with pytest.raises(idp.exceptions.InvalidParameterException) as group:
        idp.create_group(UserPoolId=pool, GroupName="has space")
    assert "groupName" in _error(group)[1]
    with pytest.raises(idp.exceptions.InvalidParameterException) as domain:
        idp.create_user_pool_domain(UserPoolId=pool, Domain="My_Domain")
    assert "domain" in _error(domain)[1]
    with pytest.raises(idp.exceptions.InvalidParameterException) as user:
        idp.admin_create_user(UserPoolId=pool, Username="a b", MessageAction="SUPPRESS")
    assert "'a b'" not in _error(user)[1]
    assert idp.list_users(UserPoolId=pool, Limit=60)["Users"] == []


def test_unknown_operation_is_a_4xx(sandbox: Any) -> None:
    idp = sandbox.client("cognito-idp")

    def retarget(request: Any, **_: Any) -> None:
        request.headers["X-Amz-Target"] = "AWSCognitoIdentityProviderService.FlyToTheMoon"

    idp.meta.events.register("before-sign.cognito-identity-provider.ListUserPools", retarget)
    with pytest.raises(ClientError) as excinfo:
        idp.list_user_pools(MaxResults=10)
    code, message, status = _error(excinfo)
    assert (code, status) == ("UnknownOperationException", 400)
    assert "FlyToTheMoon" in message
