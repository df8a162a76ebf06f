"""Checks before apply, end to end: the real `gtops plan` / `gtops apply` on the in-process sandbox, which
answers the reads the checks make (gtops/sandbox/preflight.py) as AWS does. Each test builds the situation a
user would be in, and asserts the reason and the fix they read, that nothing was written, and that
`--no-preflight` skips the check."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import boto3
import pytest

from tests.inprocess import run_main

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/service-role/LabelingRole"
from tests.sandbox.conftest import TRUST_SAGEMAKER  # noqa: E402

SETUP = """\
name: pf
region: us-east-1
pool:
  name: pfpool
  invitation: {subject: Hello, message: "user {username} password {####} at {portal_url}"}
groups: [{name: g1}]
client: {name: c1}
domain: pf-demo
workforce: {}
teams:
  - {name: t1, groups: [g1]}
"""

JOB = """\
jobs:
  - name: boxes
    task_type: bounding_box
    team: t1
    labels: [train, car]
    input: {{s3_prefix: "s3://{input}/images/"}}
    output: s3://{output}/out/
    role: {role}
{extra}"""


@pytest.fixture
def sandbox(inprocess_aws):
    return inprocess_aws


def client(service: str, region: str = "us-east-1"):
    return boto3.client(service, region_name=region)


def bucket(name: str, region: str = "us-east-1") -> None:
    where = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    client("s3", region).create_bucket(Bucket=name, **where)
    client("s3", region).put_object(Bucket=name, Key="images/a.png", Body=b"\x89PNG")


def role(trust: dict = TRUST_SAGEMAKER, name: str = "LabelingRole", path: str = "/service-role/") -> str:
    made = client("iam").create_role(RoleName=name, Path=path, AssumeRolePolicyDocument=json.dumps(trust))
    return str(made["Role"]["Arn"])


def spec(tmp_path: Path, body: str = "", setup: str = SETUP) -> Path:
    (tmp_path / "setup.yaml").write_text(setup + body)
    return tmp_path


def job_spec(
    tmp_path: Path, *, input: str = "data", output: str = "data", role: str = ROLE, extra: str = ""
) -> Path:
    return spec(tmp_path, JOB.format(input=input, output=output, role=role, extra=extra))


def nothing_written() -> bool:
    return client("cognito-idp").list_user_pools(MaxResults=10)["UserPools"] == []


def refused(path: Path, *needles: str, command: str = "plan") -> str:
    args = ("apply", str(path), "--auto-approve") if command == "apply" else ("plan", str(path))
    code, out, err = run_main(*args)
    assert code == 1, out + err
    assert "preflight found" in err and "nothing was changed" in err, err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in err, f"{needle!r} not in:\n{err}"
    assert "Fix: " in err
    assert nothing_written()
    return err


def passes(path: Path, *flags: str) -> tuple[str, str]:
    code, out, err = run_main("plan", str(path), *flags)
    assert code == 0, out + err
    return out, err


# --- labeling jobs ----------------------------------------------------------------------------------


def test_a_job_role_that_does_not_exist_stops_apply_before_the_first_write(sandbox, tmp_path):
    bucket("data")
    path = job_spec(tmp_path)
    err = refused(path, f"role {ROLE}: the role does not exist", "role: managed", command="apply")
    assert "Apply complete" not in err
    passes(path, "--no-preflight")


def test_a_job_role_sagemaker_may_not_assume_is_refused_with_the_trust_policy_to_set(sandbox, tmp_path):
    bucket("data")
    lambda_trust = json.loads(json.dumps(TRUST_SAGEMAKER))
    lambda_trust["Statement"][0]["Principal"]["Service"] = "lambda.amazonaws.com"
    role(lambda_trust)
    refused(job_spec(tmp_path), "does not let sagemaker.amazonaws.com assume it", "update-assume-role-policy")


def test_a_role_named_with_the_wrong_path_is_refused(sandbox, tmp_path):
    bucket("data")
    real = role(path="/")
    err = refused(job_spec(tmp_path), "no role has this ARN")
    assert f"name {real} in the spec" in err


def test_a_trusted_role_and_buckets_in_the_region_pass(sandbox, tmp_path):
    bucket("data")
    role()
    out, err = passes(job_spec(tmp_path))
    assert "preflight" not in out + err.replace("Note: preflight skipped the permission check", "")


def test_a_missing_bucket_is_refused_with_the_command_that_creates_it(sandbox, tmp_path):
    bucket("data")
    role()
    refused(job_spec(tmp_path, output="nowhere"), "s3://nowhere: the bucket does not exist", "aws s3 mb")


def test_input_in_another_region_is_refused_output_there_is_a_warning(sandbox, tmp_path):
    bucket("data")
    bucket("faraway", "eu-west-1")
    role()
    refused(job_spec(tmp_path, input="faraway"), "is in eu-west-1, not us-east-1, and holds input")
    # (gtops uploads the manifest, labels and template beside the output unless `assets:` says elsewhere)
    out, _ = passes(job_spec(tmp_path, output="faraway", extra="    assets: s3://data/assets/\n"))
    assert "the output bucket of job boxes is in eu-west-1" in out


def test_kms_keys_must_exist_be_enabled_and_symmetric(sandbox, tmp_path):
    bucket("data")
    role()
    kms = client("kms")
    good = kms.create_key()["KeyMetadata"]["KeyId"]
    off = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.disable_key(KeyId=off)
    signing = kms.create_key(KeyUsage="SIGN_VERIFY", KeySpec="RSA_2048")["KeyMetadata"]["KeyId"]
    elsewhere = client("kms", "eu-west-1").create_key()["KeyMetadata"]["Arn"]
    passes(job_spec(tmp_path, extra=f"    kms_key: {good}\n"))
    refused(job_spec(tmp_path, extra=f"    kms_key: {off}\n"), "the key is Disabled", "aws kms enable-key")
    refused(job_spec(tmp_path, extra=f"    kms_key: {signing}\n"), "symmetric encryption keys")
    refused(job_spec(tmp_path, extra=f"    kms_key: {elsewhere}\n"), "the key is in eu-west-1, not us-east-1")
    refused(job_spec(tmp_path, extra="    kms_key: alias/nope\n"), "KMS does not know this key")


CUSTOM = """\
jobs:
  - name: faces
    task_type: custom
    team: t1
    input: {{s3_prefix: "s3://data/images/"}}
    output: s3://data/out/
    role: {role}
    template: ui.liquid.html
    lambdas:
      pre: {pre}
      consolidation: {acs}
    title: Faces
    description: Find faces
