"""Helpers to plan and apply rosters on the in-process sandbox, and to read Cognito back."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any


def aws():
    from gtops.aws import Aws
    from gtops.settings import Settings

    return Aws(Settings(), "us-east-1")


def setup(data: dict):
    """The typed setup of a spec written as data (what gtops.spec.load_spec gives as `spec.setup`)."""
    from gtops.setup import Setup

    return Setup.from_data(data)


def plan(data: dict, client=None):
    from gtops.engine import compute

    return compute(SimpleNamespace(setup=setup(data)), client or aws())


def apply(data: dict, log=None):
    """Plan then apply (with the safety brake released), returning (planned, report)."""
    from gtops.engine import apply as run

    planned = plan(data)
    return planned, run(planned, log=log)


SES_IDENTITY = "arn:aws:ses:us-east-1:123456789012:identity/labels@example.com"


def stack(workers: list[dict], prune: bool = False, groups=("g1", "g2", "g3"), **extra) -> dict:
    data: dict[str, Any] = {
        "name": "demo",
        "region": "us-east-1",
        # Invitations at scale go through Amazon SES: Cognito's default e-mail stops at 50 a day per account.
        "pool": {
            "name": "LabelUserPool",
            "sign_in": "email",
            "case_sensitive": False,
            "email": {"sending_account": "DEVELOPER", "source_arn": SES_IDENTITY},
        },
        "groups": [{"name": g} for g in groups],
        "members": {"invitation": "email", "workers": workers},
        "prune": {"members": prune},
        "safety": {"max_worker_change": 0.3, "min_workers": 10},
    }
    data.update(extra)
    return data


def worker(email: str, groups=("g1",), enabled=True, attributes=None, **kw) -> dict:
    attrs = dict(attributes or {})
    return {"email": email, "groups": list(groups), "enabled": enabled, "attributes": attrs, **kw}


def idp():
    import boto3

    return boto3.client("cognito-idp", region_name="us-east-1")


def pool_id() -> str:
    pools = idp().list_user_pools(MaxResults=60)["UserPools"]
    return next(p["Id"] for p in pools if p["Name"] == "LabelUserPool")


def users() -> dict[str, dict]:
    """lower-cased e-mail -> {username, enabled, status, attrs, groups} straight from Cognito."""
    client, pid = idp(), pool_id()
    out: dict[str, dict] = {}
    for page in client.get_paginator("list_users").paginate(UserPoolId=pid):
        for u in page["Users"]:
            attrs = {a["Name"]: a["Value"] for a in u["Attributes"]}
            out[attrs["email"].lower()] = {
                "username": u["Username"],
                "enabled": u["Enabled"],
                "status": u["UserStatus"],
                "attrs": attrs,
                "groups": set(),
            }
    by_username = {v["username"]: v for v in out.values()}
    for g in client.get_paginator("list_groups").paginate(UserPoolId=pid):
        for group in g["Groups"]:
            for page in client.get_paginator("list_users_in_group").paginate(
                UserPoolId=pid, GroupName=group["GroupName"]
            ):
                for u in page["Users"]:
                    by_username[u["Username"]]["groups"].add(group["GroupName"])
    return out
