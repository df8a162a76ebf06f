"""Issue-4 end to end: the real `gtops` command against a sandbox server, drift made with the AWS CLI.

The first apply and the verbose log run gtops as a process (tests/commands.py). The drift, interrupted-apply
and lost-answer tests are about what gtops does, so they run its entry point in this process under the same
environment (tests/inprocess.py), with retries that keep their attempts but not their backoff
(tests/no_backoff.py); the AWS CLI always runs as a process."""

from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import HERE, run_aws, run_gtops
from tests.inprocess import gtops_here
from tests.sandbox_server import control

pytestmark = pytest.mark.e2e

STACK = str(HERE / "stack")


def apply_ok(env, run=run_gtops) -> str:
    proc = run(env, "apply", STACK, "--auto-approve")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def pool_id(env) -> str:
    pools = run_aws(env, "cognito-idp", "list-user-pools", "--max-results", "60")["UserPools"]
    (pool,) = [p for p in pools if p["Name"] == "LabelUserPool"]
    return pool["Id"]


def describe_client(env, pid: str) -> dict:
    (listed,) = run_aws(env, "cognito-idp", "list-user-pool-clients", "--user-pool-id", pid)[
        "UserPoolClients"
    ]
    args = ("describe-user-pool-client", "--user-pool-id", pid, "--client-id", listed["ClientId"])
    return run_aws(env, "cognito-idp", *args)["UserPoolClient"]


@pytest.mark.slow
def test_apply_from_nothing_then_plan_is_empty(aws_env):
    out = apply_ok(aws_env)
    assert "Apply complete! Resources: 9 added, 0 changed, 0 destroyed." in out
    plan = run_gtops(aws_env, "plan", STACK, "--detailed-exitcode")
    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert "No changes. AWS matches the spec." in plan.stdout

    # What a worker needs really exists: portal URLs on the client, the portal in the invitation.
    pid = pool_id(aws_env)
    client = describe_client(aws_env, pid)
    team = run_aws(aws_env, "sagemaker", "describe-workteam", "--workteam-name", "test2")["Workteam"]
    assert client["CallbackURLs"] == [f"https://{team['SubDomain']}/oauth2/idpresponse"]
    assert client["LogoutURLs"] == [f"https://{team['SubDomain']}/logout"]
    assert client["AllowedOAuthFlowsUserPoolClient"] is True
    pool = run_aws(aws_env, "cognito-idp", "describe-user-pool", "--user-pool-id", pid)["UserPool"]
    invite = pool["AdminCreateUserConfig"]["InviteMessageTemplate"]["EmailMessage"]
    assert f"https://{team['SubDomain']}" in invite and "{username}" in invite and "{####}" in invite
    assert pool["DeletionProtection"] == "ACTIVE"
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True


def test_out_of_band_changes_show_as_drift_and_apply_converges(aws_env):
    apply_ok(aws_env, gtops_here)
    pid = pool_id(aws_env)
    run_aws(
        aws_env, "sagemaker", "update-workteam", "--workteam-name", "test2", "--description", "edited by hand"
    )
    client = describe_client(aws_env, pid)
    # A careful operator's full update that changes only the callback URL.
    update = {
        k: v for k, v in client.items() if k not in ("ClientSecret", "CreationDate", "LastModifiedDate")
    }
    update["CallbackURLs"] = ["https://example.com/callback"]
    run_aws(aws_env, "cognito-idp", "update-user-pool-client", "--cli-input-json", json.dumps(update))
    pool = run_aws(aws_env, "cognito-idp", "describe-user-pool", "--user-pool-id", pid)["UserPool"]
    policies = pool["Policies"]
    policies["PasswordPolicy"]["MinimumLength"] = 12
    run_aws(
        aws_env,
        "cognito-idp",
        "update-user-pool",
        "--user-pool-id",
        pid,
        "--policies",
        json.dumps(policies),
        "--deletion-protection",
        "ACTIVE",
        "--admin-create-user-config",
        json.dumps(
            {k: v for k, v in pool["AdminCreateUserConfig"].items() if k != "UnusedAccountValidityDays"}
        ),
        "--email-configuration",
        json.dumps(pool["EmailConfiguration"]),
        "--user-pool-tags",
        json.dumps(pool["UserPoolTags"]),
    )

    plan = gtops_here(aws_env, "plan", STACK, "--detailed-exitcode")
    assert plan.returncode == 2, plan.stdout + plan.stderr
    text = plan.stdout
    assert "Plan: 0 to add, 3 to change, 0 to destroy." in text
    assert '~ description = "edited by hand" -> "labelTeam"' in text
    assert "https://example.com/callback" in text
    assert "min_length" in text and "12 -> 8" in text

    machine = json.loads(gtops_here(aws_env, "plan", STACK, "--format", "json").stdout)
    changed = {c["address"]: [f["path"] for f in c["fields"]] for c in machine["changes"]}
    assert changed == {
        "cognito_user_pool.LabelUserPool": ["password_policy.min_length"],
        "sagemaker_workteam.test2": ["description"],
        "cognito_client_oauth.labelclient": ["callback_urls"],
    }

    out = apply_ok(aws_env, gtops_here)
    assert "0 added, 3 changed, 0 destroyed" in out
    again = gtops_here(aws_env, "plan", STACK, "--detailed-exitcode")
    assert again.returncode == 0, again.stdout


