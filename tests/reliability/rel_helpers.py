"""Shared helpers: the real `gtops` command in process (on moto, or on a sandbox server under a process's
environment) or as a process (sandbox server), call recording, and a normalized dump of live state to compare
two setups."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.inprocess import gtops_here, run_main
from tests.sandbox_server import (
    control,  # noqa: F401  (re-exported for the suites)
    server_env,
)

REPO = Path(__file__).resolve().parents[2]
STACK = REPO / "tests" / "e2e" / "stack"
TRAINS = REPO / "specs" / "trains-and-cars"
FIXTURES = Path(__file__).parent / "fixtures"
ACCOUNT = "123456789012"
LAST_PLAN_TAG = "gtops:last-plan"


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


def gtops_inproc(*args: str) -> Run:
    """`gtops ARGS` in this process (for moto's in-process sandbox), output captured."""
    return Run(*run_main(*args))


def gtops_served(env: dict, *args: str, cwd: Path = REPO) -> Run:
    """`gtops ARGS` in this process, as a process started with `env` would run it (tests/inprocess.py)."""
    proc = gtops_here(env, *args, cwd=cwd)
    return Run(proc.returncode, proc.stdout, proc.stderr)


def gtops_proc(env: dict, *args: str, timeout: float = 300, cwd: Path = REPO) -> Run:
    proc = subprocess.run(
        [sys.executable, "-m", "gtops", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


def stats(url: str) -> dict:
    return json.loads(urllib.request.urlopen(f"{url}/_gtops/stats", timeout=10).read())


@dataclass
class Call:
    service: str
    operation: str
    params: dict[str, Any] = field(default_factory=dict)


class Recorder:
    """Every AWS API call any botocore client in this process makes (whoever built the client)."""

    def __init__(self) -> None:
        self.calls: list[Call] = []

    def install(self, monkeypatch) -> Recorder:
        from botocore.client import BaseClient

        original = BaseClient._make_api_call
        recorder = self

        def recording(client, operation_name, api_params):
            service = client.meta.service_model.service_name
            recorder.calls.append(Call(service, operation_name, dict(api_params)))
            return original(client, operation_name, api_params)

        monkeypatch.setattr(BaseClient, "_make_api_call", recording)
        return self

    def clear(self) -> None:
        self.calls = []

    def operations(self) -> set[str]:
        return {f"{c.service}:{c.operation}" for c in self.calls}


def boto(service: str, endpoint: str | None = None, region: str = "us-east-1"):
    import boto3

    return boto3.client(
        service,
        region_name=region,
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def create_demo_role(endpoint: str | None = None) -> str:
    """trains-and-cars' job role, trusted by SageMaker, as a user would have it (gtops checks before apply
    that a job's role exists and trusts SageMaker)."""
    from tests.sandbox.conftest import EXAMPLE_ROLE, ensure_role

    return ensure_role(boto("iam", endpoint), *EXAMPLE_ROLE)


def live_dump(endpoint: str | None = None, region: str = "us-east-1") -> dict[str, Any]:
    """The setup as AWS holds it, without ids, dates or generated values: two equal setups dump equal."""
    idp, sm, sns = (
        boto("cognito-idp", endpoint, region),
        boto("sagemaker", endpoint, region),
        boto("sns", endpoint, region),
    )
    out: dict[str, Any] = {"pools": {}, "topics": [], "workforces": [], "teams": {}}
    for pool in idp.list_user_pools(MaxResults=60)["UserPools"]:
        pid = pool["Id"]
        desc = idp.describe_user_pool(UserPoolId=pid)["UserPool"]
        keep = {
            k: desc.get(k)
            for k in (
                "Name",
                "Policies",
                "DeletionProtection",
                "AdminCreateUserConfig",
                "UsernameAttributes",
                "UsernameConfiguration",
                "MfaConfiguration",
                "EmailConfiguration",
                "UserPoolTags",
            )
        }
        keep["Domain"] = desc.get("Domain")
        # The id of the last applied plan differs between any two applies.
        keep["UserPoolTags"] = {
            k: v for k, v in (keep.get("UserPoolTags") or {}).items() if k != LAST_PLAN_TAG
        }
        groups = sorted(
            (g["GroupName"], g.get("Description")) for g in idp.list_groups(UserPoolId=pid)["Groups"]
        )
        clients = []
        for c in idp.list_user_pool_clients(UserPoolId=pid, MaxResults=60)["UserPoolClients"]:
            full = idp.describe_user_pool_client(UserPoolId=pid, ClientId=c["ClientId"])["UserPoolClient"]
            full = {
                k: v
                for k, v in full.items()
                if k not in ("ClientId", "ClientSecret", "UserPoolId", "CreationDate", "LastModifiedDate")
            }
            full["HasSecret"] = True
            clients.append(_strip_subdomain(full))
        users = []
        token = None
        while True:
            kwargs = {"UserPoolId": pid, "Limit": 60, **({"PaginationToken": token} if token else {})}
            page = idp.list_users(**kwargs)
            for u in page["Users"]:
                attrs = {a["Name"]: a["Value"] for a in u["Attributes"] if a["Name"] != "sub"}
                in_groups = sorted(
                    g["GroupName"]
                    for g in idp.admin_list_groups_for_user(UserPoolId=pid, Username=u["Username"])["Groups"]
                )
                users.append((attrs.get("email"), u["Enabled"], json.dumps(attrs, sort_keys=True), in_groups))
            token = page.get("PaginationToken")
            if not token:
                break
        keep = _strip_subdomain(keep)
        out["pools"][desc["Name"]] = {
            "pool": keep,
            "groups": groups,
            "clients": clients,
            "users": sorted(users),
        }
    for topic in sns.list_topics()["Topics"]:
        attrs = sns.get_topic_attributes(TopicArn=topic["TopicArn"])["Attributes"]
        out["topics"].append({"arn": topic["TopicArn"], "policy": json.loads(attrs.get("Policy") or "{}")})
    for wf in sm.list_workforces()["Workforces"]:
        out["workforces"].append(
            {"name": wf["WorkforceName"], "cidrs": (wf.get("SourceIpConfig") or {}).get("Cidrs")}
        )
    for team in sm.list_workteams()["Workteams"]:
        out["teams"][team["WorkteamName"]] = {
            "description": team.get("Description"),
            "groups": sorted(
                m["CognitoMemberDefinition"]["UserGroup"] for m in team.get("MemberDefinitions") or []
            ),
            "topic": (team.get("NotificationConfiguration") or {}).get("NotificationTopicArn"),
        }
    return out


def _strip_subdomain(value: Any) -> Any:
    """The portal host is generated per team; replace it so two applies compare equal."""
    text = json.dumps(value, sort_keys=True, default=str)
    import re

    text = re.sub(r"[a-z0-9]+\.labeling\.[a-z0-9-]+\.sagemaker\.aws", "<portal>", text)
    return json.loads(text)


def sandbox_env(url: str, tmp: Path) -> dict[str, str]:
    return server_env(url, tmp)
