"""The AWS rules the audit found the sandbox too kind about, in process and over loopback (`sandbox`).

One section per numbered behaviour of the "AWS truth" issue; each rule's source is beside it in gtops/sandbox/
and in the README's table of sandbox rules.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.sandbox.test_workforce_teams import _error, _members

# -- 1. a Cognito group a work team uses cannot be deleted ----------------------------------------------


def test_deleting_a_group_a_team_uses_is_refused(sandbox: Any, cognito_setup: Any) -> None:
    setup = cognito_setup(sandbox, groups=("kept", "used", "free"))
    sm, idp = sandbox.client("sagemaker"), sandbox.client("cognito-idp")
    sm.create_workteam(
        WorkteamName="team", MemberDefinitions=_members(setup, "kept", "used"), Description="d"
    )
    with pytest.raises(ClientError) as used:
        idp.delete_group(UserPoolId=setup["pool"], GroupName="used")
    code, message = _error(used)
    assert code == "InvalidParameterException"
    assert "used" in message and "team" in message
    assert "used" in [g["GroupName"] for g in idp.list_groups(UserPoolId=setup["pool"])["Groups"]]

    idp.delete_group(UserPoolId=setup["pool"], GroupName="free")  # no team: deleted as before
    # Once the team no longer lists it, the group can go.
    sm.update_workteam(WorkteamName="team", MemberDefinitions=_members(setup, "kept"))
    idp.delete_group(UserPoolId=setup["pool"], GroupName="used")
    assert [g["GroupName"] for g in idp.list_groups(UserPoolId=setup["pool"])["Groups"]] == ["kept"]
    sm.delete_workteam(WorkteamName="team")
    idp.delete_group(UserPoolId=setup["pool"], GroupName="kept")


def test_a_group_of_the_same_name_in_another_pool_is_not_blocked(sandbox: Any, cognito_setup: Any) -> None:
    setup = cognito_setup(sandbox, groups=("g",))
    other = cognito_setup(sandbox, groups=("g",), name="other-pool")
    sandbox.client("sagemaker").create_workteam(
        WorkteamName="team", MemberDefinitions=_members(setup), Description="d"
    )
    sandbox.client("cognito-idp").delete_group(UserPoolId=other["pool"], GroupName="g")


# -- 2. MFA needs a factor: SMS at create, TOTP or SMS through SetUserPoolMfaConfig ------------------------

SMS = {"SnsCallerArn": "arn:aws:iam::123456789012:role/cognito-sms", "ExternalId": "gtops"}
SMS_REQUIRED = "SMS configuration and Auto verification for phone_number are required when MFA is"


def test_create_user_pool_with_mfa_needs_an_sms_configuration(sandbox: Any) -> None:
    idp = sandbox.client("cognito-idp")
    for mode in ("ON", "OPTIONAL"):
        with pytest.raises(ClientError) as refused:
            idp.create_user_pool(PoolName=f"p-{mode}", MfaConfiguration=mode)
        code, message = _error(refused)
        assert code == "InvalidParameterException" and message.startswith(SMS_REQUIRED)
    assert idp.list_user_pools(MaxResults=60)["UserPools"] == []
    pool = idp.create_user_pool(PoolName="sms", MfaConfiguration="OPTIONAL", SmsConfiguration=SMS)
    assert pool["UserPool"]["MfaConfiguration"] == "OPTIONAL"


def test_mfa_goes_on_through_set_user_pool_mfa_config(sandbox: Any) -> None:
    idp = sandbox.client("cognito-idp")
    pool = idp.create_user_pool(PoolName="p")["UserPool"]["Id"]
    # UpdateUserPool from OFF with no factor anywhere: refused like the create (assumed).
    with pytest.raises(ClientError) as update:
        idp.update_user_pool(UserPoolId=pool, MfaConfiguration="OPTIONAL")
    assert _error(update)[1].startswith(SMS_REQUIRED)
    # SetUserPoolMfaConfig: ON or OPTIONAL needs a factor, OFF takes none (AWS's own messages).
    for request in ({}, {"SoftwareTokenMfaConfiguration": {"Enabled": False}}):
        with pytest.raises(ClientError) as none:
            idp.set_user_pool_mfa_config(UserPoolId=pool, MfaConfiguration="ON", **request)
        assert _error(none) == (
            "InvalidParameterException",
            "Invalid MFA configuration given, can't disable all MFAs with a required or optional "
            "configuration.",
        )
    with pytest.raises(ClientError) as off:
        idp.set_user_pool_mfa_config(
            UserPoolId=pool, MfaConfiguration="OFF", SmsMfaConfiguration={"SmsConfiguration": SMS}
        )
    assert "can't turn off MFA and configure an MFA together" in _error(off)[1]
    # TOTP only, on an existing pool ("ON only at creation" is stale), then kept by a later update.
    answer = idp.set_user_pool_mfa_config(
        UserPoolId=pool, MfaConfiguration="ON", SoftwareTokenMfaConfiguration={"Enabled": True}
    )
    assert answer["MfaConfiguration"] == "ON"
    assert idp.describe_user_pool(UserPoolId=pool)["UserPool"]["MfaConfiguration"] == "ON"
    got = idp.get_user_pool_mfa_config(UserPoolId=pool)
    assert got["MfaConfiguration"] == "ON" and got["SoftwareTokenMfaConfiguration"] == {"Enabled": True}
    idp.update_user_pool(UserPoolId=pool, MfaConfiguration="ON")  # what a read-modify-write re-sends
    # ... and off again.
    idp.set_user_pool_mfa_config(UserPoolId=pool, MfaConfiguration="OFF")
    idp.update_user_pool(UserPoolId=pool, MfaConfiguration="OFF")
    assert idp.get_user_pool_mfa_config(UserPoolId=pool)["MfaConfiguration"] == "OFF"
    # SMS through SetUserPoolMfaConfig becomes the pool's SmsConfiguration.
    idp.set_user_pool_mfa_config(
        UserPoolId=pool, MfaConfiguration="OPTIONAL", SmsMfaConfiguration={"SmsConfiguration": SMS}
    )
    described = idp.describe_user_pool(UserPoolId=pool)["UserPool"]
    assert described["MfaConfiguration"] == "OPTIONAL" and described["SmsConfiguration"] == SMS


# -- 3. workforces go through Initializing, Updating and Deleting ---------------------------------------


def _status(sm: Any, name: str = "default") -> str:
    return str(sm.describe_workforce(WorkforceName=name)["Workforce"]["Status"])


def _settle(sandbox: Any) -> None:
    """Let the transitions in progress finish: a hold of 0 seconds has passed for all of them when read."""
    sandbox.configure(workforce_seconds=0)
    sandbox.client("sagemaker").list_workforces()
    sandbox.configure(workforce_seconds=600)


def test_workforce_states_take_the_configured_time(sandbox: Any, cognito_setup: Any) -> None:
    setup = cognito_setup(sandbox)
    sandbox.configure(workforce_seconds=600)
    sm = sandbox.client("sagemaker")
    config = {"UserPool": setup["pool"], "ClientId": setup["client"]}
    sm.create_workforce(WorkforceName="default", CognitoConfig=config)
    assert _status(sm) == "Initializing"
    with pytest.raises(ClientError) as busy:
        sm.update_workforce(WorkforceName="default", SourceIpConfig={"Cidrs": ["203.0.113.0/24"]})
    assert _error(busy)[0] == "ConflictException"
    with pytest.raises(ClientError) as team:
        sm.create_workteam(WorkteamName="t", MemberDefinitions=_members(setup), Description="d")
    assert _error(team)[0] == "ValidationException" and "Initializing" in _error(team)[1]
    _settle(sandbox)
    assert _status(sm) == "Active"

    sm.update_workforce(WorkforceName="default", SourceIpConfig={"Cidrs": ["203.0.113.0/24"]})
    assert [w["Status"] for w in sm.list_workforces()["Workforces"]] == ["Updating"]
    _settle(sandbox)
    assert _status(sm) == "Active"

    sm.delete_workforce(WorkforceName="default")
    assert _status(sm) == "Deleting"  # asynchronous: still described while it goes
    sm.delete_workforce(WorkforceName="default")  # deleting again is no error
    with pytest.raises(ClientError) as second:
        sm.create_workforce(WorkforceName="renamed", CognitoConfig=config)
    assert _error(second)[0] == "ValidationException" and "being deleted" in _error(second)[1]

    _settle(sandbox)
    with pytest.raises(ClientError) as gone:
        sm.describe_workforce(WorkforceName="default")
    assert "No workforce" in _error(gone)[1]
    assert sm.list_workforces()["Workforces"] == []
    sm.create_workforce(WorkforceName="renamed", CognitoConfig=config)


def test_workforce_states_are_instant_by_default(sandbox: Any, cognito_setup: Any) -> None:
    setup = cognito_setup(sandbox)
    sm = sandbox.client("sagemaker")
    config = {"UserPool": setup["pool"], "ClientId": setup["client"]}
    sm.create_workforce(WorkforceName="default", CognitoConfig=config)
    assert _status(sm) == "Active"
    sm.delete_workforce(WorkforceName="default")
    assert sm.list_workforces()["Workforces"] == []


# -- 6. Cognito's default e-mail: 50 e-mails a day per account -----------------------------------------------


def _pool_sending(idp: Any, account: str | None = None) -> str:
    config = {"EmailSendingAccount": account} if account else {}
    if account == "DEVELOPER":
        config["SourceArn"] = "arn:aws:ses:us-east-1:123456789012:identity/labels@example.com"
    name = f"p-{account}"
    pool = idp.create_user_pool(PoolName=name, UsernameAttributes=["email"], EmailConfiguration=config)
    return str(pool["UserPool"]["Id"])


def _invite(idp: Any, pool: str, email: str, **extra: Any) -> None:
    attrs = [{"Name": "email", "Value": email}]
    idp.admin_create_user(UserPoolId=pool, Username=email, UserAttributes=attrs, **extra)


def test_cognito_default_email_stops_at_the_daily_quota(sandbox: Any) -> None:
    sandbox.configure(daily_emails=2)
    idp = sandbox.client("cognito-idp")
    pool, other = _pool_sending(idp), _pool_sending(idp, "COGNITO_DEFAULT")
    _invite(idp, pool, "a@example.com")
    _invite(idp, pool, "quiet@example.com", MessageAction="SUPPRESS")  # no e-mail sent: not counted
    _invite(idp, other, "b@example.com")  # the quota is the account's, every pool together
    with pytest.raises(ClientError) as over:
        _invite(idp, pool, "c@example.com")
    code, message = _error(over)
    assert code == "LimitExceededException"
    assert message.startswith("Exceeded daily email limit for the operation or the account.")
    with pytest.raises(ClientError) as no_user:
        idp.admin_get_user(UserPoolId=pool, Username="c@example.com")
    assert _error(no_user)[0] == "UserNotFoundException"  # refused, not created without its e-mail
    with pytest.raises(ClientError) as resend:
        _invite(idp, pool, "a@example.com", MessageAction="RESEND")
    assert _error(resend)[0] == "LimitExceededException"
    ses = _pool_sending(idp, "DEVELOPER")
    for n in range(3):  # Amazon SES (DEVELOPER) has its own, larger quotas
        _invite(idp, ses, f"ses{n}@example.com")


def test_an_invitation_template_with_cognito_default_is_accepted(sandbox: Any) -> None:
    """Terraform's acceptance tests set InviteMessageTemplate on a COGNITO_DEFAULT pool against real AWS
    (TestAccCognitoIDPUserPool_withAdminCreateUser): the API reference's "allowed only if DEVELOPER" is not
    enforced."""
    idp = sandbox.client("cognito-idp")
    template = {"EmailSubject": "Welcome", "EmailMessage": "{username} / {####} at https://x.example"}
    pool = idp.create_user_pool(
        PoolName="p",
        EmailConfiguration={"EmailSendingAccount": "COGNITO_DEFAULT"},
        AdminCreateUserConfig={"InviteMessageTemplate": template},
    )["UserPool"]
    stored = idp.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]["AdminCreateUserConfig"]
    assert stored["InviteMessageTemplate"] == template


# -- 5. a work team's notification topic: kept when omitted, cleared by {} (assumed), "" refused ------------


def test_notification_configuration_rules(sandbox: Any, cognito_setup: Any) -> None:
    setup = cognito_setup(sandbox)
    sm = sandbox.client("sagemaker")
    topic = sandbox.client("sns").create_topic(Name="notify")["TopicArn"]
    sm.create_workteam(
        WorkteamName="t",
        MemberDefinitions=_members(setup),
        Description="d",
        NotificationConfiguration={"NotificationTopicArn": topic},
    )

    def topic_now() -> str | None:
        team = sm.describe_workteam(WorkteamName="t")["Workteam"]
        return (team.get("NotificationConfiguration") or {}).get("NotificationTopicArn")

    sm.update_workteam(WorkteamName="t", Description="omitted keeps it")  # Terraform's acceptance test
    assert topic_now() == topic
    for bad in ("", "not-an-arn"):
        with pytest.raises(ClientError) as refused:
            sm.update_workteam(WorkteamName="t", NotificationConfiguration={"NotificationTopicArn": bad})
        code, message = _error(refused)
        assert code == "ValidationException" and message.startswith("1 validation error detected: ")
        assert "notificationConfiguration.notificationTopicArn" in message
    assert topic_now() == topic
    sm.update_workteam(WorkteamName="t", NotificationConfiguration={})  # the assumption gtops relies on
    assert topic_now() is None


# -- 7. smaller ones ---------------------------------------------------------------------------------------


def test_list_users_status_filter_is_case_insensitive(sandbox: Any) -> None:
    idp = sandbox.client("cognito-idp")
    pool = _pool_sending(idp, "DEVELOPER")
    _invite(idp, pool, "a@example.com", MessageAction="SUPPRESS")

    def matches(filt: str) -> list[str]:
        users = idp.list_users(UserPoolId=pool, Filter=filt)["Users"]
        return [a["Value"] for u in users for a in u["Attributes"] if a["Name"] == "email"]

    for value in ("FORCE_CHANGE_PASSWORD", "force_change_password", "Force_Change_Password"):
        assert matches(f'cognito:user_status = "{value}"') == ["a@example.com"], value
    assert matches('cognito:user_status ^= "force"') == ["a@example.com"]
    assert matches('cognito:user_status = "confirmed"') == []
    assert matches('status = "enabled"') == []  # status stays case-sensitive
    assert matches('status = "Enabled"') == ["a@example.com"]
