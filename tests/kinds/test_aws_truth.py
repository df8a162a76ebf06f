"""gtops against the stricter sandbox: what gtops does where AWS refuses, waits or differs (the "AWS truth"
issue). Each test runs the real entry point in this process on the in-process sandbox."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import boto3
import pytest

from tests.inprocess import run_main

STACK = Path(__file__).resolve().parents[1] / "e2e" / "stack" / "setup.yaml"


def _write(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "setup.yaml").write_text(text)
    return folder


def _apply(folder: Path, *extra: str) -> tuple[int, str, str]:
    return run_main("apply", str(folder), "--auto-approve", *extra)


# -- 1. team updates run before the deletes of the groups they drop -----------------------------------------

TWO_GROUPS = (
    STACK.read_text()
    .replace(
        "groups:\n  - name: Label-group\n    description: Train and car labelers\n",
        "groups:\n  - name: Label-group\n    description: Train and car labelers\n  - name: Old-group\n",
    )
    .replace("    groups: [Label-group]\n", "    groups: [Label-group, Old-group]\n")
)
ONE_GROUP = STACK.read_text() + "prune:\n  groups: true\n"


def _groups() -> list[str]:
    idp = boto3.client("cognito-idp", region_name="us-east-1")
    (pool,) = idp.list_user_pools(MaxResults=60)["UserPools"]
    return sorted(g["GroupName"] for g in idp.list_groups(UserPoolId=pool["Id"])["Groups"])


def test_a_pruned_group_is_deleted_after_the_team_stops_using_it(moto_cli, tmp_path):
    assert TWO_GROUPS != STACK.read_text()
    code, out, err = _apply(_write(tmp_path / "two", TWO_GROUPS))
    assert code == 0, out + err
    assert _groups() == ["Label-group", "Old-group"]

    code, out, err = _apply(_write(tmp_path / "one", ONE_GROUP))
    assert code == 0, out + err
    assert _groups() == ["Label-group"]
    team = boto3.client("sagemaker", region_name="us-east-1").describe_workteam(WorkteamName="test2")
    groups = [m["CognitoMemberDefinition"]["UserGroup"] for m in team["Workteam"]["MemberDefinitions"]]
    assert groups == ["Label-group"]


def test_deleting_the_group_first_is_what_aws_refuses(moto_cli, tmp_path, monkeypatch):
    """Without the ordering rule the group's delete runs before the team's update, and the sandbox refuses
    it as AWS does: the ordering is what makes prune.groups work."""
    import gtops.kinds as kinds

    assert _apply(_write(tmp_path / "two", TWO_GROUPS))[0] == 0
    group_kind = kinds.BY_NAME["cognito_user_group"]
    unordered = dataclasses.replace(group_kind, delete_after_updates_unless=None)
    monkeypatch.setitem(kinds.BY_NAME, "cognito_user_group", unordered)
    code, out, err = _apply(_write(tmp_path / "one", ONE_GROUP))
    assert code == 1
    assert "failed:  cognito_user_group.Old-group: InvalidParameterException" in out + err
    assert "work team(s) test2" in out + err
    assert _groups() == ["Label-group", "Old-group"]


@pytest.fixture(autouse=True)
def _region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


# -- 2. MFA as AWS takes it: a factor, set through SetUserPoolMfaConfig -------------------------------------


def _pool_mfa() -> tuple[str, dict]:
    idp = boto3.client("cognito-idp", region_name="us-east-1")
    (pool,) = idp.list_user_pools(MaxResults=60)["UserPools"]
    described = idp.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]
    return described["MfaConfiguration"], idp.get_user_pool_mfa_config(UserPoolId=pool["Id"])


def _with_mfa(mfa: str) -> str:
    return STACK.read_text().replace("  sign_in: email\n", f"  sign_in: email\n  mfa: {mfa}\n")


def test_mfa_optional_on_a_new_pool_is_set_with_totp(moto_cli, tmp_path):
    folder = _write(tmp_path / "s", _with_mfa("optional"))
    code, out, err = _apply(folder)
    assert code == 0, out + err
    mode, config = _pool_mfa()
    assert mode == "OPTIONAL"
    assert config["SoftwareTokenMfaConfiguration"] == {"Enabled": True}
    assert run_main("plan", str(folder), "--detailed-exitcode")[0] == 0


def test_mfa_turned_on_later_from_off(moto_cli, tmp_path):
    assert _apply(_write(tmp_path / "off", _with_mfa("off")))[0] == 0
    assert _pool_mfa()[0] == "OFF"
    folder = _write(tmp_path / "on", _with_mfa("{mode: on, totp: true}"))
    code, out, err = run_main("plan", str(folder))
    assert code == 0 and "~ mfa.mode" in out and '"off" -> "on"' in out, out + err
    code, out, err = _apply(folder)
    assert code == 0, out + err
    assert _pool_mfa()[0] == "ON"
    assert run_main("plan", str(folder), "--detailed-exitcode")[0] == 0
    # ... and off again: the mode only (AWS refuses OFF together with a factor).
    assert _apply(_write(tmp_path / "off2", _with_mfa("off")))[0] == 0
    assert _pool_mfa()[0] == "OFF"


def test_mfa_by_sms_names_the_role_cognito_assumes(moto_cli, tmp_path):
    role = "arn:aws:iam::123456789012:role/cognito-sms"
    folder = _write(tmp_path / "s", _with_mfa(f"{{mode: on, sms: {{role_arn: '{role}', external_id: lab}}}}"))
    code, out, err = _apply(folder)
    assert code == 0, out + err
    mode, config = _pool_mfa()
    assert mode == "ON"
    assert config["SmsMfaConfiguration"]["SmsConfiguration"] == {"SnsCallerArn": role, "ExternalId": "lab"}
    assert run_main("plan", str(folder), "--detailed-exitcode")[0] == 0
    code, out, _ = run_main("iam-policy", str(folder), "--account", "123456789012")
    assert code == 0
    sms = [s for s in __import__("json").loads(out)["Statement"] if s["Sid"] == "PassSmsRoleToCognito"]
    assert sms and sms[0]["Resource"] == role
    assert sms[0]["Condition"] == {"StringEquals": {"iam:PassedToService": "cognito-idp.amazonaws.com"}}


@pytest.mark.parametrize(
    ("mfa", "message"),
    [
        ("{mode: optional}", "pool.mfa: mode optional needs a factor: totp: true"),
        ("{mode: on, totp: false}", "pool.mfa: mode on needs a factor"),
        ("{mode: off, totp: true}", "pool.mfa.totp: mode off takes no factor"),
        ("{mode: on, totp: true, sms: {role_arn: nope}}", "pool.mfa.sms.role_arn: 'nope' is not valid"),
        ("sometimes", "pool.mfa: must be one of off, optional, on"),
    ],
)
def test_mfa_aws_would_refuse_is_refused_at_validate(tmp_path, mfa, message):
    folder = _write(tmp_path / "s", _with_mfa(mfa))
    code, _, err = run_main("validate", str(folder))
    assert code == 1
    assert "setup.yaml:9:" in err and message in err, err


# -- 3. workforce states: gtops waits, and a forced rename converges in one apply ----------------------------


def _portal_everywhere() -> tuple[str, list[str], str]:
    sm = boto3.client("sagemaker", region_name="us-east-1")
    idp = boto3.client("cognito-idp", region_name="us-east-1")
    (wf,) = sm.list_workforces()["Workforces"]
    (pool,) = idp.list_user_pools(MaxResults=60)["UserPools"]
    (client,) = idp.list_user_pool_clients(UserPoolId=pool["Id"])["UserPoolClients"]
    described = idp.describe_user_pool_client(UserPoolId=pool["Id"], ClientId=client["ClientId"])
    invite = idp.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]["AdminCreateUserConfig"]
    return (
        wf["SubDomain"],
        described["UserPoolClient"]["CallbackURLs"],
        invite["InviteMessageTemplate"]["EmailMessage"],
    )


class ShortPolls:
    """gtops's workforce polling, with 20 ms between polls instead of its 2 s and more."""

    def __init__(self, time):
        self._time = time

    def __getattr__(self, name):
        return getattr(self._time, name)

    def sleep(self, seconds):
        self._time.sleep(0.02)


