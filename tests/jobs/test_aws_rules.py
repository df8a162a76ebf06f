"""gtops against what CreateLabelingJob refuses at once (the sandbox's gtops/sandbox/job_rules.py): validate
catches what it can from the spec alone, and an apply that AWS refuses stops with AWS's reason."""

from __future__ import annotations

import json

from tests.inprocess import run_main
from tests.jobs.conftest import BBOX_JOB

CUSTOM = """\
- name: faces
  task_type: custom
  team: t1
  labels: [eye, nose]
  input: {{folder: images}}
  output: s3://data-bucket/out/
  role: {role}
  template: ui.html
  lambdas: {{pre: "{pre}", consolidation: "{post}"}}
"""
FUNCTION = "arn:aws:lambda:{region}:123456789012:function:{name}"


def _custom(ws, role: str = "managed", region: str = "us-east-1") -> None:
    (ws.root / "ui.html").write_text('<crowd-form><crowd-input name="x"></crowd-input></crowd-form>\n')
    pre = FUNCTION.format(region=region, name="pre")
    post = FUNCTION.format(region="us-east-1", name="post")
    ws.write(CUSTOM.format(role=role, pre=pre, post=post))


def test_validate_refuses_a_lambda_of_another_region(workspace):
    _custom(workspace, region="eu-west-1")
    code, _, err = run_main("validate", str(workspace.root))
    assert code == 1
    assert "jobs.yaml:10:" in err and "jobs[0].lambdas.pre" in err, err
    assert "is in region eu-west-1; the job runs in us-east-1" in err
    _custom(workspace)
    assert run_main("validate", str(workspace.root))[0] == 0


def test_a_role_sagemaker_cannot_assume_stops_the_apply_with_aws_reason(workspace):
    ws = workspace
    trust = {
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ]
    }
    ws.client("iam").create_role(RoleName="wrong-trust", AssumeRolePolicyDocument=json.dumps(trust))
    ws.write(BBOX_JOB.replace("role: managed", "role: arn:aws:iam::123456789012:role/wrong-trust"))
    code, out, err = run_main("apply", str(ws.root), "--auto-approve")
    assert code == 1  # the check before apply sees it first, before any write
    assert "preflight found 1 problem" in err and "sagemaker.amazonaws.com" in err, err
    assert ws.client("cognito-idp").list_user_pools(MaxResults=10)["UserPools"] == []
    code, out, err = run_main("apply", str(ws.root), "--auto-approve", "--no-preflight")
    assert code == 1  # without the check, AWS's own refusal stops the apply at the job
    assert "labeling_job.boxes: ValidationException: Could not assume role" in out + err
    assert "allows principal 'sagemaker.amazonaws.com'" in out + err
    assert ws.client("sagemaker").list_labeling_jobs()["LabelingJobSummaryList"] == []
