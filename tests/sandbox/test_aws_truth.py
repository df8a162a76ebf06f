"""The AWS rules the audit found the sandbox too kind about, in process and over loopback (`sandbox`).

One section per numbered behaviour of the "AWS truth" issue; each rule's source is beside it in gtops/sandbox/
and in the README's table of sandbox rules.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError


def _error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = excinfo.value.response["Error"]
    return error["Code"], error["Message"]


def _members(setup: dict[str, Any], *groups: str) -> list[dict[str, Any]]:
    return [
        {"CognitoMemberDefinition": {"UserPool": setup["pool"], "UserGroup": g, "ClientId": setup["client"]}}
        for g in groups or setup["groups"]
    ]


# -- 1. a Cognito group a work team uses cannot be deleted ----------------------------------------------


def test_deleting_a_group_a_team_uses_is_refused(sandbox: Any, cognito_setup: Any) -> None:
    setup = cognito_setup(sandbox, groups=("kept", "used", "free"))
    sm, idp = sandbox.client("sagemaker"), sandbox.client("cognito-idp")
    sm.create_workteam(WorkteamName="team", MemberDefinitions=_members(setup, "kept", "used"), Description="d")
    with pytest.raises(ClientError) as used:
        idp.delete_group(UserPoolId=setup["pool"], GroupName="used")
    code, message = _error(used)
    assert code == "InvalidParameterException"
    assert "used" in message and "team" in message
    assert "used" in [g["GroupName"] for g in idp.list_groups(UserPoolId=setup["pool"])["Groups"]]

    idp.delete_group(UserPoolId=setup["pool"], GroupName="free")  # no team: deleted as before
    # Once the team no longer lists it, the group can go.
    sm.update_workteam(WorkteamName="team", MemberDefinitions=_members(setup, "kept"))
    idp.delete_group(UserPoolId=setup["pool"], GroupName="used")
    assert [g["GroupName"] for g in idp.list_groups(UserPoolId=setup["pool"])["Groups"]] == ["kept"]
    sm.delete_workteam(WorkteamName="team")
    idp.delete_group(UserPoolId=setup["pool"], GroupName="kept")


def test_a_group_of_the_same_name_in_another_pool_is_not_blocked(sandbox: Any, cognito_setup: Any) -> None:
    setup = cognito_setup(sandbox, groups=("g",))
    other = cognito_setup(sandbox, groups=("g",), name="other-pool")
    sandbox.client("sagemaker").create_workteam(
        WorkteamName="team", MemberDefinitions=_members(setup), Description="d"
    )
    sandbox.client("cognito-idp").delete_group(UserPoolId=other["pool"], GroupName="g")
