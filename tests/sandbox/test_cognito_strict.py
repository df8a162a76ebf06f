"""The sandbox's Cognito behaves like AWS where gtops depends on it (see gtops/sandbox/cognito.py)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from gtops.sandbox import cognito


@pytest.fixture(params=["inprocess", pytest.param("server", marks=pytest.mark.e2e)])
def idp(request: pytest.FixtureRequest) -> Any:
    """Each rule holds in process (mock_aws) and over loopback (the sandbox server) alike."""
    if request.param == "server":
        return request.getfixturevalue("server_sandbox").client("cognito-idp")
    return request.getfixturevalue("idp_local")


@pytest.fixture
def idp_local(inprocess_aws: Any) -> Any:
    """In process only: for the tests that look into the emulator (invitations sent)."""
    return boto3.client("cognito-idp", region_name="us-east-1")


def _code(err: pytest.ExceptionInfo[ClientError]) -> str:
    return err.value.response["Error"]["Code"]


def _message(err: pytest.ExceptionInfo[ClientError]) -> str:
    return err.value.response["Error"]["Message"]


def _email_pool(idp: Any, case_sensitive: bool | None = None, **extra: Any) -> str:
    kwargs: dict[str, Any] = {"PoolName": "gt", "UsernameAttributes": ["email"], **extra}
    if case_sensitive is not None:
        kwargs["UsernameConfiguration"] = {"CaseSensitive": case_sensitive}
    return idp.create_user_pool(**kwargs)["UserPool"]["Id"]


def _emails(idp: Any, pool_id: str) -> list[str]:
    users = []
    for page in idp.get_paginator("list_users").paginate(UserPoolId=pool_id):
        users += page["Users"]
    return sorted(a["Value"] for u in users for a in u["Attributes"] if a["Name"] == "email")


def test_install_is_idempotent() -> None:
    from moto.cognitoidp.models import CognitoIdpBackend

    cognito.install()
    patched = CognitoIdpBackend.admin_create_user
    cognito.install()
    assert CognitoIdpBackend.admin_create_user is patched


# --- UpdateUserPool


def test_update_user_pool_keeps_create_only_fields(idp: Any) -> None:
    pool_id = _email_pool(
        idp,
        case_sensitive=False,
        AliasAttributes=["preferred_username"],
        Schema=[{"Name": "team", "AttributeDataType": "String", "Mutable": True}],
    )
    idp.admin_create_user(UserPoolId=pool_id, Username="alice@example.com", MessageAction="SUPPRESS")

    idp.update_user_pool(UserPoolId=pool_id, AutoVerifiedAttributes=["email"])

    pool = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert pool["UsernameAttributes"] == ["email"]
    assert pool["UsernameConfiguration"] == {"CaseSensitive": False}
    assert pool["AliasAttributes"] == ["preferred_username"]
    assert "custom:team" in {a["Name"] for a in pool["SchemaAttributes"]}
    # sign-in by e-mail still works, and the same e-mail cannot be created twice
    user = idp.admin_get_user(UserPoolId=pool_id, Username="ALICE@example.com")
    assert {"Name": "email", "Value": "alice@example.com"} in user["UserAttributes"]
    with pytest.raises(ClientError) as err:
        idp.admin_create_user(UserPoolId=pool_id, Username="alice@example.com", MessageAction="SUPPRESS")
    assert _code(err) == "UsernameExistsException"


def test_update_user_pool_resets_omitted_fields_to_defaults(idp: Any) -> None:
    pool_id = _email_pool(
        idp,
        DeletionProtection="ACTIVE",
        MfaConfiguration="OFF",
        Policies={"PasswordPolicy": {"MinimumLength": 14, "RequireSymbols": False}},
        EmailConfiguration={
            "EmailSendingAccount": "DEVELOPER",
            "SourceArn": "arn:aws:ses:us-east-1:123456789012:identity/labels@example.com",
        },
        AdminCreateUserConfig={
            "AllowAdminCreateUserOnly": True,
            "InviteMessageTemplate": {
                "EmailSubject": "Label with us",
                "EmailMessage": "{username} {####} portal",
            },
        },
        UserPoolTags={"team": "vision"},
    )
    before = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert before["DeletionProtection"] == "ACTIVE"
    assert before["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True

    idp.update_user_pool(UserPoolId=pool_id, AutoVerifiedAttributes=["email"])

    after = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert after["DeletionProtection"] == "INACTIVE"
    assert after["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is False
    assert "InviteMessageTemplate" not in after["AdminCreateUserConfig"]
    assert after["Policies"]["PasswordPolicy"]["MinimumLength"] == 8
    assert after["Policies"]["PasswordPolicy"]["TemporaryPasswordValidityDays"] == 7
    assert after["EmailConfiguration"] == {"EmailSendingAccount": "COGNITO_DEFAULT"}
    assert after["MfaConfiguration"] == "OFF"
    assert after["AutoVerifiedAttributes"] == ["email"]


def test_update_user_pool_sets_mfa_and_name(idp: Any) -> None:
    pool_id = _email_pool(idp)
    with pytest.raises(ClientError) as no_factor:  # no SMS configuration and no TOTP yet (aws-truth.md 2)
        idp.update_user_pool(UserPoolId=pool_id, MfaConfiguration="OPTIONAL")
    assert no_factor.value.response["Error"]["Code"] == "InvalidParameterException"
    idp.set_user_pool_mfa_config(
        UserPoolId=pool_id, MfaConfiguration="OPTIONAL", SoftwareTokenMfaConfiguration={"Enabled": True}
    )
    idp.update_user_pool(UserPoolId=pool_id, PoolName="renamed", MfaConfiguration="OPTIONAL")
    pool = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert (pool["Name"], pool["MfaConfiguration"]) == ("renamed", "OPTIONAL")
    idp.update_user_pool(UserPoolId=pool_id)
    assert idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["MfaConfiguration"] == "OFF"


def test_echoing_both_validity_days_is_rejected_and_the_round_trip_without_it_works(idp: Any) -> None:
    pool_id = _email_pool(
        idp,
        DeletionProtection="ACTIVE",
        AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
        Policies={"PasswordPolicy": {"MinimumLength": 10, "TemporaryPasswordValidityDays": 3}},
    )
    pool = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    # Describe returns both fields, as AWS does ...
    assert pool["AdminCreateUserConfig"]["UnusedAccountValidityDays"] == 3
    read_only = {
        "Id", "Arn", "Name", "CreationDate", "LastModifiedDate", "EstimatedNumberOfUsers", "Status", "Domain",
        "CustomDomain", "SchemaAttributes", "UsernameAttributes", "AliasAttributes", "UsernameConfiguration",
        "EmailConfigurationFailure", "SmsConfigurationFailure", "LambdaConfig",
    }  # fmt: skip
    request = {k: v for k, v in pool.items() if k not in read_only}
    # ... and echoing both back fails like on AWS
    with pytest.raises(ClientError) as err:
        idp.update_user_pool(UserPoolId=pool_id, **request)
    assert _code(err) == "InvalidParameterException"
    assert "TemporaryPasswordValidityDays" in _message(err)

    del request["AdminCreateUserConfig"]["UnusedAccountValidityDays"]
    idp.update_user_pool(UserPoolId=pool_id, **request)
    again = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert again["DeletionProtection"] == "ACTIVE"
    assert again["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert again["Policies"]["PasswordPolicy"]["MinimumLength"] == 10
    assert again["Policies"]["PasswordPolicy"]["TemporaryPasswordValidityDays"] == 3


# --- DeleteUserPool


def test_deletion_protection_blocks_delete_until_deactivated(idp: Any) -> None:
    pool_id = _email_pool(idp, DeletionProtection="ACTIVE")
    with pytest.raises(ClientError) as err:
        idp.delete_user_pool(UserPoolId=pool_id)
    assert _code(err) == "InvalidParameterException"
    assert idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["Id"] == pool_id

    idp.update_user_pool(UserPoolId=pool_id, DeletionProtection="INACTIVE")
    idp.delete_user_pool(UserPoolId=pool_id)
    with pytest.raises(ClientError) as err:
        idp.describe_user_pool(UserPoolId=pool_id)
    assert _code(err) == "ResourceNotFoundException"


def test_pool_with_a_domain_cannot_be_deleted(idp: Any) -> None:
    pool_id = _email_pool(idp)
    idp.create_user_pool_domain(UserPoolId=pool_id, Domain="label-workteam")
    with pytest.raises(ClientError) as err:
        idp.delete_user_pool(UserPoolId=pool_id)
    assert _code(err) == "InvalidParameterException"
    assert (
        _message(err)
        == "User pool cannot be deleted. It has a domain configured that should be deleted first."
    )
    idp.delete_user_pool_domain(UserPoolId=pool_id, Domain="label-workteam")
    idp.delete_user_pool(UserPoolId=pool_id)


# --- domains


def test_domain_prefix_is_unique_and_one_per_pool(idp: Any) -> None:
    first = _email_pool(idp)
    second = _email_pool(idp)
    idp.create_user_pool_domain(UserPoolId=first, Domain="label-workteam")
    with pytest.raises(ClientError) as err:
        idp.create_user_pool_domain(UserPoolId=second, Domain="label-workteam")
    assert (_code(err), _message(err)) == (
        "InvalidParameterException",
        "Domain already associated with another user pool",
    )
    with pytest.raises(ClientError) as err:
        idp.create_user_pool_domain(UserPoolId=first, Domain="another-prefix")
    assert _code(err) == "InvalidParameterException"
    with pytest.raises(ClientError) as err:
        idp.create_user_pool_domain(UserPoolId=second, Domain="my-aws-labels")
    assert _code(err) == "InvalidParameterException"
    idp.create_user_pool_domain(UserPoolId=second, Domain="second-team")
    domain = idp.describe_user_pool_domain(Domain="second-team")["DomainDescription"]
    assert domain["UserPoolId"] == second


# --- app clients

FULL_CLIENT: dict[str, Any] = {
    "ClientName": "labelclient",
    "CallbackURLs": ["https://abc.labeling.us-east-1.sagemaker.aws/oauth2/idpresponse"],
    "LogoutURLs": ["https://abc.labeling.us-east-1.sagemaker.aws/logout"],
    "AllowedOAuthFlows": ["code", "implicit"],
    "AllowedOAuthScopes": ["email", "openid", "profile"],
    "AllowedOAuthFlowsUserPoolClient": True,
    "SupportedIdentityProviders": ["COGNITO"],
    "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    "AccessTokenValidity": 2,
    "EnableTokenRevocation": False,
}


def test_update_user_pool_client_resets_omitted_fields_and_keeps_secret(idp: Any) -> None:
    pool_id = _email_pool(idp)
    created = idp.create_user_pool_client(UserPoolId=pool_id, GenerateSecret=True, **FULL_CLIENT)[
        "UserPoolClient"
    ]
    client_id, secret = created["ClientId"], created["ClientSecret"]
    assert created["CallbackURLs"] == FULL_CLIENT["CallbackURLs"]

    idp.update_user_pool_client(UserPoolId=pool_id, ClientId=client_id, ClientName="labelclient")

    client = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)["UserPoolClient"]
    for cleared in ("CallbackURLs", "LogoutURLs", "AllowedOAuthFlows", "AllowedOAuthScopes"):
        assert not client.get(cleared), cleared
    assert not client.get("SupportedIdentityProviders")
    assert client["AllowedOAuthFlowsUserPoolClient"] is False
    assert client["ExplicitAuthFlows"] == cognito.DEFAULT_EXPLICIT_AUTH_FLOWS
    assert client["EnableTokenRevocation"] is True
    assert "AccessTokenValidity" not in client
    assert client["RefreshTokenValidity"] == 30
    assert client["ClientSecret"] == secret
    assert client["ClientName"] == "labelclient"


def test_full_client_update_round_trips(idp: Any) -> None:
    pool_id = _email_pool(idp)
    client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="c")["UserPoolClient"]["ClientId"]
    idp.update_user_pool_client(UserPoolId=pool_id, ClientId=client_id, **FULL_CLIENT)
    client = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)["UserPoolClient"]
    assert {k: client.get(k) for k in FULL_CLIENT} == FULL_CLIENT


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:8080/cb",
        "http://127.0.0.1/cb",
        "http://[::1]:3000/cb",
        "https://x.example/cb",
        "myapp://cb",
    ],
)
def test_allowed_callback_urls(idp: Any, url: str) -> None:
    pool_id = _email_pool(idp)
    client = dict(FULL_CLIENT, CallbackURLs=[url], LogoutURLs=[url])
    created = idp.create_user_pool_client(UserPoolId=pool_id, **client)["UserPoolClient"]
    assert created["CallbackURLs"] == [url]


@pytest.mark.parametrize("field", ["CallbackURLs", "LogoutURLs"])
@pytest.mark.parametrize("url", ["http://example.com/cb", "https://example.com/cb#frag", "/relative"])
def test_rejected_urls_on_create_and_update(idp: Any, field: str, url: str) -> None:
    pool_id = _email_pool(idp)
    with pytest.raises(ClientError) as err:
        idp.create_user_pool_client(UserPoolId=pool_id, **dict(FULL_CLIENT, **{field: [url]}))
    assert _code(err) == "InvalidParameterException"
    client_id = idp.create_user_pool_client(UserPoolId=pool_id, **FULL_CLIENT)["UserPoolClient"]["ClientId"]
    with pytest.raises(ClientError) as err:
        idp.update_user_pool_client(
            UserPoolId=pool_id, ClientId=client_id, **dict(FULL_CLIENT, **{field: [url]})
        )
    assert _code(err) == "InvalidParameterException"
    client = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)["UserPoolClient"]
    assert client[field] == FULL_CLIENT[field]  # a rejected update changes nothing


def test_oauth_flows_need_the_oauth_switch(idp: Any) -> None:
    pool_id = _email_pool(idp)
    without_switch = {k: v for k, v in FULL_CLIENT.items() if k != "AllowedOAuthFlowsUserPoolClient"}
    with pytest.raises(ClientError) as err:
        idp.create_user_pool_client(UserPoolId=pool_id, **without_switch)
    assert _code(err) == "InvalidParameterException"
    with pytest.raises(ClientError) as err:
        idp.create_user_pool_client(UserPoolId=pool_id, ClientName="c", AllowedOAuthFlowsUserPoolClient=True)
    assert _code(err) == "InvalidParameterException"
    client_id = idp.create_user_pool_client(UserPoolId=pool_id, **FULL_CLIENT)["UserPoolClient"]["ClientId"]
    with pytest.raises(ClientError) as err:
        idp.update_user_pool_client(UserPoolId=pool_id, ClientId=client_id, **without_switch)
    assert _code(err) == "InvalidParameterException"


# --- case-insensitive pools


def test_case_insensitive_email_pool_rejects_second_user_differing_in_case(idp: Any) -> None:
    pool_id = _email_pool(idp, case_sensitive=False)
    created = idp.admin_create_user(
        UserPoolId=pool_id, Username="Alice@Example.com", MessageAction="SUPPRESS"
    )
    with pytest.raises(ClientError) as err:
        idp.admin_create_user(UserPoolId=pool_id, Username="alice@example.com", MessageAction="SUPPRESS")
    assert _code(err) == "UsernameExistsException"
    found = idp.admin_get_user(UserPoolId=pool_id, Username="ALICE@EXAMPLE.COM")
    assert found["Username"] == created["User"]["Username"]
    idp.admin_disable_user(UserPoolId=pool_id, Username="alice@example.com")
    assert idp.admin_get_user(UserPoolId=pool_id, Username="Alice@Example.com")["Enabled"] is False
    assert _emails(idp, pool_id) == ["Alice@Example.com"]


def test_case_insensitive_username_pool(idp: Any) -> None:
    pool_id = idp.create_user_pool(PoolName="u", UsernameConfiguration={"CaseSensitive": False})["UserPool"][
        "Id"
    ]
    idp.admin_create_user(UserPoolId=pool_id, Username="Bob", MessageAction="SUPPRESS")
    with pytest.raises(ClientError) as err:
        idp.admin_create_user(UserPoolId=pool_id, Username="bob", MessageAction="SUPPRESS")
    assert _code(err) == "UsernameExistsException"
    assert idp.admin_get_user(UserPoolId=pool_id, Username="BOB")["Username"] == "Bob"
    idp.admin_delete_user(UserPoolId=pool_id, Username="bOb")
    idp.admin_create_user(UserPoolId=pool_id, Username="bob", MessageAction="SUPPRESS")
    assert idp.admin_get_user(UserPoolId=pool_id, Username="BOB")["Username"] == "bob"


def test_case_sensitive_pool_keeps_both_users(idp: Any) -> None:
    pool_id = _email_pool(idp, case_sensitive=True)
    idp.admin_create_user(UserPoolId=pool_id, Username="Alice@Example.com", MessageAction="SUPPRESS")
    idp.admin_create_user(UserPoolId=pool_id, Username="alice@example.com", MessageAction="SUPPRESS")
    assert _emails(idp, pool_id) == ["Alice@Example.com", "alice@example.com"]
    with pytest.raises(ClientError) as err:
        idp.admin_get_user(UserPoolId=pool_id, Username="ALICE@EXAMPLE.COM")
    assert _code(err) == "UserNotFoundException"


def test_email_change_moves_the_sign_in_key(idp: Any) -> None:
    pool_id = _email_pool(idp, case_sensitive=False)
    idp.admin_create_user(UserPoolId=pool_id, Username="old@example.com", MessageAction="SUPPRESS")
    idp.admin_update_user_attributes(
        UserPoolId=pool_id,
        Username="old@example.com",
        UserAttributes=[{"Name": "email", "Value": "New@example.com"}],
    )
    assert idp.admin_get_user(UserPoolId=pool_id, Username="new@example.com")["Enabled"] is True
    with pytest.raises(ClientError) as err:
        idp.admin_get_user(UserPoolId=pool_id, Username="old@example.com")
    assert _code(err) == "UserNotFoundException"
    idp.admin_create_user(UserPoolId=pool_id, Username="old@example.com", MessageAction="SUPPRESS")
    assert _emails(idp, pool_id) == ["New@example.com", "old@example.com"]
    with pytest.raises(ClientError) as err:  # another user's e-mail, differing only in case
        idp.admin_update_user_attributes(
            UserPoolId=pool_id,
            Username="old@example.com",
            UserAttributes=[{"Name": "email", "Value": "NEW@example.com"}],
        )
    assert _code(err) == "AliasExistsException"


# --- RESEND


@pytest.mark.parametrize("email_pool", [True, False])
def test_resend_reinvites_the_existing_user(idp_local: Any, email_pool: bool) -> None:
    idp = idp_local
    if email_pool:
        pool_id = _email_pool(idp)
        username = "worker@example.com"
    else:
        pool_id = idp.create_user_pool(PoolName="plain")["UserPool"]["Id"]
        username = "worker1"
    attrs = [{"Name": "email", "Value": "worker@example.com"}, {"Name": "given_name", "Value": "Wanda"}]
    first = idp.admin_create_user(
        UserPoolId=pool_id, Username=username, UserAttributes=attrs, DesiredDeliveryMediums=["EMAIL"]
    )["User"]
    resent = idp.admin_create_user(
        UserPoolId=pool_id, Username=username, MessageAction="RESEND", DesiredDeliveryMediums=["EMAIL"]
    )["User"]

    assert resent["Username"] == first["Username"]
    users = idp.list_users(UserPoolId=pool_id)["Users"]
    assert len(users) == 1
    stored = {a["Name"]: a["Value"] for a in users[0]["Attributes"]}
    assert stored["given_name"] == "Wanda"
    assert stored["sub"] == {a["Name"]: a["Value"] for a in first["Attributes"]}["sub"]
    assert cognito.sent_invitations(pool_id) == {first["Username"]: 2}


def test_suppressed_create_sends_nothing_and_resend_sends_once(idp_local: Any) -> None:
    idp = idp_local
    pool_id = _email_pool(idp)
    user = idp.admin_create_user(UserPoolId=pool_id, Username="w@example.com", MessageAction="SUPPRESS")[
        "User"
    ]
    assert cognito.sent_invitations(pool_id) == {}
    idp.admin_create_user(UserPoolId=pool_id, Username="w@example.com", MessageAction="RESEND")
    assert cognito.sent_invitations(pool_id) == {user["Username"]: 1}


def test_resend_errors(idp: Any) -> None:
    pool_id = _email_pool(idp)
    with pytest.raises(ClientError) as err:
        idp.admin_create_user(UserPoolId=pool_id, Username="ghost@example.com", MessageAction="RESEND")
    assert _code(err) == "UserNotFoundException"

    idp.admin_create_user(UserPoolId=pool_id, Username="done@example.com", MessageAction="SUPPRESS")
    idp.admin_set_user_password(
        UserPoolId=pool_id, Username="done@example.com", Password="Sup3r-secret!", Permanent=True
    )
    with pytest.raises(ClientError) as err:
        idp.admin_create_user(UserPoolId=pool_id, Username="done@example.com", MessageAction="RESEND")
    assert _code(err) == "UnsupportedUserStateException"
    assert len(idp.list_users(UserPoolId=pool_id)["Users"]) == 1


# --- page sizes


def test_page_sizes_above_60_are_rejected(idp: Any) -> None:
    pool_id = _email_pool(idp)
    idp.create_group(UserPoolId=pool_id, GroupName="labelers")
    calls = {
        "ListUsers": lambda n: idp.list_users(UserPoolId=pool_id, Limit=n),
        "ListUsersInGroup": lambda n: idp.list_users_in_group(
            UserPoolId=pool_id, GroupName="labelers", Limit=n
        ),
        "ListGroups": lambda n: idp.list_groups(UserPoolId=pool_id, Limit=n),
        "ListUserPoolClients": lambda n: idp.list_user_pool_clients(UserPoolId=pool_id, MaxResults=n),
    }
    for name, call in calls.items():
        call(60)
        with pytest.raises(ClientError) as err:
            call(61)
        assert _code(err) == "InvalidParameterException", name
        assert "less than or equal to 60" in _message(err)


# --- concurrency


def test_concurrent_creates_never_race(idp: Any) -> None:
    pool_id = _email_pool(idp, case_sensitive=False)
    errors: list[str] = []

    def create(i: int) -> None:
        try:
            idp.admin_create_user(
                UserPoolId=pool_id, Username=f"user{i}@example.com", MessageAction="SUPPRESS"
            )
        except Exception as exc:  # noqa: BLE001 - any failure is the race this test guards against
            errors.append(repr(exc))

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(create, range(400)))
    assert errors == []
    assert len(_emails(idp, pool_id)) == 400

    outcomes: list[str] = []

    def same(_: int) -> None:
        try:
            idp.admin_create_user(UserPoolId=pool_id, Username="Dup@Example.com", MessageAction="SUPPRESS")
            outcomes.append("created")
        except ClientError as exc:
            outcomes.append(exc.response["Error"]["Code"])

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(same, range(8)))
    assert sorted(outcomes) == ["UsernameExistsException"] * 7 + ["created"]
    assert _emails(idp, pool_id).count("Dup@Example.com") == 1


def test_pool_tags_can_be_added_listed_and_removed_by_arn(idp):
    pool = idp.create_user_pool(PoolName="tagged", UserPoolTags={"a": "1"})["UserPool"]
    idp.tag_resource(ResourceArn=pool["Arn"], Tags={"b": "2"})
    assert idp.list_tags_for_resource(ResourceArn=pool["Arn"])["Tags"] == {"a": "1", "b": "2"}
    idp.untag_resource(ResourceArn=pool["Arn"], TagKeys=["a"])
    described = idp.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]
    assert described["UserPoolTags"] == {"b": "2"}
    missing = pool["Arn"].rsplit("/", 1)[0] + "/us-east-1_missing"
    with pytest.raises(idp.exceptions.ResourceNotFoundException):
        idp.tag_resource(ResourceArn=missing, Tags={"x": "y"})