MUTATIONS = [
    "CreateTopic",
    "SetTopicAttributes",
    "CreateUserPool",
    "CreateGroup",
    "CreateUserPoolClient",
    "CreateUserPoolDomain",
    "CreateWorkforce",
    "CreateWorkteam",
    "UpdateUserPoolClient",
    "UpdateUserPool",
]


@pytest.mark.parametrize("operation", MUTATIONS)
def test_interrupted_apply_reports_and_rerun_converges_without_duplicates(aws_env, sandbox, operation):
    control(
        sandbox, "config", {"targets": [{"operation": operation, "nth": 1, "kind": "error", "count": 50}]}
    )
    first = gtops_here(aws_env, "apply", STACK, "--auto-approve")
    assert first.returncode == 1
    assert "failed:" in first.stdout and "Nothing was rolled back" in first.stdout
    assert "Traceback" not in first.stderr

    control(sandbox, "config", {"targets": []})
    apply_ok(aws_env, gtops_here)
    assert gtops_here(aws_env, "plan", STACK, "--detailed-exitcode").returncode == 0
    pools = run_aws(aws_env, "cognito-idp", "list-user-pools", "--max-results", "60")["UserPools"]
    assert [p["Name"] for p in pools] == ["LabelUserPool"]
    pid = pools[0]["Id"]
    clients = run_aws(aws_env, "cognito-idp", "list-user-pool-clients", "--user-pool-id", pid)[
        "UserPoolClients"
    ]
    assert len(clients) == 1
    teams = run_aws(aws_env, "sagemaker", "list-workteams")["Workteams"]
    assert [t["WorkteamName"] for t in teams] == ["test2"]
    topics = run_aws(aws_env, "sns", "list-topics")["Topics"]
    assert len(topics) == 1


@pytest.mark.parametrize("operation", ["CreateUserPool", "CreateUserPoolClient"])
def test_a_create_whose_answer_is_lost_is_not_made_twice(aws_env, sandbox, operation):
    """Cognito does not keep pool or client names unique: a blind retry would leave two."""
    control(sandbox, "config", {"targets": [{"operation": operation, "nth": 1, "kind": "lost"}]})
    apply_ok(aws_env, gtops_here)
    pools = run_aws(aws_env, "cognito-idp", "list-user-pools", "--max-results", "60")["UserPools"]
    assert [p["Name"] for p in pools] == ["LabelUserPool"]
    clients = run_aws(aws_env, "cognito-idp", "list-user-pool-clients", "--user-pool-id", pools[0]["Id"])
    assert [c["ClientName"] for c in clients["UserPoolClients"]] == ["labelclient"]
    assert gtops_here(aws_env, "plan", STACK, "--detailed-exitcode").returncode == 0


def test_verbose_logs_each_call_to_stderr_without_its_parameters(aws_env):
    apply_ok(aws_env)
    quiet = run_gtops(aws_env, "plan", STACK)
    loud = run_gtops(aws_env, "plan", STACK, "-v")
    assert loud.returncode == 0
    assert loud.stdout == quiet.stdout  # data on stdout only; the log goes to stderr
    assert "aws: cognito-idp:DescribeUserPoolClient -> HTTP 200" in loud.stderr
    assert "aws:" not in quiet.stderr
    assert "ClientSecret" not in loud.stderr and "labelclient" not in loud.stderr