@pytest.fixture
def slow_workforce(moto_cli, monkeypatch):
    """Workforce transitions take half a second in the sandbox (time, as on AWS); gtops polls briskly."""
    import time

    import gtops.kinds.sagemaker as shared

    monkeypatch.setattr(shared, "time", ShortPolls(time))
    moto_cli.configure(workforce_seconds=0.5)
    return moto_cli


@pytest.mark.slow
def test_a_forced_workforce_rename_converges_in_one_apply(slow_workforce, tmp_path):
    code, out, err = _apply(_write(tmp_path / "first", STACK.read_text()))
    assert code == 0, out + err
    assert "sagemaker_workforce.default: Still initializing..." in err
    old, _, _ = _portal_everywhere()

    renamed = _write(
        tmp_path / "renamed", STACK.read_text().replace("  name: default\n", "  name: renamed\n")
    )
    code, out, _ = run_main("plan", str(renamed))
    assert "# sagemaker_workforce.renamed must be replaced" in out, out
    assert "# cognito_client_oauth.labelclient will be updated in-place" in out, out
    assert "# cognito_invitation.LabelUserPool will be updated in-place" in out, out

    code, out, err = _apply(renamed, "--force")
    assert code == 0, out + err  # no "apply did not converge"
    assert "sagemaker_workforce.default: Still deleting..." in err
    new, callbacks, invite = _portal_everywhere()
    assert new != old
    assert callbacks == [f"https://{new}/oauth2/idpresponse"]
    assert f"https://{new}" in invite and old not in invite
    assert run_main("plan", str(renamed), "--detailed-exitcode")[0] == 0


