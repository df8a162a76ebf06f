"""IAM roles keep their permissions boundary, in process and over loopback (gtops plans from it)."""

from __future__ import annotations

import json
from typing import Any

BOUNDARY = "arn:aws:iam::123456789012:policy/gtops-boundary"
OTHER = "arn:aws:iam::123456789012:policy/boundaries/other"
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "sagemaker.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


def _boundary(iam: Any, name: str) -> str | None:
    return (iam.get_role(RoleName=name)["Role"].get("PermissionsBoundary") or {}).get(
        "PermissionsBoundaryArn"
    )


def test_role_keeps_and_returns_its_permissions_boundary(sandbox: Any) -> None:
    iam = sandbox.client("iam")
    created = iam.create_role(
        RoleName="bounded", AssumeRolePolicyDocument=TRUST, PermissionsBoundary=BOUNDARY
    )
    assert created["Role"]["PermissionsBoundary"] == {
        "PermissionsBoundaryType": "PermissionsBoundaryPolicy",
        "PermissionsBoundaryArn": BOUNDARY,
    }
    assert _boundary(iam, "bounded") == BOUNDARY
    iam.create_role(RoleName="unbounded", AssumeRolePolicyDocument=TRUST)
    assert _boundary(iam, "unbounded") is None
    iam.put_role_permissions_boundary(RoleName="unbounded", PermissionsBoundary=OTHER)
    assert _boundary(iam, "unbounded") == OTHER
    details = iam.get_account_authorization_details(Filter=["Role"])["RoleDetailList"]
    by_name = {
        r["RoleName"]: (r.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn") for r in details
    }
    assert by_name == {"bounded": BOUNDARY, "unbounded": OTHER}
