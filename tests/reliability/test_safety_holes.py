"""Safety holes a hostile or careless trial found: each is a behaviour a user would notice, checked on the
in-process sandbox through the real command."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from rel_helpers import STACK, TRAINS, boto, gtops_inproc

from gtops.model import SETUP_TAG


def _stack_copy(tmp_path: Path, extra: str = "", edit=None) -> Path:
    folder = tmp_path / "stack"
    folder.mkdir(exist_ok=True)
    text = (STACK / "setup.yaml").read_text()
    if edit:
        text = edit(text)
    (folder / "setup.yaml").write_text(text + extra)
    return folder


def _apply(spec: Path, *more: str):
    run = gtops_inproc("apply", str(spec), "--auto-approve", *more)
    assert run.code == 0, run.text
    return run


def _pool_id() -> str:
    return boto("cognito-idp").list_user_pools(MaxResults=60)["UserPools"][0]["Id"]


def test_prune_never_deletes_a_hand_made_group_that_backs_a_hand_made_team(inproc, tmp_path):
    spec = _stack_copy(tmp_path, "prune: {groups: true}\n")
    _apply(spec)
    idp, sm = boto("cognito-idp"), boto("sagemaker")
    pool_id = _pool_id()
    client_id = idp.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"][0][
        "ClientId"
    ]
    idp.create_group(GroupName="hand-made", UserPoolId=pool_id, Description="made in the console")
    sm.create_workteam(
        WorkteamName="hand-team",
        Description="made in the console",
        MemberDefinitions=[
            {
                "CognitoMemberDefinition": {
                    "UserPool": pool_id,
                    "UserGroup": "hand-made",
                    "ClientId": client_id,
                }
            }
        ],
    )
    run = gtops_inproc("plan", str(spec), "--detailed-exitcode")
    assert run.code == 0, run.text  # nothing to do: the hand-made group is not gtops's
    idp.get_group(GroupName="hand-made", UserPoolId=pool_id)  # still there


def test_prune_deletes_gtops_own_group_after_the_team_stops_using_it(inproc, tmp_path):
    two_groups = _stack_copy(
        tmp_path,
        "prune: {groups: true}\n",
        lambda t: t.replace(
            "groups:\n  - name: Label-group", "groups:\n  - name: old-group\n  - name: Label-group"
        ).replace("groups: [Label-group]", "groups: [Label-group, old-group]"),
    )
    _apply(two_groups)
    marked = boto("cognito-idp").get_group(GroupName="old-group", UserPoolId=_pool_id())["Group"]
    assert "managed by gtops setup e2e-stack" in marked["Description"]
    one_group = _stack_copy(tmp_path, "prune: {groups: true}\n")
    run = _apply(one_group)
    # The team update that drops the group runs before the group is deleted (Cognito refuses otherwise).
    assert run.err.index("sagemaker_workteam.test2: Modifying") < run.err.index(
        "cognito_user_group.old-group: Destroying"
    )
    names = [g["GroupName"] for g in boto("cognito-idp").list_groups(UserPoolId=_pool_id())["Groups"]]
    assert names == ["Label-group"]


def test_a_group_gtops_manages_shows_its_description_without_the_marker(inproc, tmp_path):
    spec = _stack_copy(tmp_path)
    _apply(spec)
    plan = json.loads(gtops_inproc("plan", str(spec), "--format", "json").out)
    assert plan["empty"], plan


def test_destroy_refuses_before_any_delete_when_a_team_outside_the_spec_holds_the_workforce(inproc, tmp_path):
    spec = _stack_copy(tmp_path)
    _apply(spec)
    idp, sm = boto("cognito-idp"), boto("sagemaker")
    pool_id = _pool_id()
    client_id = idp.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"][0][
        "ClientId"
    ]
    sm.create_workteam(
        WorkteamName="hand-team",
        Description="made in the console",
        MemberDefinitions=[
            {
                "CognitoMemberDefinition": {
                    "UserPool": pool_id,
                    "UserGroup": "Label-group",
                    "ClientId": client_id,
                }
            }
        ],
    )
    run = gtops_inproc("destroy", str(spec), "--auto-approve", "--force")
    assert run.code == 1
    assert "hand-team" in run.err and "Nothing was deleted" in run.err
    assert {t["WorkteamName"] for t in sm.list_workteams()["Workteams"]} == {"test2", "hand-team"}
    assert boto("cognito-idp").list_user_pools(MaxResults=60)["UserPools"]


def test_a_failed_destroy_says_to_run_destroy_again(inproc, tmp_path, monkeypatch):
    spec = _stack_copy(tmp_path)
    _apply(spec)
    from gtops.kinds import sns_topic

    def broken(ctx, change):
        raise RuntimeError("simulated outage")

    monkeypatch.setitem(sns_topic.KIND.steps, "delete", broken)
    run = gtops_inproc("destroy", str(spec), "--auto-approve", "--force")
    assert run.code == 1
    assert "run `gtops destroy` again" in run.out and "gtops apply" not in run.out


def test_the_lock_names_the_target_not_the_way_it_was_reached(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from gtops.gitops.lock import local_path
    from gtops.setup import Setup

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    setup = Setup(name="s")

    def via(endpoint):
        aws = SimpleNamespace(region="us-east-1", account="123456789012", endpoint_url=endpoint)
        return local_path(aws, setup)

    assert via("http://127.0.0.1:5150") == via("http://localhost:5150/") == via("http://[::1]:5150")
    assert via(None) == via("https://vpce-0abc.api.sagemaker.us-east-1.vpce.amazonaws.com")
    assert via("http://127.0.0.1:5150") != via("http://127.0.0.1:5151")


def test_a_saved_plan_applied_without_a_lock_says_it_holds_on_this_machine_only(inproc, tmp_path):
    spec = _stack_copy(tmp_path)
    saved = tmp_path / "plan.json"
    assert gtops_inproc("plan", str(spec), "--out", str(saved)).code == 0
    run = gtops_inproc("apply", str(saved), "--auto-approve")
    assert run.code == 0, run.text
    assert "could both apply it" in run.err and "lock: {bucket: ...}" in run.err


def test_removing_the_workforce_never_writes_a_literal_portal_placeholder(tmp_path):
    spec = _stack_copy(
        tmp_path,
        edit=lambda t: t.split("workforce:")[0].replace("teams:", "x-teams:").replace("domain:", "domain:"),
    )
    run = gtops_inproc("validate", str(spec))
    assert run.code == 1
    assert "pool.invitation.message: uses {portal_url}" in run.err


def test_a_secret_variable_is_masked_everywhere_and_never_saved(inproc, tmp_path):
    spec = _stack_copy(tmp_path, "tags: {token: '{{ api_token }}'}\n")
    token = "tok-" + "9" * 20
    outputs = []
    for fmt in ("text", "json", "markdown"):
        run = gtops_inproc("plan", str(spec), "--var", f"api_token={token}", "--format", fmt)
        assert run.code == 0, run.text
        outputs.append(run.text)
    saved = tmp_path / "plan.json"
    run = gtops_inproc("plan", str(spec), "--var", f"api_token={token}", "--out", str(saved))
    outputs.append(run.text + saved.read_text())
    assert all(token not in text for text in outputs)
    assert all("(sensitive value)" in text for text in outputs)
    again = gtops_inproc("apply", str(saved), "--auto-approve")
    assert again.code == 1 and "--var api_token=..." in again.err
    assert gtops_inproc("apply", str(saved), "--auto-approve", "--var", f"api_token={token}").code == 0


def test_exported_rosters_cannot_run_as_spreadsheet_formulas(inproc, tmp_path):
    from gtops.gitops.export import spreadsheet_safe

    assert spreadsheet_safe('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert spreadsheet_safe("+14155550100") == "'+14155550100"
    assert spreadsheet_safe("ana@example.com") == "ana@example.com"
    spec = _stack_copy(
        tmp_path,
        "members:\n  workers:\n"
        + "".join(
            f"    - {{email: w{i}@example.com, phone: '+1415555{i:04d}', groups: [Label-group], "
            f"attributes: {{given_name: '=cmd|calc'}}}}\n"
            for i in range(30)
        ),
    )
    _apply(spec)
    out = tmp_path / "export"
    run = gtops_inproc("export", "--pool", "LabelUserPool", "--out", str(out))
    assert run.code == 0, run.text
    rows = list(csv.reader(io.StringIO((out / "workers.csv").read_text())))
    cells = [cell for row in rows[1:] for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")]
    # gtops reads its own export back: the apostrophe is not part of the value.
    assert gtops_inproc("validate", str(out)).code == 0
    exported = gtops_inproc("plan", str(out), "--format", "json")
    users = [c for c in json.loads(exported.out)["changes"] if c["kind"] == "cognito_user"]
    assert not [c for c in users if any(f["path"] in ("phone", "attributes.given_name") for f in c["fields"])]


def test_a_lost_create_labeling_job_answer_is_recognised_as_gtops_own(
    inproc, demo_bucket, demo_role, monkeypatch
):
    """The call succeeds, its answer never arrives, botocore retries and gets ResourceInUse: the run that
    created the job must recognise it (tags and configuration), not ask to rename it."""
    from botocore.client import BaseClient
    from botocore.exceptions import ConnectionClosedError

    original = BaseClient._make_api_call
    lost = {"done": False}

    def lose_first_answer(client, operation, params):
        answer = original(client, operation, params)
        if operation == "CreateLabelingJob" and not lost["done"]:
            lost["done"] = True
            raise ConnectionClosedError(endpoint_url="https://sagemaker")
        return answer

    monkeypatch.setattr(BaseClient, "_make_api_call", lose_first_answer)
    run = gtops_inproc("apply", str(TRAINS), "--auto-approve")
    assert run.code == 0, run.text
    assert lost["done"] and "its answer was lost" in run.err
    jobs = boto("sagemaker").list_labeling_jobs()["LabelingJobSummaryList"]
    assert [j["LabelingJobName"] for j in jobs] == ["image-labeling-job20"]
    described = boto("sagemaker").describe_labeling_job(LabelingJobName="image-labeling-job20")
    assert {t["Key"]: t["Value"] for t in described.get("Tags", [])}.get(SETUP_TAG) == "trains-and-cars"


@pytest.mark.parametrize("owner", ["another-setup", None])
def test_a_job_of_the_same_name_that_is_not_gtops_own_still_asks_for_a_rename(
    inproc, demo_bucket, demo_role, owner
):
    sm = boto("sagemaker")
    assert gtops_inproc("apply", str(TRAINS), "--auto-approve").code == 0
    job = sm.describe_labeling_job(LabelingJobName="image-labeling-job20")
    assert job["LabelingJobStatus"]
    from gtops.jobs.apply import _is_our_job
    from gtops.jobs.prepare import Prepared

    class Ctx:
        class aws:  # noqa: N801 - a stand-in for gtops.aws.Aws
            @staticmethod
            def client(name, retry=True):
                return boto(name)

    tags = [{"Key": SETUP_TAG, "Value": owner}] if owner else []
    request = {"Tags": tags + [{"Key": "gtops:job", "Value": "image-labeling-job20"}]}
    fake = Prepared(0, {}, None, "image-labeling-job20", {}, request)  # type: ignore[arg-type]
    assert _is_our_job(Ctx, fake, request) is False


def test_spec_files_named_by_a_plan_are_never_read_unless_the_plan_knows_them(inproc, tmp_path):
    spec = _stack_copy(tmp_path)
    saved = tmp_path / "plan.json"
    assert gtops_inproc("plan", str(spec), "--out", str(saved)).code == 0
    doc = json.loads(saved.read_text())
    shutil.copy(spec / "setup.yaml", tmp_path / "other.yaml")
    doc["spec"]["paths"] = [str(tmp_path / "other.yaml")]
    saved.write_text(json.dumps(doc))
    run = gtops_inproc("apply", str(saved), "--auto-approve")
    assert run.code == 1 and "other.yaml (new)" in run.err
