"""A work team's worker access (presigned URLs bound to the worker's IP): planned, applied, read, exported.

A field added to one kind's module only (gtops/kinds/workteam.py) and the generated schema."""

from __future__ import annotations

import json
from pathlib import Path

from tests.inprocess import run_main

STACK = Path(__file__).resolve().parents[1] / "e2e" / "stack" / "setup.yaml"


def _spec(tmp_path: Path, access: str) -> Path:
    folder = tmp_path / "stack"
    folder.mkdir(exist_ok=True)
    text = STACK.read_text().replace(
        "    notifications: true", f"    notifications: true\n    worker_access: {access}"
    )
    (folder / "setup.yaml").write_text(text)
    return folder


def _constraints() -> dict:
    import boto3

    team = boto3.client("sagemaker", region_name="us-east-1").describe_workteam(WorkteamName="test2")[
        "Workteam"
    ]
    return team["WorkerAccessConfiguration"]["S3Presign"]["IamPolicyConstraints"]


def test_worker_access_is_applied_read_back_and_changed_in_place(moto_cli, tmp_path):
    spec = _spec(tmp_path, "{source_ip: true}")
    code, out, err = run_main("apply", str(spec), "--auto-approve")
    assert code == 0, out + err
    assert _constraints() == {"SourceIp": "Enabled", "VpcSourceIp": "Disabled"}
    assert run_main("plan", str(spec), "--detailed-exitcode")[0] == 0

    changed = _spec(tmp_path, "{source_ip: false, vpc_source_ip: true}")
    code, out, _ = run_main("plan", str(changed), "--format", "json")
    (change,) = [c for c in json.loads(out)["changes"] if c["address"] == "sagemaker_workteam.test2"]
    assert change["action"] == "update"
    assert {f["path"] for f in change["fields"]} == {"worker_access.source_ip", "worker_access.vpc_source_ip"}
    assert run_main("apply", str(changed), "--auto-approve")[0] == 0
    assert _constraints() == {"SourceIp": "Disabled", "VpcSourceIp": "Enabled"}


def test_worker_access_is_exported(moto_cli, tmp_path):
    assert run_main("apply", str(_spec(tmp_path, "{vpc_source_ip: true}")), "--auto-approve")[0] == 0
    code, out, err = run_main("export", "--pool", "LabelUserPool")
    assert code == 0, err
    assert "  worker_access:\n    source_ip: false\n    vpc_source_ip: true\n" in out


def test_a_team_without_worker_access_leaves_it_alone(moto_cli, tmp_path):
    folder = tmp_path / "plain"
    folder.mkdir()
    (folder / "setup.yaml").write_text(STACK.read_text())
    assert run_main("apply", str(folder), "--auto-approve")[0] == 0
    import boto3

    sm = boto3.client("sagemaker", region_name="us-east-1")
    sm.update_workteam(
        WorkteamName="test2",
        WorkerAccessConfiguration={"S3Presign": {"IamPolicyConstraints": {"SourceIp": "Enabled"}}},
    )
    assert run_main("plan", str(folder), "--detailed-exitcode")[0] == 0  # unmanaged: no drift
