"""The reads gtops's checks before apply make, answered as AWS answers them, in process and over loopback
(gtops/sandbox/preflight.py): the IAM policy simulator, HeadBucket's Region, KMS keys, other accounts'
Lambdas."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

ACCOUNT = "123456789012"
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _decisions(iam: Any, source: str, actions: list[str], resources: list[str], **extra: Any) -> dict:
    answer = iam.simulate_principal_policy(
        PolicySourceArn=source, ActionNames=actions, ResourceArns=resources, **extra
    )
    return {
        (r["EvalActionName"], one["EvalResourceName"]): one["EvalResourceDecision"]
        for r in answer["EvaluationResults"]
        for one in r["ResourceSpecificResults"]
    }


def test_the_simulator_evaluates_allow_deny_wildcards_and_boundaries(sandbox: Any) -> None:
    iam = sandbox.client("iam")
    arn = iam.create_role(RoleName="deployer", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    pool = f"arn:aws:cognito-idp:us-east-1:{ACCOUNT}:userpool/us-east-1_abc"
    iam.put_role_policy(
        RoleName="deployer",
        PolicyName="p",
        PolicyDocument=_policy(
            {"Effect": "Allow", "Action": "cognito-idp:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "cognito-idp:DeleteUserPool", "Resource": pool},
            {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::data/*"},
        ),
    )
    got = _decisions(
        iam,
        arn,
        ["cognito-idp:CreateGroup", "cognito-idp:DeleteUserPool", "s3:PutObject"],
        [pool, "arn:aws:s3:::data/x"],
    )
    assert got[("cognito-idp:CreateGroup", pool)] == "allowed"
    assert got[("cognito-idp:DeleteUserPool", pool)] == "explicitDeny"
    assert got[("s3:PutObject", "arn:aws:s3:::data/x")] == "allowed"
    assert got[("s3:PutObject", pool)] == "implicitDeny"

    # A permissions boundary caps what the role's own policies allow.
    boundary = iam.create_policy(
        PolicyName="cap", PolicyDocument=_policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})
    )["Policy"]["Arn"]
    iam.put_role_permissions_boundary(RoleName="deployer", PermissionsBoundary=boundary)
    got = _decisions(iam, arn, ["cognito-idp:CreateGroup", "s3:PutObject"], [pool, "arn:aws:s3:::data/x"])
    assert got[("cognito-idp:CreateGroup", pool)] == "implicitDeny"
    assert got[("s3:PutObject", "arn:aws:s3:::data/x")] == "allowed"


def test_the_simulator_reports_condition_keys_it_was_not_given(sandbox: Any) -> None:
    iam = sandbox.client("iam")
    arn = iam.create_user(UserName="passer")["User"]["Arn"]
    condition = {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}
    iam.put_user_policy(
        UserName="passer",
        PolicyName="p",
        PolicyDocument=_policy(
            {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*", "Condition": condition}
        ),
    )
    role = f"arn:aws:iam::{ACCOUNT}:role/r"
    answer = iam.simulate_principal_policy(
        PolicySourceArn=arn, ActionNames=["iam:PassRole"], ResourceArns=[role]
    )
    result = answer["EvaluationResults"][0]
    assert result["EvalDecision"] == "implicitDeny"
    assert result["MissingContextValues"] == ["iam:PassedToService"]
    context = [
        {
            "ContextKeyName": "iam:PassedToService",
            "ContextKeyValues": ["sagemaker.amazonaws.com"],
            "ContextKeyType": "string",
        }
    ]
    assert (
        _decisions(iam, arn, ["iam:PassRole"], [role], ContextEntries=context)[("iam:PassRole", role)]
        == "allowed"
    )


def test_the_simulator_refuses_a_session_arn_and_an_unknown_entity(sandbox: Any) -> None:
    iam = sandbox.client("iam")
    session = f"arn:aws:sts::{ACCOUNT}:assumed-role/deployer/ci"
    with pytest.raises(ClientError) as refused:
        iam.simulate_principal_policy(PolicySourceArn=session, ActionNames=["s3:GetObject"])
    assert refused.value.response["Error"]["Code"] == "InvalidInput"
    assert f"Invalid Entity Arn: {session}" in refused.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as missing:
        iam.simulate_principal_policy(
            PolicySourceArn=f"arn:aws:iam::{ACCOUNT}:role/nobody", ActionNames=["s3:GetObject"]
        )
    assert missing.value.response["Error"]["Code"] == "NoSuchEntity"


def test_head_bucket_tells_the_region_of_a_bucket_elsewhere(sandbox: Any) -> None:
    """AWS answers a HeadBucket signed for another Region with 301 and the bucket's Region; botocore then
    asks again there. Both requests are seen."""
    sandbox.client("s3", region_name="eu-west-1").create_bucket(
        Bucket="far", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    s3 = sandbox.client("s3")  # signed for us-east-1
    statuses: list[int] = []
    s3.meta.events.register(
        "needs-retry.s3.HeadBucket",
        lambda response, **_: statuses.append(response[0].status_code) if response else None,
    )
    answer = s3.head_bucket(Bucket="far")
    assert statuses[0] == 301
    assert answer["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"] == "eu-west-1"


def test_create_bucket_refuses_names_s3_refuses(sandbox: Any) -> None:
    """S3's naming rules (user guide), as gtops's validate applies them to a spec."""
    s3 = sandbox.client("s3")
    for name in ("Not_A_Bucket", "a..b", "ab", "192.168.5.4", "xn--bucket"):
        with pytest.raises(ClientError) as refused:
            s3.create_bucket(Bucket=name)
        assert refused.value.response["Error"]["Code"] == "InvalidBucketName", name
    s3.create_bucket(Bucket="my-labels.2026")
    assert "my-labels.2026" in {b["Name"] for b in s3.list_buckets()["Buckets"]}


def test_kms_keys_are_regional_and_default_to_encryption(sandbox: Any) -> None:
    key = sandbox.client("kms", region_name="eu-west-1").create_key()["KeyMetadata"]
    assert key["KeyUsage"] == "ENCRYPT_DECRYPT"
    with pytest.raises(ClientError) as elsewhere:
        sandbox.client("kms").describe_key(KeyId=key["Arn"])
    assert elsewhere.value.response["Error"]["Code"] == "NotFoundException"
    with pytest.raises(ClientError) as bad:
        sandbox.client("kms").describe_key(KeyId="arn:aws:s3:::not-a-key")
    assert bad.value.response["Error"]["Code"] == "InvalidArnException"


def test_another_accounts_lambda_is_access_denied(sandbox: Any) -> None:
    other = "arn:aws:lambda:us-east-1:432418664414:function:PRE-BoundingBox"
    with pytest.raises(ClientError) as denied:
        sandbox.client("lambda").get_function_configuration(FunctionName=other)
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"
    mine = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:missing"
    with pytest.raises(ClientError) as missing:
        sandbox.client("lambda").get_function_configuration(FunctionName=mine)
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"
