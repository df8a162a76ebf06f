"""Secure defaults: what gtops creates from a spec that says nothing about security is locked down."""

from __future__ import annotations

import json

from rel_helpers import ACCOUNT, STACK, boto, gtops_inproc

MINIMAL = """\
name: minimal
region: us-east-1
notifications: {topic: minimal-notify}
pool:
  name: MinimalPool
  invitation: {subject: Hi, message: "user {username} password {####} at {portal_url}"}
groups: [{name: workers}]
client: {name: portal}
domain: minimal-setup
workforce: {}
teams: [{name: crew, groups: [workers]}]
"""
NO_IP_WARNING = "the workforce has no source_ips: the worker portal is reachable from any IP address"


def test_unspecified_security_settings_default_to_locked_down(inproc, tmp_path):
    (tmp_path / "setup.yaml").write_text(MINIMAL)
    plan = gtops_inproc("plan", str(tmp_path))
    assert plan.code == 0, plan.text
    assert NO_IP_WARNING in plan.text
    run = gtops_inproc("apply", str(tmp_path), "--auto-approve")
    assert run.code == 0, run.text
    assert NO_IP_WARNING in run.text

    idp, sm, sns = boto("cognito-idp"), boto("sagemaker"), boto("sns")
    (pool,) = idp.list_user_pools(MaxResults=60)["UserPools"]
    described = idp.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]
    assert described["DeletionProtection"] == "ACTIVE"
    assert described["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True

    (summary,) = idp.list_user_pool_clients(UserPoolId=pool["Id"], MaxResults=60)["UserPoolClients"]
    client = idp.describe_user_pool_client(UserPoolId=pool["Id"], ClientId=summary["ClientId"])
    client = client["UserPoolClient"]
    assert client["EnableTokenRevocation"] is True
    urls = client["CallbackURLs"] + client["LogoutURLs"]
    assert urls and all(u.startswith("https://") for u in urls)

    topic = f"arn:aws:sns:us-east-1:{ACCOUNT}:minimal-notify"
    policy = json.loads(sns.get_topic_attributes(TopicArn=topic)["Attributes"]["Policy"])
    sagemaker = [
        s for s in policy["Statement"] if s.get("Principal") == {"Service": "sagemaker.amazonaws.com"}
    ]
    assert len(sagemaker) == 1
    assert sagemaker[0]["Resource"] == topic
    assert sagemaker[0]["Condition"] == {
        "ArnLike": {"aws:SourceArn": f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:workteam/*"},
        "StringEquals": {"aws:SourceAccount": ACCOUNT},
    }
    team = sm.describe_workteam(WorkteamName="crew")["Workteam"]
    assert team["NotificationConfiguration"]["NotificationTopicArn"] == topic


def test_no_ip_warning_when_the_workforce_is_restricted(inproc):
    plan = gtops_inproc("plan", str(STACK))
    assert plan.code == 0, plan.text
    assert "source_ips" not in plan.err
