"""The notification topic's access policy: statements of the user's own, kept by Sid next to gtops's."""

from __future__ import annotations

import json
from pathlib import Path

from tests.inprocess import run_main

STACK = Path(__file__).resolve().parents[1] / "e2e" / "stack" / "setup.yaml"
OWN = """\
  policy_statements:
    - Sid: MonitoringSubscribes
      Effect: Allow
      Principal: {AWS: ["arn:aws:iam::210987654321:root"]}
      Action: [SNS:Subscribe, SNS:Receive]
"""


def _spec(tmp_path: Path, extra: str) -> Path:
    folder = tmp_path / "stack"
    folder.mkdir(exist_ok=True)
    text = STACK.read_text().replace(
        "  topic: AmazonSageMaker-label-notify\n", "  topic: AmazonSageMaker-label-notify\n" + extra
    )
    (folder / "setup.yaml").write_text(text)
    return folder


def _statements() -> dict:
    import boto3

    sns = boto3.client("sns", region_name="us-east-1")
    arn = "arn:aws:sns:us-east-1:123456789012:AmazonSageMaker-label-notify"
    policy = json.loads(sns.get_topic_attributes(TopicArn=arn)["Attributes"]["Policy"])
    return {s.get("Sid"): s for s in policy["Statement"]}


def test_own_policy_statements_are_applied_next_to_gtops_and_kept_in_sync(moto_cli, tmp_path):
    spec = _spec(tmp_path, OWN)
    code, out, err = run_main("apply", str(spec), "--auto-approve")
    assert code == 0, out + err
    statements = _statements()
    assert "GtopsSageMakerPublish" in statements  # SageMaker may still publish
    own = statements["MonitoringSubscribes"]
    assert own["Action"] == ["SNS:Subscribe", "SNS:Receive"]
    assert own["Resource"] == "arn:aws:sns:us-east-1:123456789012:AmazonSageMaker-label-notify"
    assert run_main("plan", str(spec), "--detailed-exitcode")[0] == 0

    # Changed in the spec: an in-place update of the topic, and only that statement changes.
    changed = _spec(tmp_path, OWN.replace("SNS:Receive", "SNS:GetTopicAttributes"))
    code, out, _ = run_main("plan", str(changed), "--format", "json")
    (change,) = [c for c in json.loads(out)["changes"] if c["address"].startswith("sns_topic.")]
    assert change["action"] == "update"
    assert run_main("apply", str(changed), "--auto-approve")[0] == 0
    statements = _statements()
    assert statements["MonitoringSubscribes"]["Action"] == ["SNS:Subscribe", "SNS:GetTopicAttributes"]
    assert "GtopsSageMakerPublish" in statements
    assert run_main("plan", str(changed), "--detailed-exitcode")[0] == 0


def test_bad_policy_statements_are_named_with_file_and_line(moto_cli, tmp_path):
    item = OWN.split("\n", 1)[1]
    bad = OWN + item.replace("MonitoringSubscribes", "GtopsSageMakerPublish") + item
    code, _, err = run_main("validate", str(_spec(tmp_path, bad)))
    assert code == 1
    assert "notifications.policy_statements[1].Sid: GtopsSageMakerPublish is gtops's own statement" in err
    assert "notifications.policy_statements[2].Sid: duplicate Sid 'MonitoringSubscribes'" in err
    code, _, err = run_main("validate", str(_spec(tmp_path, OWN.replace("SNS:Receive", "s3:GetObject"))))
    assert code == 1 and "setup.yaml:" in err and "policy_statements[0].Action" in err
    assert "Traceback" not in err
