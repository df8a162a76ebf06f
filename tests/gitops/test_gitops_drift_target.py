"""`gtops drift` (report-only, exit codes, no mutating call) and `--target`, on the sandbox."""

from __future__ import annotations

import json
import re

import pytest

from tests.gitops.conftest import gtops_ok, plan_json, pool_id, run_aws, run_gtops

pytestmark = pytest.mark.e2e

READ_ONLY = re.compile(r"^\s*\d+\s+[a-z0-9-]+:(Describe|List|Get)[A-Za-z]*$")


def _team_description(env) -> str:
    return run_aws(env, "sagemaker", "describe-workteam", "--workteam-name", "test2")["Workteam"][
        "Description"
    ]


def test_drift_exit_codes_formats_and_no_mutation(env, stack):
    gtops_ok(env, "apply", str(stack), "--auto-approve")
    clean = run_gtops(env, "drift", str(stack))
    assert clean.returncode == 0, clean.stderr
    assert "No drift. AWS matches the spec." in clean.stdout

    run_aws(
        env, "sagemaker", "update-workteam", "--workteam-name", "test2", "--description", "edited by hand"
    )
    text = run_gtops(env, "drift", str(stack), "--stats")
    assert text.returncode == 2, text.stderr
    assert "# sagemaker_workteam.test2 has changed" in text.stdout
    assert '~ description = "labelTeam" -> "edited by hand"' in text.stdout
    # Every API call drift made was a read.
    calls = [line for line in text.stderr.splitlines() if re.match(r"^\s*\d+\s+\S+:\S+$", line)]
    assert calls and all(READ_ONLY.match(line) for line in calls), calls
    assert _team_description(env) == "edited by hand"

    doc = json.loads(run_gtops(env, "drift", str(stack), "--format", "json").stdout)
    (change,) = doc["changes"]
    assert change["address"] == "sagemaker_workteam.test2"
    assert change["fields"][0]["path"] == "description"
    # The same direction as the text: from what the spec says to what AWS has now.
    assert (change["fields"][0]["before"], change["fields"][0]["after"]) == ("labelTeam", "edited by hand")
    assert doc["drift"] is True and doc["summary"] == {"changed": 1, "deleted": 0, "created": 0}
    md = run_gtops(env, "drift", str(stack), "--format", "markdown")
    assert md.returncode == 2 and "gtops drift" in md.stdout and "sagemaker_workteam.test2" in md.stdout

    broken = run_gtops(env, "drift", str(stack / "missing.yaml"))
    assert broken.returncode == 1


def test_drift_reports_workers_added_by_hand(env, stack):
    spec = stack / "setup.yaml"
    roster = "members:\n  invitation: suppress\n  workers:\n    - {email: alice@example.com}"
    spec.write_text(spec.read_text() + roster + "\n")
    gtops_ok(env, "apply", str(stack), "--auto-approve")
    assert run_gtops(env, "drift", str(stack)).returncode == 0
    run_aws(
        env, "cognito-idp", "admin-create-user", "--user-pool-id", pool_id(env), "--username",
        "mallory@example.com", "--user-attributes", "Name=email,Value=mallory@example.com",
        "--message-action", "SUPPRESS",
    )  # fmt: skip
    proc = run_gtops(env, "drift", str(stack))
    assert proc.returncode == 2, proc.stderr
    assert "# cognito_user.mallory@example.com has been created outside gtops" in proc.stdout
    assert "alice@example.com" not in proc.stdout.split("Warning")[0]


def test_target_limits_plan_and_apply(env, stack):
    gtops_ok(env, "apply", str(stack), "--auto-approve")
    run_aws(
        env, "sagemaker", "update-workteam", "--workteam-name", "test2", "--description", "edited by hand"
    )
    run_aws(
        env, "cognito-idp", "update-group", "--user-pool-id", pool_id(env),
        "--group-name", "Label-group", "--description", "changed by hand",
    )  # fmt: skip

    only_group = run_gtops(env, "plan", str(stack), "--target", "cognito_user_group.Label-group")
    assert only_group.returncode == 0
    assert "Resource targeting is in effect" in only_group.stderr
    assert "cognito_user_group.Label-group will be updated" in only_group.stdout
    assert "sagemaker_workteam.test2" not in only_group.stdout

    # A team depends on its groups: targeting it brings the group along.
    team = plan_json(env, str(stack), "--target", "sagemaker_workteam.test2")
    assert {c["address"] for c in team["changes"]} == {
        "sagemaker_workteam.test2",
        "cognito_user_group.Label-group",
    }

    applied = run_gtops(
        env, "apply", str(stack), "--target", "cognito_user_group.Label-group", "--auto-approve"
    )
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "Resource targeting is in effect" in applied.stderr
    assert _team_description(env) == "edited by hand"  # not targeted: untouched
    rest = plan_json(env, str(stack))
    assert [c["address"] for c in rest["changes"]] == ["sagemaker_workteam.test2"]

    unknown = run_gtops(env, "plan", str(stack), "--target", "sagemaker_workteam.nope")
    assert unknown.returncode == 1 and "names nothing" in unknown.stderr
