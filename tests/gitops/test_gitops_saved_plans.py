"""Saved plans on the sandbox, through the real command: stale plans are refused, naming what moved."""

from __future__ import annotations

import json

import pytest

from tests.gitops.conftest import gtops_ok, pool_id, run_aws, run_gtops

pytestmark = pytest.mark.e2e


def test_saved_plan_applies_once_and_holds_no_secret(env, stack, tmp_path):
    plan_file = tmp_path / "plan.json"
    proc = gtops_ok(env, "plan", str(stack), "--out", str(plan_file))
    assert "Plan: 9 to add" in proc.stdout
    saved = json.loads(plan_file.read_text())
    assert saved["fingerprints"]["sagemaker_workteam.test2"] == "absent"
    assert saved["spec"]["files"] and saved["previous_plan"] is None

    first = run_gtops(env, "apply", str(plan_file), "--auto-approve")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "Apply complete! Resources: 9 added" in first.stdout

    second = run_gtops(env, "apply", str(plan_file), "--auto-approve")
    assert second.returncode == 1
    assert f"plan {saved['plan_id']}" in second.stderr and "already been applied" in second.stderr

    # A plan over the live setup carries no secret: the client secret appears nowhere in the file.
    pid = pool_id(env)
    (client,) = run_aws(env, "cognito-idp", "list-user-pool-clients", "--user-pool-id", pid)[
        "UserPoolClients"
    ]
    secret = run_aws(
        env,
        "cognito-idp",
        "describe-user-pool-client",
        "--user-pool-id",
        pid,
        "--client-id",
        client["ClientId"],
    )["UserPoolClient"]["ClientSecret"]
    again = tmp_path / "again.json"
    gtops_ok(env, "plan", str(stack), "--out", str(again))
    assert secret not in again.read_text()
    assert json.loads(again.read_text())["previous_plan"] == saved["plan_id"]


def test_live_change_after_planning_is_refused_naming_the_resource(env, stack, tmp_path):
    gtops_ok(env, "apply", str(stack), "--auto-approve")
    spec = stack / "setup.yaml"
    spec.write_text(spec.read_text().replace("description: labelTeam", "description: trains and cars team"))
    plan_file = tmp_path / "plan.json"
    gtops_ok(env, "plan", str(stack), "--out", str(plan_file))

    run_aws(
        env, "cognito-idp", "update-group", "--user-pool-id", pool_id(env),
        "--group-name", "Label-group", "--description", "changed by hand",
    )  # fmt: skip
    proc = run_gtops(env, "apply", str(plan_file), "--auto-approve")
    assert proc.returncode == 1
    assert "AWS changed since plan" in proc.stderr
    assert "cognito_user_group.Label-group changed" in proc.stderr
    # Nothing was applied: the team keeps its old description.
    team = run_aws(env, "sagemaker", "describe-workteam", "--workteam-name", "test2")["Workteam"]
    assert team["Description"] == "labelTeam"


def test_spec_edited_after_planning_is_refused_naming_the_file(env, stack, tmp_path):
    plan_file = tmp_path / "plan.json"
    gtops_ok(env, "plan", str(stack), "--out", str(plan_file))
    spec = stack / "setup.yaml"
    spec.write_text(spec.read_text().replace("description: labelTeam", "description: edited after plan"))
    proc = run_gtops(env, "apply", str(plan_file), "--auto-approve")
    assert proc.returncode == 1
    assert "the spec changed since plan" in proc.stderr and "setup.yaml (edited)" in proc.stderr
    assert run_aws(env, "sagemaker", "list-workteams")["Workteams"] == []


def test_another_apply_in_between_makes_a_saved_plan_stale(env, stack, tmp_path):
    """Two plans from the same state: once one is applied, the other is refused (the marker moved)."""
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    gtops_ok(env, "plan", str(stack), "--out", str(a))
    gtops_ok(env, "plan", str(stack), "--out", str(b))
    gtops_ok(env, "apply", str(a), "--auto-approve")
    proc = run_gtops(env, "apply", str(b), "--auto-approve")
    assert proc.returncode == 1
    saved_a = json.loads(a.read_text())["plan_id"]
    assert f"another apply (plan {saved_a}) has run" in proc.stderr