def test_an_update_waits_for_the_workforce_to_settle(slow_workforce, tmp_path):
    assert _apply(_write(tmp_path / "first", STACK.read_text()))[0] == 0
    moved = STACK.read_text().replace("203.0.113.0/24", "198.51.100.0/24")
    code, out, err = _apply(_write(tmp_path / "moved", moved))
    assert code == 0, out + err
    assert "sagemaker_workforce.default: Still updating..." in err
    (wf,) = boto3.client("sagemaker", region_name="us-east-1").list_workforces()["Workforces"]
    assert wf["Status"] == "Active" and wf["SourceIpConfig"]["Cidrs"] == ["198.51.100.0/24"]


# -- 6. Cognito's default e-mail: the invitation template is accepted; 50 e-mails a day ---------------------

WORKERS = "members:\n  invitation: email\n  workers:\n" + "".join(
    f"    - {{email: w{n}@example.com, groups: [Label-group]}}\n" for n in range(3)
)


def test_the_daily_email_quota_stops_with_the_reason_and_the_next_apply_finishes(moto_cli, tmp_path):
    moto_cli.configure(daily_emails=2)
    folder = _write(tmp_path / "s", STACK.read_text() + WORKERS)
    assert run_main("validate", str(folder))[0] == 0  # the invitation template with COGNITO_DEFAULT is fine
    code, out, err = _apply(folder)
    assert code == 1
    assert "Cognito's daily e-mail quota is used up" in out + err
    assert "pool.email.sending_account: DEVELOPER" in out + err
    idp = boto3.client("cognito-idp", region_name="us-east-1")
    (pool,) = idp.list_user_pools(MaxResults=60)["UserPools"]
    assert len(idp.list_users(UserPoolId=pool["Id"])["Users"]) == 2
    moto_cli.configure(daily_emails=50)  # the next day
    assert _apply(folder)[0] == 0
    assert len(idp.list_users(UserPoolId=pool["Id"])["Users"]) == 3
    assert run_main("plan", str(folder), "--detailed-exitcode")[0] == 0


# -- 5. turning a team's notifications off: the one assumption, CLEAR_TOPIC ---------------------------------


def test_turning_notifications_off_clears_the_topic_and_plans_clean(moto_cli, tmp_path):
    from gtops.kinds.workteam import CLEAR_TOPIC

    assert CLEAR_TOPIC == {}  # README, sandbox rules: the assumption, in one place
    assert _apply(_write(tmp_path / "on", STACK.read_text()))[0] == 0
    sm = boto3.client("sagemaker", region_name="us-east-1")
    team = sm.describe_workteam(WorkteamName="test2")["Workteam"]
    assert team["NotificationConfiguration"]["NotificationTopicArn"].endswith(":AmazonSageMaker-label-notify")
    off = _write(tmp_path / "off", STACK.read_text().replace("notifications: true", "notifications: false"))
    code, out, err = _apply(off)
    assert code == 0, out + err
    assert not sm.describe_workteam(WorkteamName="test2")["Workteam"].get("NotificationConfiguration")
    assert run_main("plan", str(off), "--detailed-exitcode")[0] == 0