"""


def test_a_task_lambda_named_by_arn_must_exist(sandbox, tmp_path):
    bucket("data")
    role()
    (tmp_path / "ui.liquid.html").write_text("<crowd-form><crowd-input name='x'></crowd-input></crowd-form>")
    lam = client("lambda")
    fn = lam.create_function(
        FunctionName="gt-pre",
        Runtime="python3.12",
        Role=role(name="LambdaRole", path="/", trust={**TRUST_SAGEMAKER}),
        Handler="index.handler",
        Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18},
    )["FunctionArn"]
    missing = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:gt-acs"
    path = spec(tmp_path, CUSTOM.format(role=ROLE, pre=fn, acs=missing))
    err = refused(path, f"Lambda {missing}: the function does not exist")
    assert f"Lambda {fn}:" not in err


# --- work teams, workers ------------------------------------------------------------------------------


def test_the_26th_work_team_of_a_region_is_refused(sandbox, tmp_path):
    idp = client("cognito-idp")
    pool = idp.create_user_pool(PoolName="other")["UserPool"]["Id"]
    app = idp.create_user_pool_client(UserPoolId=pool, ClientName="c")["UserPoolClient"]["ClientId"]
    idp.create_group(UserPoolId=pool, GroupName="g")
    sm = client("sagemaker")
    sm.create_workforce(
        WorkforceName="default",
        CognitoConfig={"UserPool": pool, "ClientId": app},
    )
    member = {"CognitoMemberDefinition": {"UserPool": pool, "UserGroup": "g", "ClientId": app}}
    for i in range(24):
        sm.create_workteam(WorkteamName=f"other-{i}", MemberDefinitions=[member], Description="x")
    teams = "  - {name: t2, groups: [g1]}\n"
    path = spec(tmp_path, teams)
    code, out, err = run_main("plan", str(path))
    assert code == 1, out + err
    assert "24 already" in err or "already has 24" in err, err
    assert "at most 25 work teams per account and Region" in err
    assert "Fix: delete work teams" in err
    (tmp_path / "setup.yaml").write_text(SETUP)  # one team more: 25, allowed
    code, out, err = run_main("plan", str(path))
    assert code == 0, err


def roster(tmp_path: Path, count: int, invitation: str = "email", email: str = "") -> Path:
    (tmp_path / "workers.csv").write_text(
        "email,groups\n" + "".join(f"w{i:03d}@example.com,g1\n" for i in range(count))
    )
    pool_email = f"  email: {email}\n" if email else ""
    setup = SETUP.replace("pool:\n  name: pfpool\n", "pool:\n  name: pfpool\n" + pool_email)
    return spec(tmp_path, f"members:\n  invitation: {invitation}\n  csv: workers.csv\n", setup)


def test_300_new_workers_through_cognitos_default_email_are_refused_with_the_fix(sandbox, tmp_path):
    err = refused(
        roster(tmp_path, 300),
        "cognito_user (300 new workers): the plan invites 300 workers by e-mail",
        "at most 50 messages a day per AWS account",
        "at least 250 would stay uninvited today",
        "sending_account: DEVELOPER",
        command="apply",
    )
    assert "members.invitation: suppress" in err
    passes(roster(tmp_path, 300, invitation="suppress"))


def test_more_than_half_the_daily_emails_is_a_warning(sandbox, tmp_path):
    out, _ = passes(roster(tmp_path, 30))
    assert "the plan invites 30 workers by e-mail, more than half" in out
    out, _ = passes(roster(tmp_path, 25))
    assert "invites" not in out


def test_ses_sending_lifts_the_email_limit(sandbox, tmp_path):
    identity = f"arn:aws:ses:us-east-1:{ACCOUNT}:identity/a@example.com"
    ses = f"{{sending_account: DEVELOPER, source_arn: '{identity}'}}"
    out, err = passes(roster(tmp_path, 300, email=ses))
    assert "invites" not in out + err


# --- permissions --------------------------------------------------------------------------------------


def as_user(monkeypatch, name: str, *policies: dict) -> str:
    iam = client("iam")
    arn = iam.create_user(UserName=name)["User"]["Arn"]
    for i, document in enumerate(policies):
        iam.put_user_policy(UserName=name, PolicyName=f"p{i}", PolicyDocument=json.dumps(document))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
    return str(arn)


def allow(actions: list[str] | str, resource: str = "*") -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": actions, "Resource": resource}],
    }


def generated_policy(path: Path) -> dict:
    code, out, err = run_main("iam-policy", str(path))
    assert code == 0, err
    return dict(json.loads(out))


def test_a_caller_without_the_permissions_is_refused_apply_and_warned_on_plan(sandbox, tmp_path, monkeypatch):
    path = spec(tmp_path)
    caller = as_user(monkeypatch, "reader", allow(["iam:SimulatePrincipalPolicy", "sts:GetCallerIdentity"]))
    out, _ = passes(path)
    assert f"caller {caller}: could not apply this plan" in out
    assert "cognito-idp:CreateUserPool" in out
    err = refused(path, f"caller {caller}: may not make", "cognito-idp:CreateUserPool", command="apply")
    assert "gtops iam-policy" in err


def test_a_caller_with_the_generated_policy_passes(sandbox, tmp_path, monkeypatch):
    path = spec(tmp_path)
    policy = generated_policy(path)
    as_user(monkeypatch, "deployer", policy, allow("iam:SimulatePrincipalPolicy"))
    out, err = passes(path)
    assert "preflight" not in out + err


def test_an_explicit_deny_is_found(sandbox, tmp_path, monkeypatch):
    path = spec(tmp_path)
    deny = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "sagemaker:CreateWorkteam", "Resource": "*"}],
    }
    as_user(monkeypatch, "denied", generated_policy(path), allow("iam:SimulatePrincipalPolicy"), deny)
    err = refused(path, "may not make 1 call this plan needs", "sagemaker:CreateWorkteam on", command="apply")
    assert "CreateUserPool" not in err


def test_a_caller_that_may_not_simulate_is_skipped_with_a_note(sandbox, tmp_path, monkeypatch):
    path = spec(tmp_path)
    as_user(monkeypatch, "plain", allow("cognito-idp:ListUserPools"))
    _, err = passes(path)
    assert "Note: preflight skipped the permission check: AccessDenied" in err
    assert "iam:SimulatePrincipalPolicy" in err


def test_an_assumed_role_is_simulated_as_its_role_found_by_name_when_it_has_a_path(
    sandbox, tmp_path, monkeypatch
):
    path = spec(tmp_path)
    arn = role(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "*"}],
        },
        name="Deployer",
        path="/ci/",
    )
    client("iam").put_role_policy(
        RoleName="Deployer",
        PolicyName="only-simulate",
        PolicyDocument=json.dumps(allow(["iam:SimulatePrincipalPolicy", "iam:GetRole"])),
    )
    creds = client("sts").assume_role(RoleArn=arn, RoleSessionName="ci-run")["Credentials"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", creds["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", creds["SecretAccessKey"])
    monkeypatch.setenv("AWS_SESSION_TOKEN", creds["SessionToken"])
    out, _ = passes(path)
    assert f"caller {arn}: could not apply this plan" in out


def test_an_empty_plan_makes_no_checks(sandbox, tmp_path):
    path = spec(tmp_path)
    assert run_main("apply", str(path), "--auto-approve")[0] == 0
    code, out, err = run_main("plan", str(path), "--detailed-exitcode")
    assert code == 0
    assert "preflight" not in err


def test_a_saved_plan_is_checked_again_when_applied(sandbox, tmp_path):
    bucket("data")
    role()
    path = job_spec(tmp_path)
    saved = tmp_path / "plan.json"
    code, out, err = run_main("plan", str(path), "--out", str(saved))
    assert code == 0, err
    client("iam").delete_role(RoleName="LabelingRole")
    code, out, err = run_main("apply", str(saved), "--auto-approve")
    assert code == 1
    assert "the role does not exist" in err
    assert nothing_written()


def test_the_check_text_names_the_rule(sandbox, tmp_path):
    """Every finding reads: subject, reason (with the AWS rule), then 'Fix:' and what to do."""
    bucket("data")
    err = refused(job_spec(tmp_path, output="nowhere"), "s3://nowhere")
    lines = [line.strip() for line in err.splitlines() if line.startswith("  ")]
    assert lines and all(": " in line and " Fix: " in line for line in lines), textwrap.indent(err, "| ")


def test_a_worker_pushed_past_100_groups_is_refused(sandbox, tmp_path):
    """Groups made outside the spec count too: gtops reads the worker's groups when the pool has over 100."""
    members = "members:\n  invitation: suppress\n  workers:\n    - {email: busy@example.com, groups: [g1]}\n"
    path = spec(tmp_path, members)
    assert run_main("apply", str(path), "--auto-approve")[0] == 0
    idp = client("cognito-idp")
    pool = idp.list_user_pools(MaxResults=10)["UserPools"][0]["Id"]
    user = idp.list_users(UserPoolId=pool)["Users"][0]["Username"]
    for i in range(98):  # the worker is in 99 groups
        idp.create_group(UserPoolId=pool, GroupName=f"elsewhere-{i}")
        idp.admin_add_user_to_group(UserPoolId=pool, Username=user, GroupName=f"elsewhere-{i}")
    more = SETUP.replace("groups: [{name: g1}]", "groups: [{name: g1}, {name: g2}, {name: g3}]")
    changed = spec(tmp_path, members.replace("[g1]", "[g1, g2, g3]"), more)
    code, out, err = run_main("plan", str(changed))
    assert code == 1, out + err
    assert "cognito_user.busy@example.com: the worker would be in 101 groups" in err, err
    assert "at most 100" in err and "Fix: take the worker out of groups" in err
    ok = spec(tmp_path, members.replace("[g1]", "[g1, g2]"), more)
    assert run_main("plan", str(ok))[0] == 0


def test_the_python_api_reports_the_same_problems_and_apply_stops_before_writing(sandbox, tmp_path):
    """Notebook users get the checks too: `plan.problems`, and apply raises before the first write."""
    import gtops
    from gtops.preflight import PreflightFailed

    bucket("data")
    setup = gtops.load(job_spec(tmp_path))
    plan = setup.plan()
    assert any(f"role {ROLE}: the role does not exist" in p and "Fix: " in p for p in plan.problems)
    assert setup.plan(preflight=False).problems == []
    with pytest.raises(PreflightFailed):
        setup.apply(approve=True)
    assert nothing_written()
