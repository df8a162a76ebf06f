"""`gtops destroy` on the sandbox: protected resources need --force; deletes go in reverse order."""

from __future__ import annotations

import pytest

from tests.gitops.conftest import gtops_ok, run_aws, run_gtops

pytestmark = pytest.mark.e2e


def test_destroy_refuses_protected_without_force_then_removes_in_order(env, stack):
    gtops_ok(env, "apply", str(stack), "--auto-approve")
    refused = run_gtops(env, "destroy", str(stack), "--auto-approve")
    assert refused.returncode == 1
    assert (
        "cognito_user_pool.LabelUserPool" in refused.stderr
        and "sagemaker_workforce.default" in refused.stderr
    )
    assert "--force" in refused.stderr
    assert len(run_aws(env, "sagemaker", "list-workteams")["Workteams"]) == 1  # nothing deleted

    no_tty = run_gtops(env, "destroy", str(stack), "--force")
    assert no_tty.returncode == 1 and "refusing to destroy without a terminal" in no_tty.stderr

    done = run_gtops(env, "destroy", str(stack), "--force", "--auto-approve")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Plan: 0 to add, 0 to change, 7 to destroy." in done.stdout
    assert "Destroy complete! Resources: 0 added, 0 changed, 7 destroyed." in done.stdout
    order = [line.split(":")[0] for line in done.stderr.splitlines() if line.endswith("Destroying...")]
    assert order.index("sagemaker_workteam.test2") < order.index("sagemaker_workforce.default")
    assert order.index("cognito_user_pool_domain.label-workteam") < order.index(
        "cognito_user_pool.LabelUserPool"
    )
    assert run_aws(env, "cognito-idp", "list-user-pools", "--max-results", "60")["UserPools"] == []
    assert run_aws(env, "sagemaker", "list-workteams")["Workteams"] == []
    assert run_aws(env, "sagemaker", "list-workforces")["Workforces"] == []
    assert run_aws(env, "sns", "list-topics")["Topics"] == []
    again = run_gtops(env, "destroy", str(stack), "--auto-approve")
    assert again.returncode == 0 and "No changes." in again.stdout
