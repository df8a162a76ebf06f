"""`gtops members resend` and `gtops members list` on the in-process sandbox."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from members_helpers import apply, idp, pool_id, setup, stack, users, worker

from gtops.cli import main
from gtops.members.resend import resend_invitations
from gtops.sandbox.cognito import sent_invitations

SPEC = """\
name: demo
region: us-east-1
pool: {name: LabelUserPool}
groups: [{name: g1}, {name: g2}]
members:
  workers:
    - {email: ann@example.com, groups: [g1]}
    - {email: Ben@Example.com, groups: [g2]}
    - {email: cat@example.com, groups: [g1]}
    - {email: dan@example.com, groups: [g1], enabled: false}
"""


def _roster() -> list[dict]:
    return [
        worker("ann@example.com"),
        worker("Ben@Example.com", groups=("g2",)),
        worker("cat@example.com"),
        worker("dan@example.com", enabled=False),
    ]


def _sign_in(email: str) -> None:
    """What a worker's first sign-in does to the status: FORCE_CHANGE_PASSWORD -> CONFIRMED."""
    idp().admin_set_user_password(
        UserPoolId=pool_id(), Username=users()[email]["username"], Password="Str0ng!Passw0rd", Permanent=True
    )


def test_resend_reaches_only_workers_who_never_signed_in_and_creates_no_one(sandbox):
    from members_helpers import aws

    data = stack(_roster())
    apply(data)
    _sign_in("cat@example.com")
    before = sent_invitations(pool_id())
    count = len(users())

    result = resend_invitations(aws(), setup(data))
    assert sorted(result.sent) == ["Ben@Example.com", "ann@example.com"]  # cat signed in, dan is disabled
    assert result.failed == []
    assert any("dan@example.com" in n and "disabled" in n for n in result.notes)
    assert len(users()) == count
    after = sent_invitations(pool_id())
    live = users()
    for email, extra in (("ann@example.com", 1), ("ben@example.com", 1), ("cat@example.com", 0)):
        username = live[email]["username"]
        assert after[username] == before[username] + extra, email
    assert live["ann@example.com"]["status"] == "FORCE_CHANGE_PASSWORD"


def test_resend_cli_prints_who_got_one_and_never_a_password(sandbox, tmp_path: Path, capsys):
    apply(stack(_roster()))
    (tmp_path / "spec.yaml").write_text(SPEC)
    with pytest.raises(SystemExit) as done:
        main(["members", "resend", str(tmp_path), "--email", "ANN@example.com", "--email", "zed@example.com"])
    assert done.value.code == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == ["ann@example.com"]
    assert "zed@example.com: not in the roster" in err
    assert "1 workers got a new invitation" in err
    assert "assword" not in out + err.replace("FORCE_CHANGE_PASSWORD", "")

    with pytest.raises(SystemExit) as done:
        main(["members", "resend", str(tmp_path), "--dry-run"])
    assert done.value.code == 0
    out, _ = capsys.readouterr()
    assert sorted(out.splitlines()) == ["Ben@Example.com", "ann@example.com", "cat@example.com"]


def test_resend_before_the_pool_exists_says_so(sandbox, tmp_path: Path, capsys):
    (tmp_path / "spec.yaml").write_text(SPEC)
    with pytest.raises(SystemExit) as done:
        main(["members", "resend", str(tmp_path)])
    assert done.value.code == 1
    assert "does not exist in us-east-1 yet; run `gtops apply` first" in capsys.readouterr().err


def test_members_list_shows_the_pool_and_who_is_not_in_the_roster(sandbox, tmp_path: Path, capsys):
    apply(stack(_roster() + [worker("eve@example.com", groups=("g2",))]))
    (tmp_path / "spec.yaml").write_text(SPEC)
    with pytest.raises(SystemExit) as done:
        main(["members", "list", str(tmp_path), "--format", "json"])
    assert done.value.code == 0
    rows = {r["email"].lower(): r for r in json.loads(capsys.readouterr().out)}
    assert set(rows) == {
        "ann@example.com",
        "ben@example.com",
        "cat@example.com",
        "dan@example.com",
        "eve@example.com",
    }
    assert rows["eve@example.com"]["in_roster"] is False
    assert rows["ann@example.com"] | {"username": None} == {
        "email": "ann@example.com",
        "username": None,
        "status": "FORCE_CHANGE_PASSWORD",
        "enabled": True,
        "groups": ["g1"],
        "in_roster": True,
    }
    assert rows["dan@example.com"]["enabled"] is False
