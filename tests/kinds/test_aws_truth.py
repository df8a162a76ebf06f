"""gtops against the stricter sandbox: what gtops does where AWS refuses, waits or differs (the "AWS truth"
issue). Each test runs the real entry point in this process on the in-process sandbox."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import boto3
import pytest

from tests.inprocess import run_main

STACK = Path(__file__).resolve().parents[1] / "e2e" / "stack" / "setup.yaml"


def _write(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "setup.yaml").write_text(text)
    return folder


def _apply(folder: Path, *extra: str) -> tuple[int, str, str]:
    return run_main("apply", str(folder), "--auto-approve", *extra)


# -- 1. team updates run before the deletes of the groups they drop -----------------------------------------

TWO_GROUPS = STACK.read_text().replace(
    "groups:\n  - name: Label-group\n    description: Train and car labelers\n",
    "groups:\n  - name: Label-group\n    description: Train and car labelers\n  - name: Old-group\n",
).replace("    groups: [Label-group]\n", "    groups: [Label-group, Old-group]\n")
ONE_GROUP = STACK.read_text() + "prune:\n  groups: true\n"


def _groups() -> list[str]:
    idp = boto3.client("cognito-idp", region_name="us-east-1")
    (pool,) = idp.list_user_pools(MaxResults=60)["UserPools"]
    return sorted(g["GroupName"] for g in idp.list_groups(UserPoolId=pool["Id"])["Groups"])


def test_a_pruned_group_is_deleted_after_the_team_stops_using_it(moto_cli, tmp_path):
    assert TWO_GROUPS != STACK.read_text()
    code, out, err = _apply(_write(tmp_path / "two", TWO_GROUPS))
    assert code == 0, out + err
    assert _groups() == ["Label-group", "Old-group"]

    code, out, err = _apply(_write(tmp_path / "one", ONE_GROUP))
    assert code == 0, out + err
    assert _groups() == ["Label-group"]
    team = boto3.client("sagemaker", region_name="us-east-1").describe_workteam(WorkteamName="test2")
    groups = [m["CognitoMemberDefinition"]["UserGroup"] for m in team["Workteam"]["MemberDefinitions"]]
    assert groups == ["Label-group"]


def test_deleting_the_group_first_is_what_aws_refuses(moto_cli, tmp_path, monkeypatch):
    """Without the ordering rule the group's delete runs before the team's update, and the sandbox refuses
    it as AWS does: the ordering is what makes prune.groups work."""
    import gtops.kinds as kinds

    assert _apply(_write(tmp_path / "two", TWO_GROUPS))[0] == 0
    group_kind = kinds.BY_NAME["cognito_user_group"]
    unordered = dataclasses.replace(group_kind, delete_after_updates_unless=None)
    monkeypatch.setitem(kinds.BY_NAME, "cognito_user_group", unordered)
    code, out, err = _apply(_write(tmp_path / "one", ONE_GROUP))
    assert code == 1
    assert "failed:  cognito_user_group.Old-group: InvalidParameterException" in out + err
    assert "work team(s) test2" in out + err
    assert _groups() == ["Label-group", "Old-group"]


@pytest.fixture(autouse=True)
def _region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
